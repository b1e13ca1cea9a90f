package guard

import (
	"bytes"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"

	"github.com/noxkey/noxkey/internal/regexp"
	"github.com/noxkey/noxkey/internal/regexp/syntax"
)

// Rules are gitleaks-format pattern rules for secrets that are not in the
// vault. Every rule's keywords go into one keyword set; a rule's regex
// runs only on the text around its keywords' hits (rules without keywords
// run on the whole text), and is compiled the first time it is needed.
type Rules struct {
	plan   rulePlan
	kw     *keywordSet
	rules  []rule
	global []*allowlist
	// The specs are read on first need (a keyword hit): a hook call on
	// clean text decodes none and compiles no regex.
	load   func() ([]RuleSpec, error)
	once   sync.Once
	broken bool // the stored specs could not be read: Find fails closed
	// closed reports whether the index that kw's tables lie in is closed
	// (nil when they are this process's own): Find then fails closed.
	closed func() bool
}

// rulePlan is what a scan needs of the rules before any regex: the
// distinct lowercased keywords, which rules each one triggers, and the
// rules without keywords. The index stores it beside the specs.
type rulePlan struct {
	n        int      // rules, not counting global allowlists
	keywords []string // lowercased, distinct
	kwRules  [][]int  // keyword index -> rules that have it
	nokw     []int    // rules without keywords
}

// planRules makes the plan of specs.
func planRules(specs []RuleSpec) rulePlan {
	var p rulePlan
	kwIndex := map[string]int{}
	for _, sp := range specs {
		if sp.Global {
			continue
		}
		idx := p.n
		p.n++
		if len(sp.Keywords) == 0 {
			p.nokw = append(p.nokw, idx)
		}
		for _, k := range sp.Keywords {
			k = strings.ToLower(k)
			i, ok := kwIndex[k]
			if !ok {
				i = len(p.keywords)
				kwIndex[k] = i
				p.keywords = append(p.keywords, k)
				p.kwRules = append(p.kwRules, nil)
			}
			if l := p.kwRules[i]; len(l) == 0 || l[len(l)-1] != idx {
				p.kwRules[i] = append(l, idx)
			}
		}
	}
	return p
}

// RuleSpec is a pattern rule as written (gitleaks fields that apply to
// text); the index stores these and the hook reads them back.
type RuleSpec struct {
	ID          string
	Regex       string
	SecretGroup int
	Entropy     float64
	Keywords    []string
	Allow       []AllowSpec
	Global      bool // a global allowlist carrier: no regex, Allow only
}

// AllowSpec is an allowlist: Target is "secret" (default), "match" or
// "line"; And means every kind given must match.
type AllowSpec struct {
	Regexes   []string
	Stopwords []string
	Target    string
	And       bool
}

type rule struct {
	spec  RuleSpec
	once  sync.Once
	lead  *lead // nil: the regex runs over each region
	ncap  int   // the regex's capture groups
	allow []*allowlist
	err   error
	// re is the rule's own regex. A rule with a lead needs it only for a
	// match at a region's start, so it is compiled then (full): a hook
	// call compiles what every rule whose keyword it meets needs.
	reOnce sync.Once
	re     *regexp.Regexp
}

// full returns the rule's own regex, compiled on first use.
func (r *rule) full() *regexp.Regexp {
	r.reOnce.Do(func() {
		if r.re == nil {
			// It parsed in compile, and its anchored form compiled.
			r.re = regexp.MustCompile(r.spec.Regex)
		}
	})
	return r.re
}

// findAll is the rule's matches in region, as FindAllSubmatchIndex.
func (r *rule) findAll(region []byte) [][]int {
	if r.lead != nil {
		return r.lead.findAll(r.full, region)
	}
	return r.full().FindAllSubmatchIndex(region, -1)
}

type allowlist struct {
	regexes   []*regexp.Regexp
	stopwords []string
	target    string // "secret" (default), "match" or "line"
	and       bool   // condition = "AND": every kind given must match
}

