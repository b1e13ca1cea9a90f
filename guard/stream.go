package guard

import (
	"errors"
	"io"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"github.com/noxkey/noxkey/internal/mmap"
)

// DefaultIdle is how long Stream waits for more input before it emits
// what it holds back.
const DefaultIdle = 200 * time.Millisecond

// Stream copies src to dst with every secret redacted, as it goes: it
// emits whole lines as soon as they are more than lookback bytes from the
// end of what it has read, so a secret split across reads or wrapped
// over lines is still seen whole. When src is idle for idle (a prompt
// waiting for input, a command between outputs), it emits everything it
// holds but a tail that may be the start of a secret form still being
// written (Index.Pending), which waits for more input or the end.
func (g *Guard) Stream(dst io.Writer, src io.Reader, idle time.Duration) error {
	if idle <= 0 {
		idle = DefaultIdle
	}
	r := newIdleReader(src)
	defer r.close()
	// One buffer for the whole stream, read into in place: a short-lived
	// filter pays a page fault for every fresh page it touches, which
	// costs more than the scan.
	f := &held{g: g, dst: dst, keep: g.lookback()}
	f.buf = make([]byte, 0, f.keep+streamChunk)
	var big []byte // the buffer of a long input (bigBuffer), once there is one
	defer func() { mmap.Unmap(big) }()
	bigTried := false
	chunk, total := streamChunk, 0
	if longFile(src) {
		// Known to be long: the largest reads from the first, so that
		// its first windows split over the CPUs too.
		big, bigTried = f.bigBuffer(), true
		chunk = maxStreamChunk
	}
	for timedOut := false; ; {
		// Room for the next read: move what is held to the front and grow
		// for a long line held whole, or for input that keeps coming (a
		// read filled all the room: each scan also rereads what is held,
		// so larger reads reread less). Not after a timeout: a read into
		// the room given then may still be pending.
		if !timedOut {
			if total >= bigInput && !bigTried {
				big, bigTried = f.bigBuffer(), true
			}
			f.room(chunk/2, chunk)
		}
		room := cap(f.buf) - len(f.buf)
		var n int
		var err error
		n, err, timedOut = r.read(f.buf[len(f.buf):cap(f.buf)], idle)
		// What else src holds now comes in this round too: a pipe gives
		// at most its buffer a read, and one scan of a long window costs
		// less than several of short ones (and is split over the CPUs).
		for err == nil && n > 0 && len(f.buf)+n < cap(f.buf) {
			m := r.more(f.buf[len(f.buf)+n : cap(f.buf)])
			if m == 0 {
				break
			}
			n += m
		}
		if n == room && chunk < maxStreamChunk {
			chunk *= 2
		}
		if total < bigInput && total+n >= bigInput {
			// A long input: the largest reads from now on, so its
			// windows are long enough to split over the CPUs.
			r.bigInput(maxStreamChunk)
			chunk = maxStreamChunk
		}
		total += n
		if timedOut {
			// src is idle: write all that is held (a pending read fills
			// f.buf past its length, which this does not touch).
			if err := f.emit(true, false); err != nil {
				return err
			}
			continue
		}
		f.buf = f.buf[:len(f.buf)+n]
		if err != nil {
			if werr := f.emit(true, true); werr != nil {
				return werr
			}
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if err := f.emit(false, false); err != nil {
			return err
		}
	}
}

// streamChunk is the room Stream reads into at a time: the fastest
// whole noxkey-hook filter of the sizes tried (docs/performance.md).
const streamChunk = 16 << 10

// maxStreamChunk bounds how far Stream grows its reads for input that
// keeps coming.
const maxStreamChunk = 1 << 20

// bigBuffer moves what f holds into a buffer with room for a largest
// read, on a huge page (mmap.Buffer), and returns the buffer, or nil when
// there is none to be had. Stream takes it once bigInput bytes have come:
// grown read by read, the buffer of a long input took a page fault for
// each of its 4 KiB pages, each dearer than the kernel's zeroing of the
// whole huge page, but a shorter input (a hook call's, mostly) pays more
// for that zeroing than it saves (docs/performance.md).
func (f *held) bigBuffer() []byte {
	b, err := mmap.Buffer(f.keep + maxStreamChunk + streamChunk)
	if err != nil {
		return nil
	}
	n := copy(b, f.buf[f.from:])
	f.buf, f.from = b[:n:f.keep+maxStreamChunk+streamChunk], 0
	return b
}

// longFile reports whether src is a regular file of bigInput bytes or
// more (a filter's input redirected from a file, not a command's pipe).
func longFile(src io.Reader) bool {
	f, ok := src.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode().IsRegular() && st.Size() >= bigInput
}

// bigInput is how much input makes a stream long, the size from which
// its windows are scanned on every CPU (findSplit): a pipe it reads from
// is then given room for a whole read.
const bigInput = splitMin

// An idleReader reads with a timeout. After a timeout the next call must
// pass the same p: a read into it may still be pending.
type idleReader interface {
	read(p []byte, idle time.Duration) (n int, err error, timedOut bool)
	// more reads what src holds now without waiting, and returns 0 when
	// it holds nothing or cannot tell (the next read says why).
	more(p []byte) int
	// bigInput is told that the input is long: a pipe's buffer grows to
	// n bytes, so the writer goes on while a window is scanned and the
	// next read takes all it wrote.
	bigInput(n int)
	close()
}

func newIdleReader(src io.Reader) idleReader {
	if f, ok := src.(*os.File); ok {
		return &pollReader{f: f, fd: int(f.Fd())}
	}
	return &goReader{src: src}
}

// pollReader reads what a file already holds without waiting
// (readNowait), and otherwise waits for it with poll(2) and then reads:
// no goroutine, no channel, no second thread for a hook process to start.
// (Fd leaves the file in blocking mode, which poll makes safe.) It reads
// into a buffer it reuses, which costs fewer page faults than a mapped
// memory file would (docs/performance.md).
type pollReader struct {
	f        *os.File
	fd       int
	waitOnly bool // readNowait is not supported for this file
}

func (r *pollReader) read(p []byte, idle time.Duration) (int, error, bool) {
	if !r.waitOnly {
		n, err := readNowait(r.fd, p)
		switch {
		case err == nil && n == 0:
			return 0, io.EOF, false
		case err == nil:
			return n, nil, false
		case !errors.Is(err, unix.EAGAIN) && !errors.Is(err, unix.EINTR):
			r.waitOnly = true // not a pipe, or an older kernel: as before
		}
	}
	fds := [1]unix.PollFd{{Fd: int32(r.fd), Events: unix.POLLIN}}
	for {
		n, err := unix.Poll(fds[:], int(idle.Milliseconds()))
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return 0, err, false
		}
		if n == 0 {
			return 0, nil, true
		}
		n, err = r.f.Read(p)
		return n, err, false
	}
}

