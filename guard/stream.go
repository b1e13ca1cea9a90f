package guard

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"time"
)

// DefaultIdle is how long Stream waits for more input before it emits
// what it holds back.
const DefaultIdle = 200 * time.Millisecond

// Stream copies src to dst with every secret redacted, as it goes: it
// emits whole lines as soon as they are more than lookback bytes from the
// end of what it has read, so a secret split across reads or wrapped
// over lines is still seen whole. When src is idle for idle (a prompt
// waiting for input, a command between outputs), it emits everything it
// holds. A secret whose halves arrive more than idle apart can be missed:
// programs write a secret in one write, so this is the trade-off for
// output that streams.
func (g *Guard) Stream(dst io.Writer, src io.Reader, idle time.Duration) error {
	if idle <= 0 {
		idle = DefaultIdle
	}
	// One buffer for the whole stream, read into in place: a short-lived
	// filter pays a page fault for every fresh page it touches, which
	// costs more than the scan.
	type result struct {
		n   int
		err error
	}
	reads := make(chan []byte)
	done := make(chan result, 1)
	go func() {
		for p := range reads {
			n, err := src.Read(p)
			done <- result{n, err}
		}
	}()
	defer close(reads)
	keep := g.lookback()
	buf := make([]byte, 0, keep+streamChunk)
	held := 0 // buf[held:] has been read but not written
	emit := func(all bool) error {
		w := buf[held:]
		if len(w) == 0 {
			return nil
		}
		ms := g.Find(w)
		cut := len(w)
		if !all {
			cut = len(w) - keep
			if cut <= 0 {
				return nil
			}
			if nl := bytes.LastIndexByte(w[:cut], '\n'); nl >= 0 {
				cut = nl + 1
			}
			for moved := true; moved; {
				moved = false
				for _, m := range ms {
					if m.Start < cut && m.End > cut {
						cut, moved = m.Start, true
					}
				}
			}
			if cut <= 0 {
				return nil
			}
		}
		in := ms[:0]
		for _, m := range ms {
			if m.End <= cut {
				in = append(in, m)
			}
		}
		if _, err := dst.Write(Redact(w[:cut], in, g.Placeholder)); err != nil {
			return err
		}
		held += cut
		return nil
	}
	timer := time.NewTimer(idle)
	defer timer.Stop()
	for {
		// Room for the next read: move what is held to the front (no read
		// is pending now), and grow only for a long line held whole.
		if cap(buf)-len(buf) < streamChunk/2 {
			n := copy(buf, buf[held:])
			buf, held = buf[:n], 0
			if cap(buf)-n < streamChunk/2 {
				buf = slices.Grow(buf, streamChunk)
			}
		}
		reads <- buf[len(buf):cap(buf)]
		timer.Reset(idle)
		for waiting := true; waiting; {
			select {
			case r := <-done:
				waiting = false
				buf = buf[:len(buf)+r.n]
				if r.err != nil {
					if err := emit(true); err != nil {
						return err
					}
					if errors.Is(r.err, io.EOF) {
						return nil
					}
					return r.err
				}
				if err := emit(false); err != nil {
					return err
				}
			case <-timer.C:
				// src is idle: write all that is held. The pending read
				// fills buf past len(buf), which this does not touch.
				if err := emit(true); err != nil {
					return err
				}
			}
		}
	}
}

// streamChunk is the room Stream reads into at a time.
const streamChunk = 32 << 10
