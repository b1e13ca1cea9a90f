package guard

import "bytes"

// A Finder tells whether a text holds a match when the text comes in
// pieces (an unescaper's output, say) and holding it whole would cost
// more than scanning it. It scans the text in windows of a buffer it
// reuses, each window holding the last lookback bytes of the one before,
// cut after a line break where there is one: the windows Stream scans.
// A text that fits in one window is scanned whole, as Find would.
type Finder struct {
	g     *Guard
	buf   []byte
	fresh bool // buf holds bytes no window has scanned yet
	found bool
}

// finderRoom is what a window adds to the lookback it keeps. A hook call
// pays for every fresh page of the buffer and for every window: this was
// the fastest whole Claude hook call of the sizes tried
// (docs/performance.md).
const finderRoom = 64 << 10

// NewFinder returns a Finder for g.
func (g *Guard) NewFinder() *Finder {
	return &Finder{g: g, buf: make([]byte, 0, g.lookback()+finderRoom)}
}

// Write adds p to the text. It never fails; after a match it only counts.
func (f *Finder) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 && !f.found {
		if len(f.buf) == cap(f.buf) {
			f.scan()
			continue
		}
		k := copy(f.buf[len(f.buf):cap(f.buf)], p)
		f.buf, p, f.fresh = f.buf[:len(f.buf)+k], p[k:], true
	}
	return n, nil
}

// scan scans the full window and keeps its tail for the next one. A long
// line can leave the tail larger than half the buffer: the buffer grows
// then, as Stream's does.
func (f *Finder) scan() {
	if len(f.g.Find(f.buf)) > 0 {
		f.found = true
		return
	}
	from := holdFrom(f.buf, f.g.lookback())
	n := copy(f.buf, f.buf[from:])
	f.buf, f.fresh = f.buf[:n], false
	if cap(f.buf)-n < finderRoom/2 {
		f.buf = append(f.buf, make([]byte, finderRoom)...)[:n]
	}
}

// End ends the text: it reports whether any window held a match, and
// makes f ready for the next text.
func (f *Finder) End() bool {
	if !f.found && f.fresh {
		f.found = len(f.g.Find(f.buf)) > 0
	}
	found := f.found
	f.buf, f.fresh, f.found = f.buf[:0], false, false
	return found
}

// holdFrom is where the bytes a window must hand on to the next start:
// keep bytes from its end, moved back to just after the line break
// before that, if any.
func holdFrom(w []byte, keep int) int {
	cut := len(w) - keep
	if cut <= 0 {
		return 0
	}
	if nl := bytes.LastIndexByte(w[:cut], '\n'); nl >= 0 {
		cut = nl + 1
	}
	return cut
}
