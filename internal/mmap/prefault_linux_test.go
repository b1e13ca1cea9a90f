package mmap

import (
	"bytes"
	"os"
	"runtime"
	"testing"
	"unsafe"

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
	// The range is 224 pages: read fresh, a fault maps 16 of them (the
	// kernel's fault-around), about 14 faults. The thread may take a fault
	// or two of its own meanwhile (a stack page, a signal's frame), so a
	// prefaulted read is allowed two.
	fresh := read(false)
	if fresh <= 4 {
		t.Fatalf("reading a fresh mapping took %d page faults: the test cannot tell", fresh)
	}
	if n := read(true); n > 2 {
		t.Fatalf("reading a prefaulted range took %d page faults (fresh: %d), want none but the thread's own", n, fresh)
	}
	if err := Prefault(nil); err != nil {
		t.Fatalf("Prefault(nil): %v", err)
	}
}

func TestBufferIsHugePages(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b, err := Buffer(1 << 20)
	if err != nil {
		t.Fatal(err)
	}
	defer Unmap(b)
	if len(b) != hugePage || uintptr(unsafe.Pointer(unsafe.SliceData(b)))%hugePage != 0 {
		t.Fatalf("Buffer(1 MiB) is %d bytes at %p, want one aligned huge page", len(b), unsafe.SliceData(b))
	}
	before := minorFaults(t)
	for i := 0; i < len(b); i += 4096 {
		if b[i] != 0 {
			t.Fatal("a fresh buffer is not zero")
		}
		b[i] = 1
	}
	faults := minorFaults(t) - before
	thp, _ := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	if !bytes.Contains(thp, []byte("[always]")) && !bytes.Contains(thp, []byte("[madvise]")) {
		t.Skipf("transparent huge pages are off here (%q): %d faults", bytes.TrimSpace(thp), faults)
	}
	// One for the huge page; the thread may take a few of its own (a
	// loaded CI machine showed 3). In 4 KiB pages it would be 512.
	if faults > 16 {
		t.Fatalf("writing a 2 MiB huge page buffer took %d page faults, want a few (one for its huge page; 512 in 4 KiB pages)", faults)
	}
}
