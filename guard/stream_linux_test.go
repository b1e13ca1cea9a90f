package guard

import (
	"bytes"
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/noxkey/noxkey/internal/testio"
)

// TestStreamGrowsALongPipe: a stream read from a pipe that keeps coming
// grows the pipe's buffer to a whole read, so the writer goes on while a
// window is scanned, and redacts as a whole-text scan does.
func TestStreamGrowsALongPipe(t *testing.T) {
	g := testGuard(t, awkward...)
	var text []byte
	for len(text) < 3<<20 {
		text = append(text, corpusLines(64<<10)...)
		text = append(text, "key="+string(awkward[len(text)%len(awkward)].Value)+"\n"...)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	before, _ := unix.FcntlInt(r.Fd(), unix.F_GETPIPE_SZ, 0)
	go func() { w.Write(text); w.Close() }()
	var out bytes.Buffer
	if err := g.Stream(&out, r, time.Hour); err != nil {
		t.Fatal(err)
	}
	if want, _ := g.Redact(text); !bytes.Equal(out.Bytes(), want) {
		t.Fatal("streamed output differs from the whole text's redaction")
	}
	after, err := unix.FcntlInt(r.Fd(), unix.F_GETPIPE_SZ, 0)
	if err != nil || after < maxStreamChunk || after <= before {
		t.Fatalf("pipe buffer %d bytes before, %d after (%v), want %d", before, after, err, maxStreamChunk)
	}
	// A short input leaves the pipe as it was.
	r2, w2, _ := os.Pipe()
	defer r2.Close()
	go func() { w2.Write(text[:100<<10]); w2.Close() }()
	if err := g.Stream(&out, r2, time.Hour); err != nil {
		t.Fatal(err)
	}
	if n, _ := unix.FcntlInt(r2.Fd(), unix.F_GETPIPE_SZ, 0); n != before {
		t.Fatalf("a 100 KB input changed the pipe buffer from %d to %d", before, n)
	}
}

// TestStreamTakesAHugePageOnlyForALongInput: the buffer on a huge page
// (bigBuffer) is for inputs of bigInput or more. A hook call's input is
// usually shorter, and the kernel's zeroing of a 2 MiB page cost such a
// call more than the page faults it saves (docs/performance.md): a 100 KB
// stream never has one, a 1 MiB stream does where the kernel gives huge
// pages; from a file known to be long, from its first window on.
func TestStreamTakesAHugePageOnlyForALongInput(t *testing.T) {
	g := testGuard(t, awkward...)
	thp, _ := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	thpOn := bytes.Contains(thp, []byte("[always]")) || bytes.Contains(thp, []byte("[madvise]"))
	for _, c := range []struct {
		size        int
		file        bool
		want, first bool // huge pages while writing, and at the first write
	}{
		{100 << 10, false, false, false}, {bigInput - 4<<10, false, false, false}, {1 << 20, false, true, false},
		{100 << 10, true, false, false}, {bigInput + 4<<10, true, true, true},
	} {
		text := corpusLines(c.size)
		var src *os.File
		if c.file {
			src = testio.File(t, text)
		} else {
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			go func() { w.Write(text); w.Close() }()
			src = r
		}
		dst := &hugeWatcher{t: t, base: anonHugeKiB(t), first: -1}
		if err := g.Stream(dst, src, time.Hour); err != nil {
			t.Fatal(err)
		}
		if dst.n != len(text) {
			t.Fatalf("%d bytes in, %d out", len(text), dst.n)
		}
		if (c.want || c.first) && !thpOn {
			t.Logf("transparent huge pages are off here (%q): a long input's case proves nothing", bytes.TrimSpace(thp))
			continue
		}
		if got := dst.most > 0; got != c.want {
			t.Errorf("a stream of %d bytes (from a file: %v) held %d KiB more on huge pages while it wrote; want a huge page buffer: %v", len(text), c.file, dst.most, c.want)
		}
		if got := dst.first > 0; got != c.first {
			t.Errorf("a stream of %d bytes (from a file: %v) held %d KiB more on huge pages at its first write; want a huge page buffer then: %v", len(text), c.file, dst.first, c.first)
		}
	}
}

// hugeWatcher counts what is written, and the anonymous huge page memory
// the process held beyond base at the first write and at most while it
// was written.
type hugeWatcher struct {
	t                 *testing.T
	base, first, most int
	n                 int
}

func (h *hugeWatcher) Write(p []byte) (int, error) {
	h.n += len(p)
	k := anonHugeKiB(h.t) - h.base
	if h.first < 0 {
		h.first = k
	}
	h.most = max(h.most, k)
	return len(p), nil
}

// anonHugeKiB is the process's anonymous memory on huge pages, in KiB.
func anonHugeKiB(t *testing.T) int {
	b, err := os.ReadFile("/proc/self/smaps_rollup")
	if err != nil {
		t.Skipf("no smaps_rollup: %v", err)
	}
	_, rest, ok := bytes.Cut(b, []byte("\nAnonHugePages:"))
	if !ok {
		t.Fatalf("smaps_rollup has no AnonHugePages line")
	}
	var kib int
	for _, c := range bytes.TrimLeft(rest, " ") {
		if c < '0' || c > '9' {
			break
		}
		kib = kib*10 + int(c-'0')
	}
	return kib
}
