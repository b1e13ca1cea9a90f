package mmap

import (
	"bytes"
	"runtime"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/noxkey/noxkey/internal/testio"
)

// minorFaults is this thread's count of minor page faults.
func minorFaults(t *testing.T) int64 {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_THREAD, &ru); err != nil {
		t.Fatal(err)
	}
	return ru.Minflt
}

func TestPrefaultMapsThePagesSoReadingDoesNotFault(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	data := bytes.Repeat([]byte("0123456789abcdef"), 64<<10) // 1 MiB
	f := testio.File(t, data)
	read := func(prefault bool) int64 {
		b, err := Map(int(f.Fd()), len(data), unix.PROT_READ, unix.MAP_SHARED)
		if err != nil {
			t.Fatal(err)
		}
		defer Unmap(b)
		part := b[5000 : 900<<10] // not page-aligned: Prefault rounds down
		if prefault {
			if err := Prefault(part); err != nil {
				t.Skipf("MADV_POPULATE_READ: %v (Linux before 5.14?)", err)
			}
		}
		before := minorFaults(t)
		var x byte
		for i := 0; i < len(part); i += 4096 {
			x ^= part[i]
		}
		after := minorFaults(t)
		if x == 0xff {
			t.Log("unreachable")
		}
		return after - before
	}
	if n := read(false); n == 0 {
		t.Fatal("reading a fresh mapping took no page fault: the test cannot tell")
	}
	if n := read(true); n != 0 {
		t.Fatalf("reading a prefaulted range took %d page faults, want 0", n)
	}
	if err := Prefault(nil); err != nil {
		t.Fatalf("Prefault(nil): %v", err)
	}
}
