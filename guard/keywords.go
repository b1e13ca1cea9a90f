package guard

import "slices"

// keywordSet finds ASCII-case-insensitive occurrences of pattern-rule
// keywords. It is built on every hook call, so it must be cheap to build:
// their first two bytes (lowercased) index a bitmap probed at every
// position, then their first three a map, and the few
// candidates are checked with EqualFold.
// Measured on 16 MB with the default rules' 70 keywords, against
// petar-dambovaliev/aho-corasick, which needs 2.5 ms to build its DFA
// (1.3 ms for the NFA, which then scans at 66 MB/s) and scans at 286 MB/s;
// see BenchmarkKeywords.
type keywordSet struct {
	words  []string             // lowercased
	bits   [1 << 16 / 64]uint64 // first two bytes, lowercased, of each keyword
	byHead []uint64             // sorted trigram<<32 | keyword index
	short  []int                // keywords under three bytes: checked everywhere
}

func trigram(b []byte) uint32 {
	return uint32(lower(b[0]))<<16 | uint32(lower(b[1]))<<8 | uint32(lower(b[2]))
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

var lowerTable = func() (t [256]byte) {
	for i := range t {
		t[i] = lower(byte(i))
	}
	return
}()

// newKeywordSet indexes words, which must be lowercase.
func newKeywordSet(words []string) *keywordSet {
	k := &keywordSet{words: words}
	for i, w := range words {
		if len(w) < 3 {
			k.short = append(k.short, i)
			continue
		}
		b := uint32(w[0])<<8 | uint32(w[1])
		k.bits[b>>6] |= 1 << (b & 63)
		k.byHead = append(k.byHead, uint64(trigram([]byte(w)))<<32|uint64(i))
	}
	slices.Sort(k.byHead)
	return k
}

// each calls fn for every occurrence of every keyword: its index and span.
func (k *keywordSet) each(text []byte, fn func(kw, start, end int)) {
	for _, i := range k.short {
		w := k.words[i]
		for p := 0; p+len(w) <= len(text); p++ {
			if equalFold(text[p:p+len(w)], w) {
				fn(i, p, p+len(w))
			}
		}
	}
	lt, bits := &lowerTable, &k.bits
	for p := 0; p+3 <= len(text); p++ {
		b := uint32(lt[text[p]])<<8 | uint32(lt[text[p+1]])
		if bits[b>>6]&(1<<(b&63)) == 0 {
			continue
		}
		head := uint64(b<<8|uint32(lt[text[p+2]])) << 32
		j, _ := slices.BinarySearch(k.byHead, head)
		for ; j < len(k.byHead) && k.byHead[j]&^0xFFFFFFFF == head; j++ {
			i := int(uint32(k.byHead[j]))
			w := k.words[i]
			if p+len(w) <= len(text) && equalFold(text[p:p+len(w)], w) {
				fn(i, p, p+len(w))
			}
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
