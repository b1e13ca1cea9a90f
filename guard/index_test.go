package guard

import (
	"bytes"
	"testing"
)

// TestFilterFalseHits: the blocked Bloom filter lets through few windows of
// clean text, so the exact checks behind it stay rare, at 1,000 and 10,000
// secrets; and it never rejects a registered window. The rate depends on
// the vault's key (which windows of the corpus, many of them repeated,
// share bits), so it is averaged over six keys, none allowed past 2.5%
// (the filter is sized for four to eight windows a word: filterLoad;
// docs/performance.md has the rates and why a fuller filter is faster).
func TestFilterFalseHits(t *testing.T) {
	text := corpus(4 << 20)
	for _, n := range []int{1000, 10000} {
		secs := testSecrets(n)
		var ix *Index
		sum := 0.0
		const nkeys = 6
		for k := range nkeys {
			var err error
			if ix, _, err = Build(secs, bytes.Repeat([]byte{byte(k + 1)}, 32), Options{}); err != nil {
				t.Fatal(err)
			}
			hits, samples := 0, 0
			for q := 0; q+ix.w <= len(text); q += ix.s {
				if ix.mayHave(load(text[q:]) & ix.mask) {
					hits++
				}
				samples++
			}
			rate := float64(hits) / float64(samples)
			t.Logf("%d secrets (%s), key %d: %.4f%% of clean windows pass", n, ix.stats(), k, 100*rate)
			if rate > 0.025 {
				t.Errorf("%d secrets, key %d: %.3f%% of clean windows pass the filter, want under 2.5%%", n, k, 100*rate)
			}
			sum += rate
		}
		if mean := sum / nkeys; mean > 0.015 {
			t.Errorf("%d secrets: %.3f%% of clean windows pass the filter on average, want under 1.5%%", n, 100*mean)
		}
		for _, s := range secs[:50] {
			for _, f := range Forms(s.Value, 6) {
				for o := 0; o < ix.s && o+ix.w <= len(f.Text); o++ {
					if !ix.mayHave(load(f.Text[o:]) & ix.mask) {
						t.Fatalf("%s: window %d of form %s is not in the filter", s.Name, o, f.Kind)
					}
				}
			}
		}
	}
}

// TestFilterHitsDoNotAllocate: a window that passes the filter is looked
// up (probe, probePart), which takes no allocation: text of a thousand
// near copies of the end of a secret (part windows, not a form's), a byte
// changed every ten (no piece a partial leak), many of whose windows pass
// and none of which matches, is scanned with a handful.
func TestFilterHitsDoNotAllocate(t *testing.T) {
	ix := mustBuild(t, Secret{"acme/api/KEY", []byte(stripe)})
	near := []byte(stripe[16:])
	for i := 9; i < len(near); i += 10 {
		near[i] ^= 1
	}
	text := bytes.Repeat(append(near, ' '), 1000)
	if ms := ix.Find(text); len(ms) != 0 {
		t.Fatalf("near copies matched: %d", len(ms))
	}
	if n := testing.AllocsPerRun(5, func() { ix.Find(text) }); n > 10 {
		t.Fatalf("Find of %d near copies: %.0f allocations, want at most 10", 1000, n)
	}
}