// Region around a keyword hit that a rule's regex sees: PEM blocks reach
// several KiB after their "-----BEGIN" (regionAfter), other secrets a few
// hundred bytes (regionAfterShort), or to the end of the token that the
// keyword starts; a match that reaches its region's end is looked for
// again in the long region, so a long secret is not cut.
const (
	regionBefore     = 512
	regionAfter      = 8192
	regionAfterShort = 1024
)

// after is how far past a keyword hit the rule's region reaches.
func (ru *rule) after() int {
	if strings.Contains(ru.spec.Regex, "(?s)") || strings.Contains(ru.spec.Regex, "PRIVATE KEY") {
		return regionAfter
	}
	return regionAfterShort
}

// NewRules makes Rules from specs and compiles every regex, reporting the
// first that does not compile (the config package parses the TOML).
func NewRules(specs []RuleSpec) (*Rules, error) {
	rs := lazyRules(planRules(specs), func() ([]RuleSpec, error) { return specs, nil })
	rs.ensure()
	for _, sp := range specs {
		if sp.Global {
			for _, a := range sp.Allow {
				if _, err := compileAllow(a); err != nil {
					return nil, fmt.Errorf("guard: rules: %s: %w", sp.ID, err)
				}
			}
		}
	}
	for i := range rs.rules {
		r := &rs.rules[i]
		if err := r.compile(); err != nil {
			return nil, fmt.Errorf("guard: rules: %w", err)
		}
		// The rule's own regex, which a hook compiles only when it needs
		// it (full), is checked here, where the rules are set.
		if _, err := regexp.Compile(r.spec.Regex); err != nil {
			return nil, fmt.Errorf("guard: rules: rule %q: regex: %w", r.spec.ID, err)
		}
	}
	return rs, nil
}

// Keywords returns the distinct lowercased keywords of every rule.
func (rs *Rules) Keywords() []string { return rs.plan.keywords }

// lazyRules makes Rules from a plan; load gives the specs when a keyword
// first hits (an index stores them encoded; see decodeSpecs).
func lazyRules(plan rulePlan, load func() ([]RuleSpec, error)) *Rules {
	return &Rules{plan: plan, kw: newKeywordSet(plan.keywords), load: load}
}

// ensure reads the specs, once.
func (rs *Rules) ensure() {
	rs.once.Do(func() {
		specs, err := rs.load()
		if err != nil {
			rs.broken = true
			return
		}
		rs.fill(specs)
		rs.broken = len(rs.rules) != rs.plan.n // specs that do not match their plan
	})
}

// fill makes the rules and global allowlists of specs.
func (rs *Rules) fill(specs []RuleSpec) {
	rs.rules = make([]rule, 0, rs.plan.n)
	for _, sp := range specs {
		if !sp.Global {
			rs.rules = append(rs.rules, rule{spec: sp})
			continue
		}
		for _, a := range sp.Allow {
			if al, err := compileAllow(a); err == nil {
				rs.global = append(rs.global, al)
			}
		}
	}
}

func (r *rule) compile() error {
	r.once.Do(func() {
		parsed, err := syntax.Parse(r.spec.Regex, syntax.Perl)
		if err != nil {
			r.err = fmt.Errorf("rule %q: regex: %w", r.spec.ID, err)
			return
		}
		r.ncap = parsed.MaxCap()
		if r.spec.SecretGroup > r.ncap {
			r.err = fmt.Errorf("rule %q: secretGroup %d but the regex has %d groups", r.spec.ID, r.spec.SecretGroup, r.ncap)
			return
		}
		for _, a := range r.spec.Allow {
			al, err := compileAllow(a)
			if err != nil {
				r.err = fmt.Errorf("rule %q: allowlist: %w", r.spec.ID, err)
				return
			}
			r.allow = append(r.allow, al)
		}
		if r.lead = newLead(r.spec.Regex); r.lead == nil {
			if r.re, err = regexp.Compile(r.spec.Regex); err != nil {
				r.err = fmt.Errorf("rule %q: regex: %w", r.spec.ID, err)
			}
		}
	})
	return r.err
}

