//go:build linux && (arm64 || riscv64 || loong64)

package warmstart

const sysMadvise = 233 // SYS_MADVISE in the generic system call table
