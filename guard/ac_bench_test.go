package guard

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/noxkey/noxkey/configs"

	cfac "github.com/cloudflare/ahocorasick"
	pdac "github.com/petar-dambovaliev/aho-corasick"
)

// BenchmarkMatchers compares, on the same 16 MB clean corpus and the same
// fingerprint windows, the two Aho-Corasick libraries the design named
// against this package's sampled window table (BenchmarkScan's number
// includes verification, redaction and the wrapped-form pass too).
// cloudflare/ahocorasick reports which patterns occur but not where, so it
// could not drive redaction; petar-dambovaliev/aho-corasick reports
// positions and overlapping matches.
func BenchmarkMatchers(b *testing.B) {
	text := corpus(16 << 20)
	for _, n := range benchSizes {
		secs := testSecrets(n)
		ix := mustBuild(b, secs...)
		pats := windowPatterns(secs, ix)
		b.Run(fmt.Sprintf("cloudflare/secrets=%d", n), func(b *testing.B) {
			if n > 1000 {
				b.Skip("cloudflare/ahocorasick runs out of memory building 760k patterns (it asked for 26 GB)")
			}
			m := cfac.NewMatcher(pats)
			b.SetBytes(int64(len(text)))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				m.Match(text)
			}
		})
		b.Run(fmt.Sprintf("petar-dfa-overlapping/secrets=%d", n), func(b *testing.B) {
			bld := pdac.NewAhoCorasickBuilder(pdac.Opts{MatchKind: pdac.StandardMatch, DFA: true})
			ac := bld.BuildByte(pats)
			b.SetBytes(int64(len(text)))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				it := ac.IterOverlappingByte(text)
				for it.Next() != nil {
				}
			}
		})
		b.Run(fmt.Sprintf("window-table/secrets=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			for i := 0; i < b.N; i++ {
				ix.scan(text, false, func(Match) {})
			}
		})
	}
}

// BenchmarkMatcherBuild compares building each matcher over the windows of
// n secrets (the hook would pay this on every call unless it is stored).
func BenchmarkMatcherBuild(b *testing.B) {
	for _, n := range []int{100, 1000} {
		secs := testSecrets(n)
		ix := mustBuild(b, secs...)
		pats := windowPatterns(secs, ix)
		b.Run(fmt.Sprintf("cloudflare/secrets=%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				cfac.NewMatcher(pats)
			}
		})
		b.Run(fmt.Sprintf("petar-dfa/secrets=%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				bld := pdac.NewAhoCorasickBuilder(pdac.Opts{MatchKind: pdac.StandardMatch, DFA: true})
				bld.BuildByte(pats)
			}
		})
	}
}

// BenchmarkKeywords compares the pattern rules' keyword prefilter, built
// and run once per hook call, with petar-dambovaliev/aho-corasick over the
// default rules' keywords: build and scan of 100 KB (a hook payload), and
// scan of the 16 MB corpus.
func BenchmarkKeywords(b *testing.B) {
	toml, _ := configs.FS.ReadFile("rules/default.toml")
	var keywords []string
	for _, m := range regexp.MustCompile(`(?m)^keywords = \[(.*)\]`).FindAllSubmatch(toml, -1) {
		for _, q := range regexp.MustCompile(`"([^"]+)"`).FindAllSubmatch(m[1], -1) {
			keywords = append(keywords, strings.ToLower(string(q[1])))
		}
	}
	text := corpus(16 << 20)
	small := text[:100<<10]
	b.Run("keywordSet/build+100KB", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			newKeywordSet(keywords).each(small, func(int, int, int) {})
		}
	})
	for _, dfa := range []bool{true, false} {
		b.Run(fmt.Sprintf("petar-dfa=%v/build+100KB", dfa), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				bld := pdac.NewAhoCorasickBuilder(pdac.Opts{AsciiCaseInsensitive: true, MatchKind: pdac.StandardMatch, DFA: dfa})
				it := bld.Build(keywords).IterOverlappingByte(small)
				for it.Next() != nil {
				}
			}
		})
	}
	b.Run("keywordSet/16MB", func(b *testing.B) {
		k := newKeywordSet(keywords)
		b.SetBytes(int64(len(text)))
		for i := 0; i < b.N; i++ {
			k.each(text, func(int, int, int) {})
		}
	})
	b.Run("petar-dfa/16MB", func(b *testing.B) {
		bld := pdac.NewAhoCorasickBuilder(pdac.Opts{AsciiCaseInsensitive: true, MatchKind: pdac.StandardMatch, DFA: true})
		ac := bld.Build(keywords)
		b.SetBytes(int64(len(text)))
		for i := 0; i < b.N; i++ {
			it := ac.IterOverlappingByte(text)
			for it.Next() != nil {
			}
		}
	})
}
