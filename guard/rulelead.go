package guard

import (
	"bytes"

	"github.com/noxkey/noxkey/internal/regexp"
	"github.com/noxkey/noxkey/internal/regexp/syntax"
)

// A lead finds a rule's matches in a region by trying its regex only
// where one of the literals every match starts with occurs ("sk_live_",
// "AKIA", "ey"), anchored there, instead of at every position of the
// region: the matches are the same (the leftmost match starts at the
// first such place where the regex matches), and most regions hold few
// such places. A rule whose matches may start with anything else has no
// lead and is run over the region.
type lead struct {
	lits  [][]byte
	first [256]bool // the literals' first bytes
	// anchored is the rule's regex preceded by the one character before
	// the place tried, anchored at that character: word boundaries at the
	// start see what comes before, as they do in the region.
	anchored *regexp.Regexp
}

// Bounds on the literals a lead tries: more, or longer, and the regex
// runs over the region.
const (
	maxLeads   = 16
	maxLeadLen = 16
)

// newLead returns the lead of a rule's regex, or nil.
func newLead(expr string) *lead {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil || hasBegin(re) {
		return nil
	}
	lits, _, ok := leadLiterals(re.Simplify())
	if !ok || len(lits) == 0 {
		return nil
	}
	anchored, err := regexp.Compile(`^(?s:.)(?:` + expr + `)`)
	if err != nil {
		return nil
	}
	l := &lead{anchored: anchored}
	for _, s := range lits {
		if s == "" {
			return nil
		}
		l.lits = append(l.lits, []byte(s))
		l.first[s[0]] = true
	}
	return l
}

// hasBegin reports whether re anchors at the beginning of a line or the
// text anywhere, which the anchored form would move.
func hasBegin(re *syntax.Regexp) bool {
	if re.Op == syntax.OpBeginLine || re.Op == syntax.OpBeginText {
		return true
	}
	for _, s := range re.Sub {
		if hasBegin(s) {
			return true
		}
	}
	return false
}

// leadLiterals returns strings one of which every match of re starts
// with, whether re matches exactly those strings (so what follows it in a
// concatenation extends them), and whether there are such strings.
func leadLiterals(re *syntax.Regexp) (lits []string, exact, ok bool) {
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return nil, false, false
		}
		return []string{string(re.Rune)}, true, true
	case syntax.OpCharClass:
		var out []string
		for i := 0; i+1 < len(re.Rune); i += 2 {
			for r := re.Rune[i]; r <= re.Rune[i+1]; r++ {
				if len(out) == maxLeads {
					return nil, false, false
				}
				out = append(out, string(r))
			}
		}
		return out, true, len(out) > 0
	case syntax.OpCapture:
		return leadLiterals(re.Sub[0])
	case syntax.OpAlternate:
		var out []string
		exact = true
		for _, s := range re.Sub {
			l, e, ok := leadLiterals(s)
			if !ok || len(out)+len(l) > maxLeads {
				return nil, false, false
			}
			out, exact = append(out, l...), exact && e
		}
		return out, exact, true
	case syntax.OpConcat:
		subs := re.Sub
		for len(subs) > 0 && (subs[0].Op == syntax.OpWordBoundary || subs[0].Op == syntax.OpEmptyMatch) {
			subs = subs[1:]
		}
		if len(subs) == 0 {
			return nil, false, false
		}
		out, exact, ok := leadLiterals(subs[0])
		if !ok {
			return nil, false, false
		}
		for _, s := range subs[1:] {
			if !exact {
				break
			}
			l, e, ok := leadLiterals(s)
			if !ok || len(out)*len(l) > maxLeads {
				return out, false, true
			}
			var joined []string
			for _, a := range out {
				for _, b := range l {
					joined = append(joined, a+b)
				}
			}
			if len(joined[0]) > maxLeadLen {
				return out, false, true
			}
			out, exact = joined, e
		}
		return out, exact, true
	}
	return nil, false, false
}

// next is the first place at or after p where a literal starts, or -1.
func (l *lead) next(region []byte, p int) int {
	if len(l.lits) == 1 {
		if i := bytes.Index(region[p:], l.lits[0]); i >= 0 {
			return p + i
		}
		return -1
	}
	for ; p < len(region); p++ {
		if !l.first[region[p]] {
			continue
		}
		for _, s := range l.lits {
			if bytes.HasPrefix(region[p:], s) {
				return p
			}
		}
	}
	return -1
}

// findAll is re.FindAllSubmatchIndex(region, -1) for a rule with a lead,
// re the rule's regex (compiled only if a literal starts the region).
func (l *lead) findAll(re func() *regexp.Regexp, region []byte) [][]int {
	var out [][]int
	for p := 0; p < len(region); {
		q := l.next(region, p)
		if q < 0 {
			break
		}
		var loc []int
		if q == 0 {
			// No character before the region: its first match is the
			// regex's own leftmost one, wherever it starts.
			if loc = re().FindSubmatchIndex(region); loc == nil {
				break
			}
		} else if m := l.anchored.FindSubmatchIndex(region[q-1:]); m != nil {
			for i := range m {
				if m[i] >= 0 {
					m[i] += q - 1
				}
			}
			m[0] = q // the match, without the character before it
			loc = m
		}
		if loc == nil {
			p = q + 1
			continue
		}
		out = append(out, loc)
		p = max(loc[1], q+1)
	}
	return out
}
