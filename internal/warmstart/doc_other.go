//go:build !linux

// Package warmstart maps, as a program starts, the pages it is about to
// use; on Linux only (MADV_POPULATE_READ and MADV_POPULATE_WRITE), and
// elsewhere it does nothing.
package warmstart
