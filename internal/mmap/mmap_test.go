//go:build unix

package mmap

import (
	"bytes"
	"runtime"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/noxkey/noxkey/internal/testio"
)

func TestMapReadsTheFileAndUnmapReleasesIt(t *testing.T) {
	want := bytes.Repeat([]byte("0123456789abcdef"), 1000) // crosses pages
	f := testio.File(t, want)
	b, err := Map(int(f.Fd()), len(want), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, want) {
		t.Fatal("the mapping differs from the file")
	}
	if err := Unmap(b); err != nil {
		t.Fatal(err)
	}
	// The pages are gone: on Linux, madvise on an unmapped range fails
	// with ENOMEM.
	if runtime.GOOS == "linux" {
		if err := unix.Madvise(b[:1], unix.MADV_NORMAL); err != unix.ENOMEM {
			t.Fatalf("madvise after Unmap: %v, want ENOMEM", err)
		}
	}
	if err := Unmap(nil); err != nil {
		t.Fatalf("Unmap(nil): %v", err)
	}
}

func TestMapFailsOnABadDescriptor(t *testing.T) {
	if _, err := Map(-1, 4096, unix.PROT_READ, unix.MAP_SHARED); err == nil {
		t.Fatal("mapping fd -1 without MAP_ANON succeeded")
	}
}
