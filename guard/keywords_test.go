package guard

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestKeywordSetFindsWhatANaiveSearchFinds: every occurrence of every
// keyword, at odd and even positions, in any case, and nothing else,
// against a case-folding search at every position.
func TestKeywordSetFindsWhatANaiveSearchFinds(t *testing.T) {
	words := []string{"sk_live_", "akia", "ghp_", "-----begin", "eyj", "hf_", ":aa", "xoxb-", "postgres://", "ab"}
	k := newKeywordSet(words)
	r := rand.New(rand.NewPCG(1, 2))
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-:/ 0123456789"
	for round := 0; round < 200; round++ {
		var text []byte
		for len(text) < 300 {
			if r.IntN(4) == 0 {
				w := []byte(words[r.IntN(len(words))])
				if r.IntN(2) == 0 {
					w = bytes.ToUpper(w)
				}
				text = append(text, w...)
			} else {
				text = append(text, alphabet[r.IntN(len(alphabet))])
			}
		}
		type hit struct{ kw, start, end int }
		var got, want []hit
		k.each(text, func(kw, start, end int) { got = append(got, hit{kw, start, end}) })
		for p := range text {
			for i, w := range words {
				if p+len(w) <= len(text) && bytes.EqualFold(text[p:p+len(w)], []byte(w)) {
					want = append(want, hit{i, p, p + len(w)})
				}
			}
		}
		cmp := func(a, b hit) int {
			if a.start != b.start {
				return a.start - b.start
			}
			return a.kw - b.kw
		}
		slices.SortFunc(got, cmp)
		slices.SortFunc(want, cmp)
		if !slices.Equal(got, want) {
			t.Fatalf("round %d: got %v, want %v in %q", round, got, want, text)
		}
	}
}

func TestLowerTable(t *testing.T) {
	for c := range 256 {
		if lowerTable[c] != lower(byte(c)) {
			t.Fatalf("lowerTable[%#x] = %#x, want %#x", c, lowerTable[c], lower(byte(c)))
		}
	}
}
