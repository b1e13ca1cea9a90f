//go:build !linux || !(amd64 || arm64 || riscv64 || loong64)

// Package warmstart maps, as a program starts, its code and read-only
// data; on Linux only (MADV_POPULATE_READ), on amd64, arm64, riscv64 and
// loong64, and elsewhere it does nothing.
package warmstart