func (r *pollReader) more(p []byte) int {
	if r.waitOnly {
		return 0
	}
	n, err := readNowait(r.fd, p)
	if err != nil {
		return 0
	}
	return n
}

func (r *pollReader) bigInput(n int) { growPipe(r.fd, n) }

func (r *pollReader) close() {}

// goReader reads any io.Reader on a goroutine, so that a read can be
// waited for with a timeout.
type goReader struct {
	src     io.Reader
	reads   chan []byte
	done    chan readResult
	timer   *time.Timer
	pending bool
}

type readResult struct {
	n   int
	err error
}

func (r *goReader) read(p []byte, idle time.Duration) (int, error, bool) {
	if r.reads == nil {
		r.reads, r.done = make(chan []byte), make(chan readResult, 1)
		r.timer = time.NewTimer(idle)
		go func() {
			for p := range r.reads {
				n, err := r.src.Read(p)
				r.done <- readResult{n, err}
			}
		}()
	} else {
		r.timer.Reset(idle)
	}
	if !r.pending {
		r.reads <- p
		r.pending = true
	}
	select {
	case res := <-r.done:
		r.pending = false
		return res.n, res.err, false
	case <-r.timer.C:
		return 0, nil, true
	}
}

func (r *goReader) more([]byte) int { return 0 }

func (r *goReader) bigInput(int) {}

func (r *goReader) close() {
	if r.reads != nil {
		close(r.reads)
		r.timer.Stop()
	}
}
