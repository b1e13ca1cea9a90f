//go:build !linux || !(amd64 || arm64 || riscv64 || loong64)

// Package warmstart maps, as a program starts, the pages it is about to
// use; on Linux only (MADV_POPULATE_READ and MADV_POPULATE_WRITE), on
// amd64, arm64, riscv64 and loong64, and elsewhere it does nothing.
package warmstart
