package guard

import (
	"bytes"
	"encoding/base64"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/noxkey/noxkey/internal/testio"
)

// chunkReader returns its data in reads of the given sizes, cycling.
type chunkReader struct {
	data  []byte
	sizes []int
	i     int
}

func (r *chunkReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	n := min(r.sizes[r.i%len(r.sizes)], len(p), len(r.data))
	r.i++
	copy(p, r.data[:n])
	r.data = r.data[n:]
	return n, nil
}

func testGuard(t testing.TB, secrets ...Secret) *Guard {
	return &Guard{Index: mustBuild(t, secrets...), Placeholder: DefaultPlaceholder}
}

func TestStreamCatchesSecretsSplitAcrossEveryReadBoundary(t *testing.T) {
	g := testGuard(t, Secret{"acme/api/KEY", []byte(stripe)})
	b64 := base64.StdEncoding.EncodeToString([]byte(stripe))
	input := "start\n" + strings.Repeat("filler line of output\n", 50) + "key=" + stripe + "\nwrapped: " + b64[:30] + "\n  " + b64[30:] + "\nend\n"
	want, _ := g.Redact([]byte(input))
	if bytes.Contains(want, []byte(stripe)) || !bytes.Contains(want, []byte("[REDACTED:acme/api/KEY]")) {
		t.Fatalf("whole-input redaction is wrong: %q", want)
	}
	for _, sizes := range [][]int{{1}, {2}, {3}, {7}, {64}, {1000}, {5, 1, 13}, {len(input)}} {
		var out bytes.Buffer
		if err := g.Stream(&out, &chunkReader{data: []byte(input), sizes: sizes}, time.Hour); err != nil {
			t.Fatal(err)
		}
		if out.String() != string(want) {
			t.Fatalf("reads of %v: streamed output differs from whole redaction:\n%q\n%q", sizes, out.String(), want)
		}
	}
}

// syncBuffer is a bytes.Buffer safe to read while Stream writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// pipes are the ways Stream reads: any io.Reader (on a goroutine) and an
// *os.File (poll, then read), here a real pipe and a socket
// pair (Node's stdio).
var pipes = map[string]func(t *testing.T) (io.Reader, io.WriteCloser){
	"io.Pipe": func(t *testing.T) (io.Reader, io.WriteCloser) { return io.Pipe() },
	"os.Pipe": func(t *testing.T) (io.Reader, io.WriteCloser) {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		return r, w
	},
	"socket pair": func(t *testing.T) (io.Reader, io.WriteCloser) {
		r, w := testio.Pair(t)
		return r, w
	},
}

// startStream streams a new pipe through a guard of the test secret: it
// returns the guard, the pipe's writing end, the output, and where
// Stream's result arrives.
func startStream(t *testing.T, pipe func(*testing.T) (io.Reader, io.WriteCloser), idle time.Duration) (*Guard, io.WriteCloser, *syncBuffer, chan error) {
	g := testGuard(t, Secret{"acme/api/KEY", []byte(stripe)})
	pr, pw := pipe(t)
	out := new(syncBuffer)
	done := make(chan error)
	go func() { done <- g.Stream(out, pr, idle) }()
	return g, pw, out, done
}

func TestStreamEmitsBeforeEOF(t *testing.T) {
	for name, pipe := range pipes {
		t.Run(name, func(t *testing.T) {
			g, pw, out, done := startStream(t, pipe, time.Hour)
			// Lines well past the lookback come out while the writer is still open.
			big := strings.Repeat("progress line 0123456789 0123456789 0123456789\n", 2000)
			go pw.Write([]byte("first " + stripe + "\n" + big))
			waitFor(t, "output before EOF", func() bool {
				return strings.HasPrefix(out.String(), "first [REDACTED:acme/api/KEY]\nprogress")
			})
			// A secret written in two pieces, a moment apart, is still caught.
			waitFor(t, "all of the first write", func() bool { return len(out.String()) > len(big)-2*g.lookback() })
			pw.Write([]byte("then " + stripe[:10]))
			time.Sleep(20 * time.Millisecond)
			pw.Write([]byte(stripe[10:] + " end\n"))
			pw.Close()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			if got := out.String(); got != "first [REDACTED:acme/api/KEY]\n"+big+"then [REDACTED:acme/api/KEY] end\n" {
				t.Fatalf("final output differs (%d bytes): %q", len(got), strings.ReplaceAll(got[max(0, len(got)-80):], stripe, "<stripe>"))
			}
		})
	}
}

func TestStreamFlushesWhenIdle(t *testing.T) {
	for name, pipe := range pipes {
		t.Run(name, func(t *testing.T) {
			_, pw, out, done := startStream(t, pipe, 50*time.Millisecond)
			pw.Write([]byte("Password for " + stripe + ": "))
			waitFor(t, "the idle flush", func() bool { return out.String() == "Password for [REDACTED:acme/api/KEY]: " })
			pw.Write([]byte("hunter2\n"))
			pw.Close()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			if got := out.String(); got != "Password for [REDACTED:acme/api/KEY]: hunter2\n" {
				t.Fatalf("after the idle flush: %q", got)
			}
		})
	}
}

