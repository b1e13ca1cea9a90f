// Package testio gives tests the inputs a hook reads from: Unix socket
// pairs (Node gives the children it starts socket pairs for their stdio,
// so Claude Code and Gemini CLI hand a hook its payload on one) and
// regular files.
package testio

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// File returns a private file in t's temp directory holding data, open
// for reading and closed when t ends.
func File(t testing.TB, data []byte) *os.File {
	t.Helper()
	path := filepath.Join(t.TempDir(), "input")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// Pair returns the two ends of a new stream socket pair, which child
// processes do not inherit (marked close-on-exec under syscall.ForkLock, as
// package net does: SOCK_CLOEXEC is not portable). Both are closed when t
// ends; closing one earlier is fine.
func Pair(t testing.TB) (a, b *os.File) {
	t.Helper()
	syscall.ForkLock.RLock()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err == nil {
		syscall.CloseOnExec(fds[0])
		syscall.CloseOnExec(fds[1])
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		t.Fatalf("socketpair: %v", err)
	}
	a, b = os.NewFile(uintptr(fds[0]), "socket a"), os.NewFile(uintptr(fds[1]), "socket b")
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}
