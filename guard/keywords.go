package guard

import (
	"encoding/binary"
	"errors"
	"slices"
	"sync"
)

// keywordSet finds ASCII-case-insensitive occurrences of pattern-rule
// keywords. The index stores its tables (keywordTables), and a hook call
// reads them where they lie in the mapping (keywordSetIn): building them
// took a fresh 9 KiB of memory on every call.
// Every keyword of three bytes or more has a byte pair at its offset 0 and
// one at offset 1, so a scan reads the raw pair at every second position
// only and probes a bitmap of those pairs in every case; a hit is checked
// as a keyword start there and one byte before, first by a bitmap of a
// hash of the lowercased first three bytes, then by a sorted table of
// them, then in whole. Shorter keywords are searched for everywhere.
// It builds and scans faster than an Aho-Corasick automaton
// (BenchmarkKeywords; figures in docs/performance.md).
type keywordSet struct {
	words  []string           // lowercased
	pairs  *[pairWords]uint64 // byte pairs (little-endian, every case) at offset 0 or 1 of a keyword
	heads  *[headWords]uint64 // headHash of the first three bytes, lowercased
	byHead []uint64           // sorted trigram<<32 | keyword index
	short  []int              // keywords under three bytes: checked everywhere
}

const (
	pairWords = 1 << 16 / 64
	headWords = 1 << 12 / 64
)

func headHash(t uint32) uint32 { return (t * 0x9E3779B1) >> 20 }

