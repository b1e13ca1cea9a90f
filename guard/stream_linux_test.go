package guard

import (
	"bytes"
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"
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
