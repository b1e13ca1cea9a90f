package guard

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestKeywordSetFindsWhatANaiveSearchFinds: every occurrence of every
// keyword, at odd and even positions, in any case, and nothing else,
// against a case-folding search at every position; for a set built here
// and for one read from its stored tables, as a loaded index reads it.
func TestKeywordSetFindsWhatANaiveSearchFinds(t *testing.T) {
	words := []string{"sk_live_", "akia", "ghp_", "-----begin", "eyj", "hf_", ":aa", "xoxb-", "postgres://", "ab"}
	stored, err := keywordSetIn(words, slices.Clone(newKeywordSet(words).keywordTables()))
	if err != nil {
		t.Fatal(err)
	}
	for name, k := range map[string]*keywordSet{"built": newKeywordSet(words), "stored": stored} {
		t.Run(name, func(t *testing.T) { checkKeywordSet(t, k, words) })
	}
}

func checkKeywordSet(t *testing.T, k *keywordSet, words []string) {
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
		// eachOutside: the same but for keywords that start inside a
		// skipped span (spans longer than any keyword, apart).
		var skip [][2]int
		for p := r.IntN(20); p < len(text); {
			end := min(len(text), p+12+r.IntN(40))
			skip = append(skip, [2]int{p, end})
			p = end + 1 + r.IntN(40)
		}
		got, want = got[:0], want[:0]
		k.eachOutside(text, skip, func(kw, start, end int) { got = append(got, hit{kw, start, end}) })
		for _, h := range got {
			if h.end-h.start != len(words[h.kw]) || !bytes.EqualFold(text[h.start:h.end], []byte(words[h.kw])) {
				t.Fatalf("round %d: eachOutside reported %v, not that keyword, in %q", round, h, text)
			}
		}
		k.each(text, func(kw, start, end int) {
			if !slices.ContainsFunc(skip, func(sp [2]int) bool { return start >= sp[0] && start < sp[1] }) {
				want = append(want, hit{kw, start, end})
			}
		})
		slices.SortFunc(got, cmp)
		slices.SortFunc(want, cmp)
		if !slices.Equal(got, want) {
			t.Fatalf("round %d: outside %v: got %v, want %v in %q", round, skip, got, want, text)
		}
	}
}

// TestKeywordSetInRefusesTablesOfOtherKeywords: tables that do not fit
// the keywords (a damaged index) are an error, never a scan that indexes
// out of range.
func TestKeywordSetInRefusesTablesOfOtherKeywords(t *testing.T) {
	words := []string{"sk_live_", "akia", "eyj", "ab"}
	good := newKeywordSet(words).keywordTables()
	edits := map[string]func(tab []uint64) []uint64{
		"short":              func(tab []uint64) []uint64 { return tab[:len(tab)-1] },
		"long":               func(tab []uint64) []uint64 { return append(tab, 0) },
		"empty":              func([]uint64) []uint64 { return nil },
		"index out of range": func(tab []uint64) []uint64 { tab[len(tab)-1] = tab[len(tab)-1]&^0xFFFFFFFF | 99; return tab },
		"short keyword":      func(tab []uint64) []uint64 { tab[len(tab)-1] = tab[len(tab)-1]&^0xFFFFFFFF | 3; return tab },
		"other trigram":      func(tab []uint64) []uint64 { tab[len(tab)-1] ^= 1 << 40; return tab },
		"unsorted": func(tab []uint64) []uint64 {
			n := len(tab)
			tab[n-1], tab[n-2] = tab[n-2], tab[n-1]
			return tab
		},
	}
	for name, edit := range edits {
		if _, err := keywordSetIn(words, edit(slices.Clone(good))); err == nil {
			t.Errorf("%s: tables accepted", name)
		}
	}
	if k, err := keywordSetIn(nil, nil); err != nil || len(k.words) != 0 {
		t.Fatalf("no keywords: %v", err)
	} else {
		k.each([]byte("anything at all"), func(int, int, int) { t.Fatal("a hit without keywords") })
	}
}

func TestLowerTable(t *testing.T) {
	for c := range 256 {
		if lowerTable[c] != lower(byte(c)) {
			t.Fatalf("lowerTable[%#x] = %#x, want %#x", c, lowerTable[c], lower(byte(c)))
		}
	}
}
