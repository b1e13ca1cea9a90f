package testio

import (
	"bytes"
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

func TestFileReadsBackItsData(t *testing.T) {
	want := bytes.Repeat([]byte("line\n"), 2000)
	f := File(t, want)
	if fi, err := f.Stat(); err != nil || fi.Mode().Perm() != 0o600 || !fi.Mode().IsRegular() {
		t.Fatalf("stat: %v %v, want a regular 0600 file", fi.Mode(), err)
	}
	got, err := io.ReadAll(f)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("read %d bytes, %v; want %d", len(got), err, len(want))
	}
}
