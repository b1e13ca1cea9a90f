package guard

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestSplitScanFindsFormsAcrossEveryCut: a text scanned in segments on
// several CPUs (findSplit) is redacted as the whole text is, with the
// multi-line output of real programs (dumps, wrapped base64, base32) laid
// across the cut between two segments at every offset.
func TestSplitScanFindsFormsAcrossEveryCut(t *testing.T) {
	g := testGuard(t, awkward...)
	keep := g.lookback()
	filler := corpusLines(splitMin)
	for _, c := range programCases {
		if !strings.ContainsAny(c.name, "xodhb") || !multiLine(t, c) {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			for _, s := range awkward[:2] {
				out := program(t, c.need, c.script, s)
				for off := 0; off < len(out); off += 5 {
					// The cut between the two segments is the line start at or
					// before the middle: put it off bytes into out.
					half := len(filler) / 2
					text := append(append(append([]byte{}, filler[:half]...), out...), filler[half:]...)
					mid := len(text) / 2
					text = append(bytes.Repeat([]byte("-\n"), max(0, mid-half-off)/2), text...)
					splitMatchesWhole(t, g, text, keep, 2)
				}
			}
		})
	}
}

// TestSplitScanOnAMixedText: two MiB of realistic text with every
// program's output for every awkward secret at random places, scanned in
// 2 to 9 segments, is redacted as the whole text is.
func TestSplitScanOnAMixedText(t *testing.T) {
	g := testGuard(t, awkward...)
	text := mixedText(t, 3, nil)
	for n := 2; n <= 9; n++ {
		splitMatchesWhole(t, g, text, g.lookback(), n)
	}
}

