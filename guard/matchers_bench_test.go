package guard

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/noxkey/noxkey/configs"
)

// BenchmarkMatchers/window-table and BenchmarkKeywords/keywordSet are this
// package's halves of the comparison with the Aho-Corasick libraries the
// design set aside; the libraries' halves are in bench/matchers (a module
// of its own, so the product's go.mod does not list them), on the same
// corpus, secrets and patterns, with the same benchmark names for benchstat.
func BenchmarkMatchers(b *testing.B) {
	text := corpus(16 << 20)
	for _, n := range benchSizes {
		ix := mustBuild(b, testSecrets(n)...)
		b.Run(fmt.Sprintf("window-table/secrets=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			for i := 0; i < b.N; i++ {
				ix.scan(text, false, func(Match) {})
			}
		})
	}
}

func BenchmarkKeywords(b *testing.B) {
	keywords := defaultKeywords()
	text := corpus(16 << 20)
	small := text[:100<<10]
	b.Run("keywordSet/build+100KB", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			newKeywordSet(keywords).each(small, func(int, int, int) {})
		}
	})
	b.Run("keywordSet/16MB", func(b *testing.B) {
		k := newKeywordSet(keywords)
		b.SetBytes(int64(len(text)))
		for i := 0; i < b.N; i++ {
			k.each(text, func(int, int, int) {})
		}
	})
}

// defaultKeywords are the lowercased keywords of the default rules.
func defaultKeywords() []string {
	toml, _ := configs.FS.ReadFile("rules/default.toml")
	var keywords []string
	for _, m := range regexp.MustCompile(`(?m)^keywords = \[(.*)\]`).FindAllSubmatch(toml, -1) {
		for _, q := range regexp.MustCompile(`"([^"]+)"`).FindAllSubmatch(m[1], -1) {
			keywords = append(keywords, strings.ToLower(string(q[1])))
		}
	}
	return keywords
}
