package guard

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	nkregexp "github.com/noxkey/noxkey/internal/regexp"
	"pgregory.net/rapid"
)

// defaultRuleRegexes are the regexes of configs/rules/default.toml.
func defaultRuleRegexes(t testing.TB) []string {
	data, err := os.ReadFile("../configs/rules/default.toml")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range regexp.MustCompile(`(?m)^regex = '''(.*)'''$`).FindAllStringSubmatch(string(data), -1) {
		out = append(out, m[1])
	}
	return out
}

// leadCases are regexes with awkward leads: a first character that is not
// a word character, alternations that share a prefix, classes, a
// boundary inside a capture, and ones that have no lead.
var leadCases = []string{
	`\b(-----BEGIN [A-Z]+ KEY-----)`,
	`\b(?:ab|ac|b[xy])_[a-z]{2,4}\b`,
	`(x[0-9]{3})|(yz+)`,
	`((\b)tok-[a-z]+)`,
	`[a-z]{2}-AA`,
	`\d{3}-AA`,
	`(?i)secret=[a-z]+`,
	`^line-[a-z]+`,
	`é[a-z]{2}\b`,
}

// alphabets of the tokens rules match.
var alphabets = []string{alnum, alnum + "_-", "0123456789abcdef", "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", alnum + "+/="}

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// TestLeadFindsWhatTheRegexFinds: for every default rule and the cases
// above, a lead (where the rule has one) finds exactly the matches, with
// their groups, that the regex finds over the whole region, on random
// regions built from the rule's own literals, word and other characters.
func TestLeadFindsWhatTheRegexFinds(t *testing.T) {
	exprs := append(defaultRuleRegexes(t), leadCases...)
	withLead, matched := 0, map[string]bool{}
	for _, expr := range exprs {
		l := newLead(expr)
		if l == nil {
			continue
		}
		withLead++
		re := nkregexp.MustCompile(expr)
		pieces := append([]string{" ", "\n", "_", "-", ".", "=", ":", "\"", "é", "AA", "0a9F", "xyzXYZ", "QRSTUVWXYZ234567", "eyJhbGciOi"}, l.lits...)
		rapid.Check(t, func(t *rapid.T) {
			var b strings.Builder
			for range rapid.IntRange(0, 30).Draw(t, "n") {
				p := rapid.SampledFrom(pieces).Draw(t, "piece")
				if rapid.Bool().Draw(t, "run") {
					// A run of one alphabet, as the tokens rules look for.
					alpha := rapid.SampledFrom(alphabets).Draw(t, "alphabet")
					n := rapid.SampledFrom([]int{1, 4, 10, 16, 20, 22, 24, 32, 33, 34, 35, 36, 40, 43, 48, 58, 64, 82, 86, 90}).Draw(t, "len")
					p = rapid.StringOfN(rapid.SampledFrom([]rune(alpha)), n, n, -1).Draw(t, "chars") + " "
				}
				b.WriteString(p)
			}
			region := []byte(b.String())
			got, want := l.findAll(re, region), re.FindAllSubmatchIndex(region, -1)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%s on %q: lead %v, regex %v", expr, region, got, want)
			}
			if len(want) > 0 {
				matched[expr] = true
			}
		})
	}
	if withLead < 30 || len(matched) < withLead/3 {
		t.Fatalf("%d of %d regexes have a lead, %d of them matched a region: too few to tell", withLead, len(exprs), len(matched))
	}
	t.Logf("%d of %d regexes have a lead, %d of them matched a region", withLead, len(exprs), len(matched))
	for _, expr := range []string{`[a-z]{2}-AA`, `(?i)secret=[a-z]+`, `^line-[a-z]+`} {
		if newLead(expr) != nil {
			t.Errorf("%s has a lead; none of its matches must start with a literal", expr)
		}
	}
}