// TestStreamHoldsAPartWrittenSecretWhenIdle: a secret written in two
// parts, the second long after the idle flush, is never emitted in parts:
// the flush holds back the first part (and what follows a prompt-like
// text without a secret is flushed at once); split at the window width,
// one past it, inside, and one byte short of the whole.
func TestStreamHoldsAPartWrittenSecretWhenIdle(t *testing.T) {
	for name, pipe := range pipes {
		t.Run(name, func(t *testing.T) {
			for _, at := range []int{8, 9, 20, len(stripe) - 1} {
				_, pw, out, done := startStream(t, pipe, 20*time.Millisecond)
				pw.Write([]byte("ready\nkey=" + stripe[:at]))
				waitFor(t, "the idle flush", func() bool { return out.String() == "ready\nkey=" })
				time.Sleep(100 * time.Millisecond) // five idle periods
				if got := out.String(); got != "ready\nkey=" {
					t.Fatalf("split at %d: a part of the secret was emitted while idle: %q", at, strings.ReplaceAll(got, stripe[:at], "<part>"))
				}
				pw.Write([]byte(stripe[at:] + "\n"))
				pw.Close()
				if err := <-done; err != nil {
					t.Fatal(err)
				}
				if got := out.String(); got != "ready\nkey=[REDACTED:acme/api/KEY]\n" {
					t.Fatalf("split at %d: %q", at, strings.ReplaceAll(got, stripe[at:], "<rest>"))
				}
			}
		})
	}
}

func TestStreamWithoutSecretsIsByteIdentical(t *testing.T) {
	g := testGuard(t, Secret{"acme/api/KEY", []byte(stripe)})
	in := corpus(1 << 20)
	var out bytes.Buffer
	if err := g.Stream(&out, &chunkReader{data: in, sizes: []int{4093}}, time.Hour); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), in) {
		t.Fatal("clean input was changed")
	}
}

// TestBenignCorporaAreUnchanged: 16 MB of realistic tool output and 16
// MB of base64 text, against 1,000 secrets with every decoder on, come out
// of the stream byte for byte: no false redaction.
func TestBenignCorporaAreUnchanged(t *testing.T) {
	g := testGuard(t, testSecrets(1000)...)
	b64 := make([]byte, 0, 16<<20)
	enc := base64.StdEncoding.EncodeToString(corpus(12 << 20))
	for i := 0; i < len(enc) && len(b64) < 16<<20; i += 76 {
		b64 = append(append(b64, enc[i:min(i+76, len(enc))]...), '\n')
	}
	for name, in := range map[string][]byte{"realistic": corpus(16 << 20), "base64": b64} {
		var out bytes.Buffer
		if err := g.Stream(&out, bytes.NewReader(in), time.Hour); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out.Bytes(), in) {
			ms := g.Find(in)
			t.Fatalf("%s: clean input was changed (%d matches, first %+v)", name, len(ms), ms[:min(len(ms), 1)])
		}
	}
}

// TestStreamFromAFileWithALongLine: a regular file whose long line
// outgrows the buffer (which then grows) comes out as whole-input
// redaction does.
func TestStreamFromAFileWithALongLine(t *testing.T) {
	g := testGuard(t, Secret{"acme/api/KEY", []byte(stripe)})
	long := strings.Repeat("y", 300<<10) + stripe + strings.Repeat("z", 1000)
	in := []byte(string(corpus(200<<10)) + "key " + stripe + "\n" + long + "\nafter " + stripe + "\n" + string(corpus(100<<10)))
	var out bytes.Buffer
	if err := g.Stream(&out, testio.File(t, in), time.Hour); err != nil {
		t.Fatal(err)
	}
	want, _ := g.Redact(in)
	if !bytes.Equal(out.Bytes(), want) || bytes.Contains(out.Bytes(), []byte(stripe)) {
		t.Fatalf("streamed file differs from whole redaction (%d vs %d bytes)", out.Len(), len(want))
	}
}

// TestStreamMovesToItsLongInputBuffer: once an input is long, Stream
// moves what it holds into a buffer of its own (bigBuffer); a secret
// held across the move, and one at the end of a line longer than that
// buffer, are redacted as whole-input redaction redacts them, whatever
// the reads.
func TestStreamMovesToItsLongInputBuffer(t *testing.T) {
	g := testGuard(t, Secret{"acme/api/KEY", []byte(stripe)})
	var in []byte
	for len(in) < 2*bigInput {
		in = append(in, corpus(4<<10)...)
		in = append(in, "key "+stripe+"\n"...)
	}
	in = append(in, strings.Repeat("y", maxStreamChunk+maxStreamChunk/2)+stripe+"\n"...)
	in = append(in, corpus(300<<10)...)
	want, _ := g.Redact(in)
	if bytes.Contains(want, []byte(stripe)) {
		t.Fatal("whole-input redaction left the secret")
	}
	for _, sizes := range [][]int{{4093}, {streamChunk, 1}, {maxStreamChunk}} {
		var out bytes.Buffer
		if err := g.Stream(&out, &chunkReader{data: in, sizes: sizes}, time.Hour); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out.Bytes(), want) {
			t.Fatalf("reads of %v: streamed output differs from whole redaction (%d vs %d bytes)", sizes, out.Len(), len(want))
		}
	}
	var out bytes.Buffer
	if err := g.Stream(&out, testio.File(t, in), time.Hour); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), want) {
		t.Fatalf("from a file: streamed output differs from whole redaction (%d vs %d bytes)", out.Len(), len(want))
	}
}
