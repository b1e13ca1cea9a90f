package guard

import "testing"

// TestFilterFalseHits: the blocked Bloom filter lets through few windows of
// clean text, so the exact checks behind it stay rare, at 1,000 and 10,000
// secrets; and it never rejects a registered window.
func TestFilterFalseHits(t *testing.T) {
	text := corpus(4 << 20)
	for _, n := range []int{1000, 10000} {
		secs := testSecrets(n)
		ix := mustBuild(t, secs...)
		hits, samples := 0, 0
		for q := 0; q+ix.w <= len(text); q += ix.s {
			if ix.mayHave(load(text[q:]) & ix.mask) {
				hits++
			}
			samples++
		}
		t.Logf("%d secrets (%s): %.4f%% of clean windows pass", n, ix.Stats(), 100*float64(hits)/float64(samples))
		if rate := float64(hits) / float64(samples); rate > 0.005 {
			t.Errorf("%d secrets (%s): %.3f%% of clean windows pass the filter, want under 0.5%%", n, ix.Stats(), 100*rate)
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
