package guard

import (
	"fmt"
	"path/filepath"
)

// Guard is what a hook or a filter uses: the vault index, the pattern
// rules and the placeholder format.
type Guard struct {
	Index       *Index
	Rules       *Rules // nil when pattern rules are off
	Placeholder string
}

// Open loads the index at indexPath and the settings of guard.toml in
// configDir with the pattern rules it names. While guard.toml and the rule
// files are as they were when the index was built, their stored copy in
// the index is used and no TOML is read. It reads no vault and needs no
// passphrase.
func Open(configDir, indexPath string) (*Guard, error) {
	ix, err := Load(indexPath)
	if err != nil {
		return nil, err
	}
	if st := ix.settings; st != nil && st.Fingerprint == fingerprint(configDir, st.RuleFiles) {
		g := &Guard{Index: ix, Placeholder: st.Placeholder}
		if st.RulesEnabled {
			g.Rules = newRules(st.Specs)
		}
		return g, nil
	}
	cfg, err := LoadConfig(configDir)
	if err != nil {
		return nil, err
	}
	rules, err := cfg.LoadRules()
	if err != nil {
		return nil, err
	}
	return &Guard{Index: ix, Rules: rules, Placeholder: cfg.Placeholder}, nil
}

// Find returns vault and rule matches in text, sorted by Start.
func (g *Guard) Find(text []byte) []Match {
	ms := g.Index.Find(text)
	if g.Rules != nil {
		rs := g.Rules.Find(text)
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

// lookback is how many trailing bytes a stream keeps unemitted so that a
// secret split across reads is still seen whole: the longest form, twice
// (room for line breaks and indentation inside a wrapped one), and the
// region a pattern rule may need.
func (g *Guard) lookback() int {
	n := 2*g.Index.maxLen + 256
	if g.Rules != nil {
		n = max(n, regionAfter)
	}
	return n
}

// IndexPath is where the index lives in a data directory.
func IndexPath(dataDir string) string { return filepath.Join(dataDir, "guard.idx") }

// Summary describes matches for humans: names, kinds and positions, never values.
func Summary(name string, text []byte, ms []Match) []string {
	var out []string
	for _, m := range ms {
		line, col := 1, 1
		for _, c := range text[:m.Start] {
			if c == '\n' {
				line, col = line+1, 1
			} else {
				col++
			}
		}
		out = append(out, fmt.Sprintf("%s:%d:%d: %s (%s, %d bytes)", name, line, col, m.Name, m.Kind, m.End-m.Start))
	}
	return out
}
