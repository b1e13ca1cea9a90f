package guard

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"hash"
)

// A candidate form is verified exactly: the HMAC of its whole span in the
// text, cut to tagSize bytes, against the form's tag.

// A macer computes tags without allocating: an HMAC with room for its sum
// and for a wrapped form's gathered bytes (a buffer on the stack escapes
// to the heap through the hash.Hash interface), and the checks one probe
// has made (checks).
type macer struct {
	h      hash.Hash
	sum    [sha256.Size]byte
	wrap   [512]byte
	checks [64]check // by lookup; a probe clears used
	used   uint64    // the slots in use, a bit each
}

// A check is the tag of the span a form of n bytes would have in the
// text with its byte at offset o at text[q]: the contiguous span, or the
// one gathered over line breaks. The forms of many secrets that begin
// alike (the keys of one provider) share their first windows, and each is
// checked over a span of its own length, of which there are few: a probe
// computes each span's tag once (TestSharedWindowsAreCheckedOncePerSpan).
type check struct {
	key        [4]int // q, o, n, and 0 contiguous or 1 gathered
	start, end int    // the span; gathered: end < 0 when there is none
	unbroken   bool   // contiguous: gathered, the span would be itself
	tag        [tagSize]byte
}

// lookup returns the check of key made this probe, or the slot where it
// is to go (when all are taken, one of them, made again).
func (m *macer) lookup(key [4]int) (c *check, found bool) {
	h := uint(key[0]*131+key[1]*31+key[2]*7+key[3]) % uint(len(m.checks))
	for k := range uint(len(m.checks)) {
		i := (h + k) % uint(len(m.checks))
		if m.used&(1<<i) == 0 {
			m.used |= 1 << i
			m.checks[i].key = key
			return &m.checks[i], false
		}
		if m.checks[i].key == key {
			return &m.checks[i], true
		}
	}
	m.checks[h].key = key
	return &m.checks[h], false
}

// tagOf is the tag of span.
func (m *macer) tagOf(span []byte) (t [tagSize]byte) {
	m.h.Reset()
	m.h.Write(span)
	copy(t[:], m.h.Sum(m.sum[:0]))
	return t
}

// verifyAt checks whether form f occurs in text with its byte at offset o
// at text[q]: first as one contiguous span, then, for wrappable forms,
// across line breaks. It returns the span in text.
func (ix *Index) verifyAt(text []byte, q, o int, f *formRec, m *macer) (start, end int, wrapped, ok bool) {
	n := int(f.length)
	start, end = q-o, q-o+n
	if start >= 0 && end <= len(text) {
		c, found := m.lookup([4]int{q, o, n, 0})
		if !found {
			c.start, c.end, c.tag = start, end, m.tagOf(text[start:end])
			c.unbroken = unbroken(text, start, end)
		}
		if subtle.ConstantTimeCompare(c.tag[:], f.tag[:]) == 1 {
			return start, end, false, true
		}
		if !f.wrap || c.unbroken {
			return 0, 0, false, false
		}
	} else if !f.wrap {
		return 0, 0, false, false
	}
	c, found := m.lookup([4]int{q, o, n, 1})
	if !found {
		s, e, joined, ok := gather(text, q, o, n, m.wrap[:0])
		c.start, c.end = s, e
		if !ok || e-s == n {
			c.end = -1 // none, or no line break inside: already checked
		} else {
			c.tag = m.tagOf(joined)
		}
		clear(joined) // text, perhaps a secret's: not kept in the pool
	}
	if c.end < 0 {
		return 0, 0, false, false
	}
	return c.start, c.end, true, subtle.ConstantTimeCompare(c.tag[:], f.tag[:]) == 1
}

// unbroken reports whether gather, from any byte of text[start:end], would
// collect that span itself: it holds no line break, does not end in the
// "\r" of one, and does not begin with indentation after one.
func unbroken(text []byte, start, end int) bool {
	if bytes.IndexByte(text[start:end], '\n') >= 0 || text[end-1] == '\r' {
		return false
	}
	if c := text[start]; c != ' ' && c != '\t' {
		return true
	}
	return breakBefore(text, start) < 0
}