func trigram(b []byte) uint32 {
	return uint32(lower(b[0]))<<16 | uint32(lower(b[1]))<<8 | uint32(lower(b[2]))
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// lowerTable maps ASCII upper case to lower case (a literal: no code runs
// at a hook's start; TestLowerTable checks it against lower).
var lowerTable = [256]byte{
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
	0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f,
	0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f,
	0x40, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
	0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f,
	0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
	0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x7b, 0x7c, 0x7d, 0x7e, 0x7f,
	0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8d, 0x8e, 0x8f,
	0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f,
	0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf,
	0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf,
	0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf,
	0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf,
	0xe0, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xeb, 0xec, 0xed, 0xee, 0xef,
	0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff,
}

// newKeywordSet indexes words, which must be lowercase.
func newKeywordSet(words []string) *keywordSet {
	t := make([]uint64, pairWords+headWords, pairWords+headWords+len(words))
	k := &keywordSet{words: words, pairs: (*[pairWords]uint64)(t), heads: (*[headWords]uint64)(t[pairWords:]), byHead: t[pairWords+headWords:]}
	for i, w := range words {
		if len(w) < 3 {
			k.short = append(k.short, i)
			continue
		}
		for off := 0; off < 2; off++ { // a scan reads every second pair
			for _, a := range [2]byte{w[off], upper(w[off])} {
				for _, b := range [2]byte{w[off+1], upper(w[off+1])} {
					pair := uint32(a) | uint32(b)<<8
					k.pairs[pair>>6] |= 1 << (pair & 63)
				}
			}
		}
		t := trigram([]byte(w))
		h := headHash(t)
		k.heads[h>>6] |= 1 << (h & 63)
		k.byHead = append(k.byHead, uint64(t)<<32|uint64(i))
	}
	slices.Sort(k.byHead)
	return k
}

// keywordTables returns k's tables, one after another, for the index to
// store: pairs, heads, byHead.
func (k *keywordSet) keywordTables() []uint64 {
	t := append(k.pairs[:], k.heads[:]...)
	return append(t, k.byHead...)
}

// keywordSetIn is the keyword set of words with the tables t that
// keywordTables made of it, read in place. It checks what a scan indexes
// by (every table entry names a keyword of three bytes or more, by its
// own first three bytes, in order), so a damaged table cannot make a scan
// fail; bits wrong in the bitmaps only miss keywords, as wrong filter bits
// miss windows, and the index checksum covers both.
func keywordSetIn(words []string, t []uint64) (*keywordSet, error) {
	if len(words) == 0 && len(t) == 0 {
		return &keywordSet{}, nil // no rule has a keyword
	}
	long := 0
	k := &keywordSet{words: words}
	for i, w := range words {
		if len(w) < 3 {
			k.short = append(k.short, i)
		} else {
			long++
		}
	}
	if len(t) != pairWords+headWords+long {
		return nil, errors.New("keyword table size does not match the keywords")
	}
	k.pairs, k.heads, k.byHead = (*[pairWords]uint64)(t), (*[headWords]uint64)(t[pairWords:]), t[pairWords+headWords:]
	for j, e := range k.byHead {
		i := uint64(uint32(e))
		if i >= uint64(len(words)) || len(words[i]) < 3 || e>>32 != uint64(trigram([]byte(words[i]))) || j > 0 && e <= k.byHead[j-1] {
			return nil, errors.New("keyword table does not match the keywords")
		}
	}
	return k, nil
}

// upper returns the upper case of a lowercase ASCII letter, else c.
func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

// each calls fn for every occurrence of every keyword: its index and
// span, in order of start for keywords of three bytes or more.
func (k *keywordSet) each(text []byte, fn func(kw, start, end int)) {
	for _, i := range k.short {
		w := k.words[i]
		for p := 0; p+len(w) <= len(text); p++ {
			if equalFold(text[p:p+len(w)], w) {
				fn(i, p, p+len(w))
			}
		}
	}
	if k.pairs == nil {
		return
	}
	// The pairs whose bit is set are collected without a branch (a tenth
	// of the pairs of prose are some keyword's: as a branch, they were
	// mispredicted), then checked. The buffer is not on the stack: a hook
	// call's main goroutine would outgrow its first stack (the copy costs
	// more than the pool).
	hits := hitBufs.Get().(*[pairHits]int32)
	defer hitBufs.Put(hits)
	for q := 0; q+1 < len(text); {
		n := 0
		q, n = k.pairHits(text, q, hits)
		for _, h := range hits[:n] {
			p := int(h)
			if p > 0 && k.mayStart(text, p-1) {
				k.at(text, p-1, fn)
			}
			if k.mayStart(text, p) {
				k.at(text, p, fn)
			}
		}
	}
}

// eachOutside is each, but for keywords that start inside the spans of
// skip (sorted, apart from each other and longer than any keyword).
func (k *keywordSet) eachOutside(text []byte, skip [][2]int, fn func(kw, start, end int)) {
	longest := 0
	for _, w := range k.words {
		longest = max(longest, len(w))
	}
	lo := 0
	for _, sp := range skip {
		// Up to the span's start, and as far past it as a keyword that
		// starts before it reaches.
		k.each(text[lo:min(len(text), sp[0]+longest-1)], func(kw, start, end int) {
			if lo+start < sp[0] {
				fn(kw, lo+start, lo+end)
			}
		})
		lo = sp[1]
	}
	k.each(text[lo:], func(kw, start, end int) { fn(kw, lo+start, lo+end) })
}

// pairHits is how many pair positions each collects before it checks them.
const pairHits = 1024

var hitBufs = sync.Pool{New: func() any { return new([pairHits]int32) }}

// pairHits puts in hits the even positions from q on whose byte pair is
// in the pairs bitmap, until hits may be full, and returns where it
// stopped and how many it put.
func (k *keywordSet) pairHits(text []byte, q int, hits *[pairHits]int32) (int, int) {
	pairs := k.pairs
	n := 0
	end := min(len(text)-1, q+2*(pairHits-4))
	for ; q+7 < end; q += 8 {
		x := binary.LittleEndian.Uint64(text[q : q+8 : q+8])
		p0, p1, p2, p3 := uint32(x)&0xFFFF, uint32(x>>16)&0xFFFF, uint32(x>>32)&0xFFFF, uint32(x>>48)
		b0 := pairs[p0>>6] >> (p0 & 63) & 1
		b1 := pairs[p1>>6] >> (p1 & 63) & 1
		b2 := pairs[p2>>6] >> (p2 & 63) & 1
		b3 := pairs[p3>>6] >> (p3 & 63) & 1
		hits[n&(pairHits-1)] = int32(q)
		n += int(b0)
		hits[n&(pairHits-1)] = int32(q + 2)
		n += int(b1)
		hits[n&(pairHits-1)] = int32(q + 4)
		n += int(b2)
		hits[n&(pairHits-1)] = int32(q + 6)
		n += int(b3)
	}
	for ; q < end; q += 2 {
		p := uint32(binary.LittleEndian.Uint16(text[q:]))
		hits[n&(pairHits-1)] = int32(q)
		n += int(pairs[p>>6] >> (p & 63) & 1)
	}
	return q, n
}

// mayStart reports whether a keyword of three bytes or more may start at
// text[p:]: whether the heads bitmap holds its first three bytes. (Inlined
// into each's loop: most pair hits stop here.)
func (k *keywordSet) mayStart(text []byte, p int) bool {
	if p+3 > len(text) {
		return false
	}
	t := uint32(lowerTable[text[p]])<<16 | uint32(lowerTable[text[p+1]])<<8 | uint32(lowerTable[text[p+2]])
	h := headHash(t)
	return k.heads[h>>6]&(1<<(h&63)) != 0
}

// at calls fn for every keyword (of three bytes or more) at text[p:],
// where mayStart said one may start.
func (k *keywordSet) at(text []byte, p int, fn func(kw, start, end int)) {
	if p+3 > len(text) {
		return
	}
	lt := &lowerTable
	t := uint32(lt[text[p]])<<16 | uint32(lt[text[p+1]])<<8 | uint32(lt[text[p+2]])
	head := uint64(t) << 32
	j, _ := slices.BinarySearch(k.byHead, head)
	for ; j < len(k.byHead) && k.byHead[j]&^0xFFFFFFFF == head; j++ {
		i := int(uint32(k.byHead[j]))
		if w := k.words[i]; p+len(w) <= len(text) && equalFold(text[p:p+len(w)], w) {
			fn(i, p, p+len(w))
		}
	}
}

// equalFold reports whether b equals the lowercase w, ASCII case-insensitively.
func equalFold(b []byte, w string) bool {
	for i := range len(w) {
		if lowerTable[b[i]] != w[i] {
			return false
		}
	}
	return true
}
