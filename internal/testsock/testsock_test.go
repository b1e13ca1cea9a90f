package testsock

import (
	"io"
	"testing"

	"golang.org/x/sys/unix"
)

func TestPairCarriesBytesAndIsCloseOnExec(t *testing.T) {
	a, b := Pair(t)
	for _, f := range [...]interface{ Fd() uintptr }{a, b} {
		flags, err := unix.FcntlInt(f.Fd(), unix.F_GETFD, 0)
		if err != nil || flags&unix.FD_CLOEXEC == 0 {
			t.Fatalf("FD_CLOEXEC is not set (flags %#x, %v): a child process would inherit the socket", flags, err)
		}
	}
	go func() { a.Write([]byte("ping")); a.Close() }()
	got, err := io.ReadAll(b)
	if err != nil || string(got) != "ping" {
		t.Fatalf("read %q, %v; want ping", got, err)
	}
}
