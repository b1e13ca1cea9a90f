// Package testsock gives tests Unix socket pairs: Node gives the children
// it starts socket pairs for their stdio, so Claude Code and Gemini CLI
// hand a hook its payload on one, and the hook is tested on them.
package testsock

import (
	"os"
	"syscall"
	"testing"
)

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
