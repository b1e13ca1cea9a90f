package guard

import (
	"io"
	"slices"
)

// held is the text a streaming filter has read but not yet written, and
// the rule for how much of it may go out: Stream reads into it in place,
// a Writer copies into it.
type held struct {
	g    *Guard
	dst  io.Writer
	keep int    // lookback: a form this long ending past the cut is still seen whole
	buf  []byte // buf[from:] is read and not yet written
	from int
}

// room makes at least want bytes of room after buf by moving what is held
// to the front, and grows buf by grow when that is not enough.
func (h *held) room(want, grow int) {
	if cap(h.buf)-len(h.buf) >= want {
		return
	}
	n := copy(h.buf, h.buf[h.from:])
	h.buf, h.from = h.buf[:n], 0
	if cap(h.buf)-n < want {
		h.buf = slices.Grow(h.buf, max(want, grow))
	}
}

// emit writes what may go out, redacted: with all unset, whole lines
// more than keep bytes from the end; with all set, everything but a tail
// that may be the start of a form still being written (Index.Pending);
// with final set too, everything. A match is never cut.
func (h *held) emit(all, final bool) error {
	w := h.buf[h.from:]
	if len(w) == 0 {
		return nil
	}
	g := h.g
	ms := g.findSplit(w, h.keep)
	cut := len(w)
	if all && !final {
		cut = g.Index.Pending(w)
		for _, m := range ms {
			if m.Start < cut && m.End > cut {
				cut = m.Start
			}
		}
	}
	if !all {
		cut = holdFrom(w, h.keep)
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
	if _, err := h.dst.Write(Redact(w[:cut], in, g.Placeholder)); err != nil {
		return err
	}
	h.from += cut
	return nil
}

// A Writer redacts what is written to it as Stream does, for a caller
// that reads its input itself (several streams in one poll loop). Call
// Flush when the input goes quiet and Close at its end.
type Writer struct{ h held }

// NewWriter returns a Writer that writes to dst.
func (g *Guard) NewWriter(dst io.Writer) *Writer {
	return &Writer{held{g: g, dst: dst, keep: g.lookback()}}
}

// Write takes p and writes out the whole lines that can no longer be
// part of a form still arriving.
func (w *Writer) Write(p []byte) (int, error) {
	w.h.room(len(p), streamChunk)
	w.h.buf = append(w.h.buf, p...)
	return len(p), w.h.emit(false, false)
}

// Flush writes everything held but a tail that may be the start of a
// secret form still being written (see Pending).
func (w *Writer) Flush() error { return w.h.emit(true, false) }

// Pending is what Flush held back: a copy, for a process that carries
// the stream on.
func (w *Writer) Pending() []byte { return slices.Clone(w.h.buf[w.h.from:]) }

// Close writes everything held.
func (w *Writer) Close() error { return w.h.emit(true, true) }
