package guard

import (
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/noxkey/noxkey/configs"
	nkregexp "github.com/noxkey/noxkey/internal/regexp"
	"pgregory.net/rapid"
)

// defaultRuleRegexes are the regexes of configs/rules/default.toml.
func defaultRuleRegexes(t testing.TB) []string {
	data, err := configs.FS.ReadFile("rules/default.toml")
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

// leadExamples match some of the rules (made-up values of their shape).
var leadExamples = []string{
	"sk_live_4eC39HqLyjWDarjtT1zdp7dc",
	"AKIAIOSFODNN7EXAMPLE",
	"ghp_" + strings.Repeat("aB3", 12),
	"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N",
	"xoxb-123456789012-abcdefABCDEF",
	"-----BEGIN RSA KEY-----",
	"ab_xyz", "b" + "y_qq", "x123", "yzz", "tok-abc", "éab",
	"glpat-" + strings.Repeat("x9", 12),
	"npm_" + strings.Repeat("Ab1", 12),
	"AIza" + strings.Repeat("b", 35),
	"hf_" + strings.Repeat("Q", 34),
	"key-" + strings.Repeat("0f", 16),
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
	withLead, matched := 0, 0
	// The made-up tokens, the first at the very start of the region, each
	// after a line break and after a word character: matched the same way,
	// and by enough of the regexes to tell.
	var fixed strings.Builder
	for _, e := range leadExamples {
		fixed.WriteString(e + " x" + e + "\n")
	}
	for _, expr := range exprs {
		l := newLead(expr)
		if l == nil {
			continue
		}
		withLead++
		re := nkregexp.MustCompile(expr)
		got, want := l.findAll(func() *nkregexp.Regexp { return re }, []byte(fixed.String())), re.FindAllSubmatchIndex([]byte(fixed.String()), -1)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s on the made-up tokens: lead %v, regex %v", expr, got, want)
		}
		if len(want) > 0 {
			matched++
		}
		pieces := append([]string{" ", "\n", "_", "-", ".", "=", ":", "\"", "é", "AA", "0a9F", "xyzXYZ", "QRSTUVWXYZ234567", "eyJhbGciOi"}, leadExamples...)
		for _, lit := range l.lits {
			pieces = append(pieces, string(lit))
		}
		rapid.Check(t, func(t *rapid.T) {
			var b strings.Builder
			for range rapid.IntRange(0, 30).Draw(t, "n") {
				b.WriteString(rapid.SampledFrom(pieces).Draw(t, "piece"))
				if rapid.Bool().Draw(t, "run") {
					// A run of one alphabet, as the tokens rules look for.
					alpha := rapid.SampledFrom(alphabets).Draw(t, "alphabet")
					n := rapid.SampledFrom([]int{1, 4, 10, 16, 20, 22, 24, 32, 33, 34, 35, 36, 40, 43, 48, 58, 64, 82, 86, 90}).Draw(t, "len")
					b.WriteString(rapid.StringOfN(rapid.SampledFrom([]rune(alpha)), n, n, -1).Draw(t, "chars"))
					b.WriteString(rapid.SampledFrom([]string{"", " ", "\n", "\"", "AA", "."}).Draw(t, "after"))
				}
			}
			region := []byte(b.String())
			if got, want := l.findAll(func() *nkregexp.Regexp { return re }, region), re.FindAllSubmatchIndex(region, -1); !reflect.DeepEqual(got, want) {
				t.Fatalf("%s on %q: lead %v, regex %v", expr, region, got, want)
			}
		})
	}
	if withLead < 30 || matched < withLead/3 {
		t.Fatalf("%d of %d regexes have a lead, %d of them match the made-up tokens: too few to tell", withLead, len(exprs), matched)
	}
	t.Logf("%d of %d regexes have a lead, %d match the made-up tokens", withLead, len(exprs), matched)
	for _, expr := range []string{`[a-z]{2}-AA`, `(?i)secret=[a-z]+`, `^line-[a-z]+`} {
		if newLead(expr) != nil {
			t.Errorf("%s has a lead; none of its matches must start with a literal", expr)
		}
	}
}
