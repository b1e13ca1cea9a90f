package guard

import (
	"bytes"
	"errors"
	"io"
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
	type chunk struct {
		b   []byte
		err error
	}
	chunks := make(chan chunk, 4)
	go func() {
		for {
			b := make([]byte, 64<<10)
			n, err := src.Read(b)
			if n > 0 || err != nil {
				chunks <- chunk{b[:n], err}
			}
			if err != nil {
				close(chunks)
				return
			}
		}
	}()
	keep := g.lookback()
	var buf []byte
	timer := time.NewTimer(idle)
	defer timer.Stop()
	emit := func(all bool) error {
		if len(buf) == 0 {
			return nil
		}
		ms := g.Find(buf)
		cut := len(buf)
		if !all {
			cut = len(buf) - keep
			if cut <= 0 {
				return nil
			}
			if nl := bytes.LastIndexByte(buf[:cut], '\n'); nl >= 0 {
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
		var in []Match
		for _, m := range ms {
			if m.End <= cut {
				in = append(in, m)
			}
		}
		if _, err := dst.Write(Redact(buf[:cut], in, g.Placeholder)); err != nil {
			return err
		}
		buf = append(buf[:0], buf[cut:]...)
		return nil
	}
	for {
		select {
		case c, ok := <-chunks:
			if !ok {
				return emit(true)
			}
			buf = append(buf, c.b...)
			if c.err != nil {
				if err := emit(true); err != nil {
					return err
				}
				if errors.Is(c.err, io.EOF) {
					return nil
				}
				return c.err
			}
			if err := emit(false); err != nil {
				return err
			}
			timer.Reset(idle)
		case <-timer.C:
			if err := emit(true); err != nil {
				return err
			}
			timer.Reset(idle)
		}
	}
}
