package guard

import (
	"bytes"
	"crypto/subtle"
	"hash"
	"sort"
)

// A Match is one verified occurrence of a secret form, or a rule hit.
type Match struct {
	Start, End int    // byte span in the scanned text
	Name       string // vault path, or rule id
	Kind       string // form kind, or "rule"
}

// Find returns every verified occurrence of a registered form in text,
// including forms wrapped over several lines, sorted by Start.
func (ix *Index) Find(text []byte) []Match {
	if ix == nil || len(ix.forms) == 0 {
		return nil
	}
	var out []Match
	ix.scan(text, false, func(start, end int, f *formRec) {
		out = append(out, Match{start, end, ix.names[f.secret], kinds[f.kind]})
	})
	if ix.wrapping && bytes.IndexByte(text, '\n') >= 0 {
		out = append(out, ix.findWrapped(text)...)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Start != out[j].Start {
			return out[i].Start < out[j].Start
		}
		return out[i].End > out[j].End
	})
	return out
}

// scan visits every sampled position of text; onlyWrap limits matches to
// wrappable forms (for the joined text of findWrapped).
func (ix *Index) scan(text []byte, onlyWrap bool, emit func(start, end int, f *formRec)) {
	n, w, s := len(text), ix.w, ix.s
	if n < w {
		return
	}
	bm, k0, k1, shift, mask := ix.bitmap, ix.k0, ix.k1, ix.shift, ix.mask
	q := 0
	// Hot loop: one unaligned load, a multiply and a bitmap probe per step.
	for ; q+8 <= n; q += s {
		x := (uint64(text[q]) | uint64(text[q+1])<<8 | uint64(text[q+2])<<16 | uint64(text[q+3])<<24 |
			uint64(text[q+4])<<32 | uint64(text[q+5])<<40 | uint64(text[q+6])<<48 | uint64(text[q+7])<<56) & mask
		b := ((x ^ k0) * k1) >> shift
		if bm[b>>6]&(1<<(b&63)) != 0 {
			ix.probe(text, q, x, onlyWrap, emit)
		}
	}
	for ; q+w <= n; q += s {
		x := load(text[q:]) & mask
		b := ((x ^ k0) * k1) >> shift
		if bm[b>>6]&(1<<(b&63)) != 0 {
			ix.probe(text, q, x, onlyWrap, emit)
		}
	}
}

// probe checks the window x at text[q:] against the window PRF, then
// verifies each candidate form exactly by HMAC over its whole span.
func (ix *Index) probe(text []byte, q int, x uint64, onlyWrap bool, emit func(int, int, *formRec)) {
	var buf [16]byte
	key := uint64(ix.prf32(x, &buf)) << 32
	e := ix.entries
	i := sort.Search(len(e), func(i int) bool { return e[i] >= key })
	for ; i < len(e) && e[i]&^0xFFFFFFFF == key; i++ {
		f := &ix.forms[e[i]>>4&0xFFFFFFF]
		if onlyWrap && !f.wrap {
			continue
		}
		start := q - int(e[i]&15)
		end := start + int(f.length)
		if start < 0 || end > len(text) {
			continue
		}
		if ix.verify(text[start:end], f) {
			emit(start, end, f)
		}
	}
}

func (ix *Index) verify(span []byte, f *formRec) bool {
	mac := ix.hmacPool.Get().(hash.Hash)
	mac.Reset()
	mac.Write(span)
	var sum [32]byte
	ok := subtle.ConstantTimeCompare(mac.Sum(sum[:0])[:tagSize], f.tag[:]) == 1
	ix.hmacPool.Put(mac)
	return ok
}

// findWrapped joins lines (deleting each "\n" or "\r\n" and the spaces and
// tabs after it), scans the joined text for wrappable forms, and maps each
// match back to the original span, which then holds the line breaks.
func (ix *Index) findWrapped(text []byte) []Match {
	joined := make([]byte, 0, len(text))
	// seg[i] = (joined offset, original offset) where a run of kept bytes starts.
	type seg struct{ j, o int }
	segs := []seg{{0, 0}}
	for i := 0; i < len(text); {
		nl := bytes.IndexByte(text[i:], '\n')
		if nl < 0 {
			joined = append(joined, text[i:]...)
			break
		}
		end := i + nl
		if end > i && text[end-1] == '\r' {
			end--
		}
		joined = append(joined, text[i:end]...)
		i += nl + 1
		for i < len(text) && (text[i] == ' ' || text[i] == '\t') {
			i++
		}
		segs = append(segs, seg{len(joined), i})
	}
	orig := func(j int, isEnd bool) int {
		// the segment holding joined offset j (for an end, the one holding j-1)
		k := sort.Search(len(segs), func(k int) bool { return segs[k].j > j }) - 1
		if isEnd {
			k = sort.Search(len(segs), func(k int) bool { return segs[k].j >= j }) - 1
		}
		return segs[k].o + (j - segs[k].j)
	}
	var out []Match
	ix.scan(joined, true, func(start, end int, f *formRec) {
		os, oe := orig(start, false), orig(end, true)
		if bytes.IndexByte(text[os:oe], '\n') < 0 {
			return // unwrapped: the direct scan has it
		}
		out = append(out, Match{os, oe, ix.names[f.secret], kinds[f.kind] + "-wrapped"})
	})
	return out
}
