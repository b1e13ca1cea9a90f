package guard

import (
	"encoding/binary"
	"errors"
	"os"
	"strings"
	"testing"
)

// TestStoredRulesAreReadOnlyWhenAKeywordHits: a loaded index scans clean
// text with the stored keyword plan alone (no spec decoded, no regex
// compiled); the first keyword hit reads the specs and the rule matches.
func TestStoredRulesAreReadOnlyWhenAKeywordHits(t *testing.T) {
	dir := t.TempDir()
	st := &Settings{RulesEnabled: true, Fingerprint: Fingerprint(dir, nil), Specs: []RuleSpec{
		{ID: "global", Global: true, Allow: []AllowSpec{{Stopwords: []string{"example"}}}},
		{ID: "demo-token", Regex: `\b(dmo_[0-9a-z]{16})\b`, Keywords: []string{"DMO_"}},
		{ID: "other", Regex: `zz[0-9]+`, Keywords: []string{"zz"}},
	}}
	g, err := Open(dir, writeIndexIn(t, dir, st, Secret{"acme/api/KEY", []byte(stripe)}), testKeys)
	if err != nil || g.Rules == nil || g.Rules.Len() != 2 {
		t.Fatalf("open: %v %+v", err, g)
	}
	if ms := g.Find([]byte("nothing to see here\n")); len(ms) != 0 || g.Rules.rules != nil {
		t.Fatalf("clean text: %v, specs read: %v", ms, g.Rules.rules != nil)
	}
	ms := g.Find([]byte("token dmo_0123456789abcdef and dmo_example0123456 end"))
	if len(ms) != 1 || ms[0].Name != "demo-token" || g.Rules.rules == nil {
		t.Fatalf("keyword hit: %+v", ms)
	}
	if g.Rules.rules[1].re != nil {
		t.Fatal("a rule whose keyword did not hit was compiled")
	}
}

// TestUnreadableStoredRulesFailClosed: specs that cannot be read back
// withhold the text they would have been checked against.
func TestUnreadableStoredRulesFailClosed(t *testing.T) {
	plan := planRules([]RuleSpec{{ID: "x", Regex: "x", Keywords: []string{"secret"}}})
	rs := lazyRules(plan, func() ([]RuleSpec, error) { return nil, errors.New("damaged") })
	if ms := rs.Find([]byte("no keyword")); len(ms) != 0 {
		t.Fatalf("clean: %v", ms)
	}
	if ms := rs.Find([]byte("a secret here")); len(ms) != 1 || ms[0].Start != 0 || ms[0].End != 13 {
		t.Fatalf("damaged rules on a keyword hit: %+v", ms)
	}
}

// TestStoredRulesAfterCloseFailClosed: the keyword set and the specs are
// read where they lie in the mapping, so after Close the rules withhold
// any text, with a keyword or without, instead of reading unmapped memory.
func TestStoredRulesAfterCloseFailClosed(t *testing.T) {
	dir := t.TempDir()
	st := &Settings{RulesEnabled: true, Fingerprint: Fingerprint(dir, nil), Specs: []RuleSpec{
		{ID: "demo-token", Regex: `\b(dmo_[0-9a-z]{16})\b`, Keywords: []string{"DMO_"}},
	}}
	g, err := Open(dir, writeIndexIn(t, dir, st, Secret{"acme/api/KEY", []byte(stripe)}), testKeys)
	if err != nil || g.Rules == nil {
		t.Fatalf("open: %v %+v", err, g)
	}
	if ms := g.Find([]byte("nothing to see here")); len(ms) != 0 {
		t.Fatalf("clean text while open: %+v", ms)
	}
	g.Index.Close()
	for _, text := range [][]byte{[]byte("token dmo_0123456789abcdef end"), []byte("nothing to see here")} {
		if ms := g.Find(text); len(ms) != 1 || ms[0].Start != 0 || ms[0].End != len(text) {
			t.Fatalf("%q after Close: %+v", text, ms)
		}
	}
}

// TestOpenRefusesAKeywordTableThatDoesNotFit: an index whose stored
// keyword set does not fit its keyword plan (damaged, yet with a valid
// checksum) is refused with the rebuild advice, not scanned with.
func TestOpenRefusesAKeywordTableThatDoesNotFit(t *testing.T) {
	dir := t.TempDir()
	st := &Settings{RulesEnabled: true, Fingerprint: Fingerprint(dir, nil), Specs: []RuleSpec{
		{ID: "demo-token", Regex: `\b(dmo_[0-9a-z]{16})\b`, Keywords: []string{"DMO_", "zzz"}},
	}}
	p := writeIndexIn(t, dir, st, Secret{"acme/api/KEY", []byte(stripe)})
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	// The last byHead entry names keyword 0 instead of its own; reseal.
	le := binary.LittleEndian
	at := headerSize + 8*int(le.Uint32(data[80:])) + 8*(int(le.Uint32(data[112:]))-1)
	le.PutUint64(data[at:], le.Uint64(data[at:])&^0xFFFFFFFF)
	k, _ := deriveKeys(testKey)
	size := len(data) - trailerSize
	putMAC(k.macKey, data[:size], data[size:size+32])
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	g, err := Open(dir, p, testKeys)
	if err == nil || g != nil || !errors.Is(err, ErrIndex) || !strings.Contains(err.Error(), "keyword table does not match the keywords; run: noxkey guard rebuild") {
		t.Fatalf("Open: %v %+v", err, g)
	}
}

// TestLeadRuleCompilesItsRegexOnlyForARegionStart: a rule whose matches
// begin with literals runs its anchored form where one occurs; its own
// regex (about 90 µs to compile) is compiled only when a literal starts a
// region, where nothing comes before it to anchor on.
func TestLeadRuleCompilesItsRegexOnlyForARegionStart(t *testing.T) {
	rs := lazyRules(planRules([]RuleSpec{{ID: "demo-token", Regex: `\b(dmo_[0-9a-z]{16})\b`, Keywords: []string{"dmo_"}}}),
		func() ([]RuleSpec, error) {
			return []RuleSpec{{ID: "demo-token", Regex: `\b(dmo_[0-9a-z]{16})\b`, Keywords: []string{"dmo_"}}}, nil
		})
	if ms := rs.Find([]byte("token dmo_0123456789abcdef end")); len(ms) != 1 || ms[0].Start != 6 || ms[0].End != 26 {
		t.Fatalf("inside the text: %+v", ms)
	}
	if rs.rules[0].lead == nil || rs.rules[0].re != nil {
		t.Fatalf("lead %v, own regex compiled %v: want a lead and no own regex yet", rs.rules[0].lead != nil, rs.rules[0].re != nil)
	}
	if ms := rs.Find([]byte("dmo_0123456789abcdef at the start")); len(ms) != 1 || ms[0].Start != 0 || ms[0].End != 20 {
		t.Fatalf("at the start: %+v", ms)
	}
	if rs.rules[0].re == nil {
		t.Fatal("a match at the region's start did not use the rule's own regex")
	}
}
