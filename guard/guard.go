package guard

import (
	"bytes"
	"fmt"
)

// Guard is what a hook or a filter uses: the vault index, the pattern
// rules and the placeholder format.
type Guard struct {
	Index       *Index
	Rules       *Rules // nil when pattern rules are off
	Placeholder string
	Warning     string // set by Open when the stored settings may be stale
	// LiveOutput is Settings.LiveOutput: rewrite commands to filter their
	// live output even where the agent replaces the result afterwards.
	LiveOutput bool
}

// Open loads the index at indexPath, under the guard key keys returns
// (arm.Lookup: the key armed by noxkey unlock), with the settings
// (placeholder, pattern rules) stored in it when it was built: it reads no
// TOML, no vault, and needs no passphrase. When guard.toml in configDir or a rule
// file changed since, the stored settings still apply (they protect as
// before) and Warning says to rebuild.
func Open(configDir, indexPath string, keys KeyLookup) (*Guard, error) {
	ix, err := Load(indexPath, keys)
	if err != nil {
		return nil, err
	}
	g := &Guard{Index: ix, Placeholder: DefaultPlaceholder}
	st := ix.settings
	if st == nil {
		g.Warning = "noxkey: the guard index holds no settings (pattern rules are off); run: noxkey guard rebuild"
		return g, nil
	}
	if st.Placeholder != "" {
		g.Placeholder = st.Placeholder
	}
	g.LiveOutput = st.LiveOutput
	if st.RulesEnabled {
		// The keyword set and the specs are read where they lie in the
		// mapping; after Index.Close, the rules withhold every text.
		kw, err := keywordSetIn(ix.plan.keywords, ix.keywords)
		if err != nil {
			ix.Close()
			return nil, loadError(indexPath, errContent, err, nil)
		}
		g.Rules = &Rules{plan: ix.plan, kw: kw, closed: func() bool { return ix.data == nil },
			load: func() ([]RuleSpec, error) { return decodeSpecs(ix.specs) }}
	}
	if !fingerprintIs(st.Fingerprint, configDir, st.RuleFiles) {
		g.Warning = "noxkey: guard.toml or a rule file changed since the guard index was built; run: noxkey guard rebuild"
	}
	return g, nil
}

// Find returns vault and rule matches in text, sorted by Start: the
// registered forms, and the same found in the text's decoded views.
func (g *Guard) Find(text []byte) []Match { return g.find(text, len(text)) }

// find is Find with the vault's forms looked for in text[:n] only.
func (g *Guard) find(text []byte, n int) []Match {
	ms, binary := g.Index.findAll(text[:n])
	if g.Rules != nil {
		rs := g.Rules.find(text, binary)
		if len(rs) > 0 {
			ms = append(ms, rs...)
			sortMatches(ms)
		}
	}
	return ms
}

// Redact returns text with every match replaced, and the matches. When
// nothing matched it returns text itself.
func (g *Guard) Redact(text []byte) ([]byte, []Match) {
	ms := g.Find(text)
	return Redact(text, ms, g.Placeholder), ms
}

// indexLookback is the part of lookback the vault's forms need.
func (g *Guard) indexLookback() int { return 2*g.Index.maxLen + 256 }

// lookback is how many trailing bytes a stream keeps unemitted so that a
// secret split across reads is still seen whole: the longest form, twice
// (room for line breaks and indentation inside a wrapped one), and the
// region a pattern rule may need.
func (g *Guard) lookback() int {
	n := g.indexLookback()
	if g.Rules != nil {
		n = max(n, regionAfter)
	}
	return n
}

// Summary describes matches for humans: names, kinds and positions, never values.
func Summary(name string, text []byte, ms []Match) []string {
	var out []string
	for _, m := range ms {
		line, col := Position(text, m.Start)
		out = append(out, fmt.Sprintf("%s:%d:%d: %s (%s, %d bytes)", name, line, col, m.Name, m.Kind, m.End-m.Start))
	}
	return out
}

// Position is the 1-based line and column (in bytes) of offset in text.
func Position(text []byte, offset int) (line, col int) {
	line = bytes.Count(text[:offset], []byte{'\n'}) + 1
	col = offset - (bytes.LastIndexByte(text[:offset], '\n') + 1) + 1
	return line, col
}
