package config

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/noxkey/noxkey/guard"
)

// gitleaks' TOML, the parts that apply to text (path and commit
// allowlists do not: a tool output has neither).
type gitleaksFile struct {
	Rules []struct {
		ID          string
		Regex       string
		SecretGroup int
		Entropy     float64
		Keywords    []string
		Allowlist   *gitleaksAllow
		Allowlists  []gitleaksAllow
	}
	Allowlist  *gitleaksAllow
	Allowlists []gitleaksAllow
}

type gitleaksAllow struct {
	Regexes     []string
	Stopwords   []string
	RegexTarget string
	Condition   string
}

// ParseRules reads gitleaks-format TOML documents (the map key names a
// document in errors) into rule specs and checks that every regex compiles.
func ParseRules(docs map[string][]byte) ([]guard.RuleSpec, error) {
	names := slices.Sorted(maps.Keys(docs))
	var specs []guard.RuleSpec
	for _, name := range names {
		var f gitleaksFile
		if _, err := toml.Decode(string(docs[name]), &f); err != nil {
			return nil, fmt.Errorf("guard: rules %s: %w", name, err)
		}
		if g := append(f.Allowlists, deref(f.Allowlist)...); len(g) > 0 {
			specs = append(specs, guard.RuleSpec{ID: name + " global allowlist", Global: true, Allow: allowSpecs(g)})
		}
		for _, r := range f.Rules {
			if r.Regex == "" {
				continue // path-only rules: a tool output has no path
			}
			specs = append(specs, guard.RuleSpec{ID: r.ID, Regex: r.Regex, SecretGroup: r.SecretGroup, Entropy: r.Entropy,
				Keywords: r.Keywords, Allow: allowSpecs(append(r.Allowlists, deref(r.Allowlist)...))})
		}
	}
	if _, err := guard.NewRules(specs); err != nil {
		return nil, err
	}
	return specs, nil
}

func allowSpecs(as []gitleaksAllow) []guard.AllowSpec {
	var out []guard.AllowSpec
	for _, a := range as {
		out = append(out, guard.AllowSpec{Regexes: a.Regexes, Stopwords: a.Stopwords, Target: strings.ToLower(a.RegexTarget), And: strings.EqualFold(a.Condition, "AND")})
	}
	return out
}

func deref(a *gitleaksAllow) []gitleaksAllow {
	if a == nil {
		return nil
	}
	return []gitleaksAllow{*a}
}
