package guard

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
	ahocorasick "github.com/petar-dambovaliev/aho-corasick"
)

// Rules are gitleaks-format pattern rules for secrets that are not in the
// vault. Keywords of every rule go through one Aho-Corasick automaton; a
// rule's regex runs only on the text around its keywords' hits.
type Rules struct {
	rules    []*rule
	global   []allowlist
	ac       ahocorasick.AhoCorasick
	kwRules  [][]int // keyword index -> rules that have it
	nokw     []int   // rules without keywords: run on the whole text
	keywords int
}

type rule struct {
	id          string
	re          *regexp.Regexp
	secretGroup int
	entropy     float64
	allow       []allowlist
}

type allowlist struct {
	regexes   []*regexp.Regexp
	stopwords []string
	target    string // "secret" (default), "match" or "line"
	and       bool   // condition = "AND": every kind given must match
}

// gitleaks' TOML, the parts that apply to text (path and commit
// allowlists do not: a tool output has neither).
type gitleaksFile struct {
	Rules []struct {
		ID          string
		Regex       string
		SecretGroup int
		Entropy     float64
		Keywords    []string
		Path        string
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

// Region around a keyword hit that a rule's regex sees: PEM blocks reach
// several KiB after their "-----BEGIN".
const (
	regionBefore = 512
	regionAfter  = 8192
)

// ParseRules reads gitleaks-format TOML documents (name is for errors).
func ParseRules(docs map[string][]byte) (*Rules, error) {
	rs := &Rules{}
	var keywords []string
	kwIndex := map[string]int{}
	names := make([]string, 0, len(docs))
	for n := range docs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		var f gitleaksFile
		if _, err := toml.Decode(string(docs[name]), &f); err != nil {
			return nil, fmt.Errorf("guard: rules %s: %w", name, err)
		}
		for _, a := range append(f.Allowlists, deref(f.Allowlist)...) {
			al, err := compileAllow(a)
			if err != nil {
				return nil, fmt.Errorf("guard: rules %s: global allowlist: %w", name, err)
			}
			rs.global = append(rs.global, al)
		}
		for _, r := range f.Rules {
			if r.Regex == "" {
				continue // path-only rules: a tool output has no path
			}
			re, err := regexp.Compile(r.Regex)
			if err != nil {
				return nil, fmt.Errorf("guard: rules %s: rule %q: regex: %w", name, r.ID, err)
			}
			if r.SecretGroup > re.NumSubexp() {
				return nil, fmt.Errorf("guard: rules %s: rule %q: secretGroup %d but the regex has %d groups", name, r.ID, r.SecretGroup, re.NumSubexp())
			}
			ru := &rule{id: r.ID, re: re, secretGroup: r.SecretGroup, entropy: r.Entropy}
			for _, a := range append(r.Allowlists, deref(r.Allowlist)...) {
				al, err := compileAllow(a)
				if err != nil {
					return nil, fmt.Errorf("guard: rules %s: rule %q: allowlist: %w", name, r.ID, err)
				}
				ru.allow = append(ru.allow, al)
			}
			idx := len(rs.rules)
			rs.rules = append(rs.rules, ru)
			if len(r.Keywords) == 0 {
				rs.nokw = append(rs.nokw, idx)
			}
			for _, k := range r.Keywords {
				k = strings.ToLower(k)
				i, ok := kwIndex[k]
				if !ok {
					i = len(keywords)
					kwIndex[k] = i
					keywords = append(keywords, k)
					rs.kwRules = append(rs.kwRules, nil)
				}
				rs.kwRules[i] = append(rs.kwRules[i], idx)
			}
		}
	}
	rs.keywords = len(keywords)
	b := ahocorasick.NewAhoCorasickBuilder(ahocorasick.Opts{AsciiCaseInsensitive: true, MatchKind: ahocorasick.StandardMatch, DFA: true})
	rs.ac = b.Build(keywords)
	return rs, nil
}

func deref(a *gitleaksAllow) []gitleaksAllow {
	if a == nil {
		return nil
	}
	return []gitleaksAllow{*a}
}

func compileAllow(a gitleaksAllow) (allowlist, error) {
	al := allowlist{target: strings.ToLower(a.RegexTarget), and: strings.EqualFold(a.Condition, "AND")}
	if al.target == "" {
		al.target = "secret"
	}
	for _, r := range a.Regexes {
		re, err := regexp.Compile(r)
		if err != nil {
			return al, err
		}
		al.regexes = append(al.regexes, re)
	}
	for _, s := range a.Stopwords {
		al.stopwords = append(al.stopwords, strings.ToLower(s))
	}
	return al, nil
}

// Len returns the number of rules.
func (rs *Rules) Len() int {
	if rs == nil {
		return 0
	}
	return len(rs.rules)
}

// Find returns the secret spans of every rule hit in text.
func (rs *Rules) Find(text []byte) []Match {
	if rs == nil || len(rs.rules) == 0 {
		return nil
	}
	regions := make(map[int][][2]int)
	if rs.keywords > 0 {
		it := rs.ac.IterOverlappingByte(text)
		for m := it.Next(); m != nil; m = it.Next() {
			for _, ri := range rs.kwRules[m.Pattern()] {
				regions[ri] = append(regions[ri], [2]int{max(0, m.Start()-regionBefore), min(len(text), m.End()+regionAfter)})
			}
		}
	}
	for _, ri := range rs.nokw {
		regions[ri] = [][2]int{{0, len(text)}}
	}
	var out []Match
	for ri, spans := range regions {
		ru := rs.rules[ri]
		for _, sp := range mergeSpans(spans) {
			region := text[sp[0]:sp[1]]
			for _, loc := range ru.re.FindAllSubmatchIndex(region, -1) {
				s, e := secretSpan(ru, loc)
				if s < 0 || e <= s {
					continue
				}
				secret := region[s:e]
				if ru.entropy > 0 && entropy(secret) < ru.entropy {
					continue
				}
				if rs.allowed(ru, region, loc, secret) {
					continue
				}
				out = append(out, Match{sp[0] + s, sp[0] + e, ru.id, "rule"})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start < out[j].Start })
	return out
}

// secretSpan is the rule's secretGroup, or the only group, or the match.
func secretSpan(ru *rule, loc []int) (int, int) {
	g := ru.secretGroup
	if g == 0 && ru.re.NumSubexp() == 1 {
		g = 1
	}
	return loc[2*g], loc[2*g+1]
}

func (rs *Rules) allowed(ru *rule, region []byte, loc []int, secret []byte) bool {
	for _, lists := range [][]allowlist{ru.allow, rs.global} {
		for _, a := range lists {
			if a.allows(region, loc, secret) {
				return true
			}
		}
	}
	return false
}

func (a allowlist) allows(region []byte, loc []int, secret []byte) bool {
	target := secret
	switch a.target {
	case "match":
		target = region[loc[0]:loc[1]]
	case "line":
		s, e := loc[0], loc[1]
		for s > 0 && region[s-1] != '\n' {
			s--
		}
		for e < len(region) && region[e] != '\n' {
			e++
		}
		target = region[s:e]
	}
	reHit, stopHit := false, false
	for _, re := range a.regexes {
		if re.Match(target) {
			reHit = true
			break
		}
	}
	lower := strings.ToLower(string(secret))
	for _, w := range a.stopwords {
		if strings.Contains(lower, w) {
			stopHit = true
			break
		}
	}
	if a.and {
		return (len(a.regexes) == 0 || reHit) && (len(a.stopwords) == 0 || stopHit) && (len(a.regexes)+len(a.stopwords) > 0)
	}
	return reHit || stopHit
}

func mergeSpans(s [][2]int) [][2]int {
	sort.Slice(s, func(i, j int) bool { return s[i][0] < s[j][0] })
	out := s[:0]
	for _, sp := range s {
		if n := len(out); n > 0 && sp[0] <= out[n-1][1] {
			out[n-1][1] = max(out[n-1][1], sp[1])
			continue
		}
		out = append(out, sp)
	}
	return out
}

// entropy is the Shannon entropy of b in bits per byte, as gitleaks computes it.
func entropy(b []byte) float64 {
	var counts [256]int
	for _, c := range b {
		counts[c]++
	}
	h := 0.0
	for _, n := range counts {
		if n > 0 {
			p := float64(n) / float64(len(b))
			h -= p * math.Log2(p)
		}
	}
	return h
}
