package guard

import (
	"crypto/hmac"
	"crypto/sha256"
)

// White space in the text. Most words of prose and logs hold a space or a
// line break, and most secrets, and every form of them the index holds,
// hold none: a text word with such a byte cannot be a registered window,
// so when none is, the scan does not look it up in the filter (scanTiled).
// Whether none is says something about the secrets, so the file holds it
// keyed: a tag only the vault's armed key computes (spaceTag), at header
// bytes 40-47, which a copy of the file cannot tell from the other tag.

// spaceTagAt is where the header holds the tag; an index written before
// it holds zeros there, which match neither tag.
const spaceTagAt = 40

// spaceTag is the header tag that says whether no registered window holds
// a byte up to ' ' (noSpace), under the index's MAC key.
func (ix *Index) spaceTag(noSpace bool) [8]byte {
	m := hmac.New(sha256.New, ix.macKey)
	if noSpace {
		m.Write([]byte("noxkey guard index: no window holds white space"))
	} else {
		m.Write([]byte("noxkey guard index: some window may hold white space"))
	}
	var t [8]byte
	copy(t[:], m.Sum(nil))
	return t
}

// spaced is 1 when some byte of x is a space or a control character (up
// to ' '), else 0, without a branch.
func spaced(x uint64) uint64 {
	t := (x - swarOnes*'!') &^ x & swarHighs
	return (t | -t) >> 63
}

// noSpaceIn reports whether no byte of b is up to ' '.
func noSpaceIn(b []byte) bool {
	for _, c := range b {
		if c <= ' ' {
			return false
		}
	}
	return true
}