func compileAllow(a AllowSpec) (*allowlist, error) {
	al := &allowlist{target: a.Target, and: a.And}
	if al.target == "" {
		al.target = "secret"
	}
	for _, r := range a.Regexes {
		re, err := regexp.Compile(r)
		if err != nil {
			return nil, err
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
	return rs.plan.n
}

// Find returns the secret spans of every rule hit in text.
func (rs *Rules) Find(text []byte) []Match { return rs.find(text, nil) }

// find is Find, not looking for keywords inside the spans of binary
// (sorted, apart from each other): the inside of blocks of base64 of
// binary data (Index.findAll), where a keyword, and a rule's match after
// it, is chance. A rule whose keyword lies outside them still reads its
// region, into them or across them.
func (rs *Rules) find(text []byte, binary [][2]int) []Match {
	if rs == nil || rs.plan.n == 0 {
		return nil
	}
	if rs.closed != nil && rs.closed() {
		return []Match{{0, len(text), "noxkey-closed-guard-index", "rule"}}
	}
	var regions map[int][][2]int
	hit := func(kw, start, end int) {
		if regions == nil {
			regions = make(map[int][][2]int)
		}
		for _, ri := range rs.plan.kwRules[kw] {
			// The keyword's span; the region around it is the rule's
			// own (rule.after), known once the rules are compiled.
			regions[ri] = append(regions[ri], [2]int{start, end})
		}
	}
	if len(binary) == 0 {
		rs.kw.each(text, hit) // one frame less (TestMainStackIsNeverCopied)
	} else {
		rs.kw.eachOutside(text, binary, hit)
	}
	for _, ri := range rs.plan.nokw {
		if regions == nil {
			regions = make(map[int][][2]int)
		}
		regions[ri] = nil // no keyword: the whole text
	}
	if len(regions) == 0 {
		return nil
	}
	if rs.ensure(); rs.broken {
		// The index holds rules it cannot read back: withhold the text.
		return []Match{{0, len(text), "noxkey-damaged-guard-index", "rule"}}
	}
	var out []Match
	for ri, spans := range regions {
		ru := &rs.rules[ri]
		if ru.compile() != nil {
			continue // checked when the rules were parsed
		}
		if spans == nil {
			spans = [][2]int{{0, len(text)}}
		} else {
			after := ru.after()
			for k, kw := range spans {
				// Past the rule's reach when the token the keyword starts
				// (up to white space or a quote) is longer.
				end := kw[1] + after
				if end < len(text) {
					if t := bytes.IndexAny(text[kw[1]:min(len(text), kw[1]+regionAfter)], " \t\r\n\"'"); t < 0 {
						end = kw[1] + regionAfter
					} else {
						end = max(end, kw[1]+t+1)
					}
				}
				spans[k] = [2]int{max(0, kw[0]-regionBefore), min(len(text), end)}
			}
		}
		for _, sp := range mergeSpans(spans) {
			region := text[sp[0]:sp[1]]
			locs := ru.findAll(region)
			if n := len(locs); n > 0 && locs[n-1][1] == len(region) && sp[1] < len(text) {
				// The last match may go on past the region: look again in
				// the long one.
				sp[1] = min(len(text), sp[1]+regionAfter)
				region = text[sp[0]:sp[1]]
				locs = ru.findAll(region)
			}
			for _, loc := range locs {
				s, e := secretSpan(ru, loc)
				if s < 0 || e <= s {
					continue
				}
				secret := region[s:e]
				if ru.spec.Entropy > 0 && Entropy(secret) < ru.spec.Entropy {
					continue
				}
				if rs.allowed(ru, region, loc, secret) {
					continue
				}
				out = append(out, Match{sp[0] + s, sp[0] + e, ru.spec.ID, "rule"})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start < out[j].Start })
	return out
}

// secretSpan is the rule's secretGroup, or the only group, or the match.
func secretSpan(ru *rule, loc []int) (int, int) {
	g := ru.spec.SecretGroup
	if g == 0 && ru.ncap == 1 {
		g = 1
	}
	return loc[2*g], loc[2*g+1]
}

func (rs *Rules) allowed(ru *rule, region []byte, loc []int, secret []byte) bool {
	for _, lists := range [][]*allowlist{ru.allow, rs.global} {
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

// Entropy is the Shannon entropy of b in bits per byte, as gitleaks computes it.
func Entropy(b []byte) float64 {
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