// TestSplitScanWithRules: with pattern rules, a segment reaches the rules'
// lookback past the next one's start for them, and only the index's for the
// vault's forms (findIn); the text is still redacted as the whole text is.
func TestSplitScanWithRules(t *testing.T) {
	g := testGuard(t, awkward...)
	rs, err := NewRules([]RuleSpec{
		{ID: "test-token", Regex: `token=([A-Za-z0-9]{24,})`, SecretGroup: 1, Keywords: []string{"token="}},
		// A match over many lines, longer than the index's lookback (a
		// private key's: its region reaches regionAfter).
		{ID: "test-key", Regex: `-----BEGIN TEST PRIVATE KEY-----[A-Za-z0-9+/=\s]{64,}?-----END TEST PRIVATE KEY-----`, Keywords: []string{"-----begin test private key"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	g.Rules = rs
	if g.lookback() == g.indexLookback() {
		t.Fatal("the rules' lookback is the index's: the test tests nothing")
	}
	text := mixedText(t, 5, func(r *rand.Rand, text []byte) []byte {
		text = fmt.Appendf(text, "token=%032x\n", r.Uint64())
		if r.IntN(3) == 0 {
			text = append(text, "-----BEGIN TEST PRIVATE KEY-----\n"...)
			for range 20 + r.IntN(40) {
				text = fmt.Appendf(text, "%016x%016x%016x%016x\n", r.Uint64(), r.Uint64(), r.Uint64(), r.Uint64())
			}
			text = append(text, "-----END TEST PRIVATE KEY-----\n"...)
		}
		return text
	})
	for n := 2; n <= 9; n++ {
		splitMatchesWhole(t, g, text, g.lookback(), n)
	}
}

// mixedText is two MiB of realistic text with every program's output for
// every awkward secret at random places (the random source seeded with
// seed), and after each what more adds, if given.
func mixedText(t *testing.T, seed uint64, more func(r *rand.Rand, text []byte) []byte) []byte {
	var outs [][]byte
	for _, c := range programCases {
		for _, s := range awkward {
			outs = append(outs, program(t, c.need, c.script, s))
		}
	}
	r := rand.New(rand.NewPCG(seed, seed+1))
	filler := corpusLines(2 << 20)
	var text []byte
	for len(filler) > 0 {
		n := min(len(filler), 1+r.IntN(8<<10))
		if nl := bytes.LastIndexByte(filler[:n], '\n'); nl >= 0 {
			n = nl + 1
		}
		text = append(text, filler[:n]...)
		filler = filler[n:]
		text = append(text, outs[r.IntN(len(outs))]...)
		if more != nil {
			text = more(r, text)
		}
	}
	return text
}

// corpusLines is about n bytes of clean realistic text, whole lines.
func corpusLines(n int) []byte {
	c := corpus(n)
	return c[:bytes.LastIndexByte(c, '\n')+1]
}

// multiLine reports whether a program case prints several lines.
func multiLine(t *testing.T, c struct{ name, need, script string }) bool {
	return bytes.Count(program(t, c.need, c.script, awkward[0]), []byte("\n")) > 1
}

// splitMatchesWhole checks findIn's n segments against Find on the whole
// text: the same secrets found, and nothing left that the whole text's
// redaction does not leave. (The spans may differ by a few characters
// where a base64 block is decoded from a line inside it, as Stream decodes
// it when a read ends there.)
func splitMatchesWhole(t *testing.T, g *Guard, text []byte, keep, n int) {
	t.Helper()
	ms, segs := g.findIn(text, keep, n)
	if segs < 2 {
		t.Fatalf("%d bytes in %d segments: not split", len(text), n)
	}
	split := Redact(text, ms, g.Placeholder)
	whole, wms := g.Redact(text)
	if got, want := names(ms), names(wms); got != want {
		t.Fatalf("%d segments: found %s, the whole text %s", n, got, want)
	}
	if got, want := ruleSpans(ms), ruleSpans(wms); !slices.Equal(got, want) {
		t.Fatalf("%d segments: rule matches %v, the whole text's %v", n, got, want)
	}
	for _, s := range awkward {
		if bytes.Contains(split, s.Value) {
			t.Fatalf("%d segments: %s left", n, s.Name)
		}
	}
	if left, wleft := g.Find(split), g.Find(whole); names(left) != names(wleft) {
		t.Fatalf("%d segments: %v left, the whole text %v", n, left, wleft)
	}
}

// ruleSpans are the spans of the rule matches among ms.
func ruleSpans(ms []Match) [][2]int {
	var out [][2]int
	for _, m := range ms {
		if m.Kind == "rule" {
			out = append(out, [2]int{m.Start, m.End})
		}
	}
	return out
}

// names counts the matches of each secret, part matches apart.
func names(ms []Match) string {
	n := map[string]int{}
	for _, m := range ms {
		n[m.Name]++
	}
	return fmt.Sprint(n)
}

// TestLongTextScratchIsNotKept: decoding a long text grows the decoders'
// scratch to its size; that scratch is not kept for reuse, a window's is.
func TestLongTextScratchIsNotKept(t *testing.T) {
	g := testGuard(t, awkward...)
	for len(scratches) > 0 {
		<-scratches
	}
	g.Index.FindAll(corpusLines(1 << 20))
	if len(scratches) != 1 {
		t.Fatalf("%d scratches kept after a 1 MiB text, want 1", len(scratches))
	}
	<-scratches
	var b64 []byte
	for len(b64) < 24<<20 {
		b64 = append(b64, "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAx\n"...)
	}
	g.Index.FindAll(b64)
	if len(scratches) != 0 {
		t.Fatalf("the scratch of a 24 MiB base64 text was kept (%d bytes)", (<-scratches).size())
	}
}

// TestRulesSkipTheInsideOfBase64OfBinaryData: a rule's keyword inside a
// block of base64 of binary data is chance, and its match is not
// redacted (it was, falsely, before the keyword scan skipped such blocks);
// the same token before the block, on its first line, and after it is,
// as is a vault secret's base64 inside the block.
func TestRulesSkipTheInsideOfBase64OfBinaryData(t *testing.T) {
	g := testGuard(t, Secret{"acme/api/KEY", []byte(stripe)})
	rs, err := NewRules([]RuleSpec{{ID: "test-aws", Regex: `AKIA[A-Z0-9]{16}`, Keywords: []string{"akia"}}})
	if err != nil {
		t.Fatal(err)
	}
	g.Rules = rs
	r := rand.New(rand.NewPCG(7, 8))
	data := make([]byte, 6000)
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	copy(data[3000:], stripe) // the vault secret, inside the data
	enc := []byte(base64.StdEncoding.EncodeToString(data))
	const token = "AKIAABCDEFGHIJKLMNOP"
	copy(enc[2*76+10:], "AKIAQRSTUVWXYZ234567") // line 3 of the block: its margin
	copy(enc[40*76+30:], token)                 // line 41: inside
	var block []byte
	for i := 0; i < len(enc); i += 76 {
		block = append(append(block, enc[i:min(i+76, len(enc))]...), '\n')
	}
	text := []byte("before AKIA2345678901234567\n" + string(block) + "after AKIAZYXWVUTSRQPONMLK\n")
	var rules []string
	for _, m := range g.Find(text) {
		if m.Kind == "rule" {
			rules = append(rules, string(text[m.Start:m.End]))
		} else if m.Name != "acme/api/KEY" {
			t.Fatalf("unexpected match %+v", m)
		}
	}
	want := []string{"AKIA2345678901234567", "AKIAQRSTUVWXYZ234567", "AKIAZYXWVUTSRQPONMLK"}
	if !slices.Equal(rules, want) {
		t.Fatalf("rule matches %q, want %q", rules, want)
	}
	if out, _ := g.Redact(text); !bytes.Contains(out, []byte(token)) || bytes.Contains(out, []byte(enc[3000/3*4+8:3000/3*4+24])) {
		t.Fatal("the block was not redacted as it should be: the token inside kept, the vault secret's base64 redacted")
	}
	if ms := rs.Find(text); len(ms) != 4 {
		t.Fatalf("Rules.Find, which is given no blocks, found %d matches, want all 4", len(ms))
	}
}

// TestScansAtOnceEachHaveTheirBlock: the index lends its PRF block to one
// scan at a time; eight scans at once, over text where nearly every
// window passes the filter (the secrets' own forms), each find what one
// scan alone finds: a block shared between them would mix their windows'
// encryptions and miss forms.
func TestScansAtOnceEachHaveTheirBlock(t *testing.T) {
	ix := mustBuild(t, awkward...)
	var text []byte
	for i := 0; len(text) < 8<<10; i++ {
		s := awkward[i%len(awkward)].Value
		text = append(text, fmt.Sprintf("%d key=%s b64=%s\n", i, s, base64.StdEncoding.EncodeToString(s))...)
	}
	want := ix.Find(text)
	if len(want) < 50 {
		t.Fatalf("%d matches alone: the text holds too few forms to test", len(want))
	}
	errs := make(chan string, 8*30)
	done := make(chan struct{})
	for g := 0; g < 8; g++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for range 30 {
				if got := ix.Find(text); !slices.Equal(got, want) {
					errs <- fmt.Sprintf("%d matches, want %d", len(got), len(want))
				}
			}
		}()
	}
	for range 8 {
		<-done
	}
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
