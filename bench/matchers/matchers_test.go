// Package matchers compares the two Aho-Corasick libraries the design
// set aside with the guard's own window table (guard's
// BenchmarkMatchers/window-table and BenchmarkKeywords/keywordSet, run in
// ./guard): a module of its own, so the product's go.mod lists only what
// the product uses. Run both and compare with benchstat:
//
//	go test -run '^$' -bench 'Matchers|Keywords' ./guard > guard.txt
//	(cd bench/matchers && go test -run '^$' -bench . > ac.txt)
package matchers

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	cfac "github.com/cloudflare/ahocorasick"
	"github.com/noxkey/noxkey/configs"
	"github.com/noxkey/noxkey/guard"
	"github.com/noxkey/noxkey/internal/benchdata"
	pdac "github.com/petar-dambovaliev/aho-corasick"
)

var benchSizes = []int{10, 100, 1000, 10000}

// windowPatterns returns the plaintext windows the guard's index of secs
// looks for: every form's first S windows of W bytes, with W and S chosen
// as guard.Build chooses them (W = min(8, shortest form), S = min(8,
// shortest form - W + 1)).
func windowPatterns(secs []benchdata.Secret) [][]byte {
	minLen := 0
	var forms [][]guard.Form
	for _, s := range secs {
		fs := guard.Forms(s.Value, 6)
		forms = append(forms, fs)
		for _, f := range fs {
			if f.Base < 0 && (minLen == 0 || len(f.Text) < minLen) {
				minLen = len(f.Text)
			}
		}
	}
	w := min(8, max(minLen, 1))
	step := min(8, max(1, minLen-w+1))
	var pats [][]byte
	for _, fs := range forms {
		for _, f := range fs {
			for o := 0; o < step; o++ {
				pats = append(pats, f.Text[o:o+w])
			}
		}
	}
	return pats
}

// BenchmarkMatchers runs each library over the same 16 MB clean corpus
// with the guard's windows as patterns. cloudflare/ahocorasick reports
// which patterns occur but not where, so it could not drive redaction;
// petar-dambovaliev/aho-corasick reports positions and overlaps.
func BenchmarkMatchers(b *testing.B) {
	text := benchdata.Corpus(16 << 20)
	for _, n := range benchSizes {
		pats := windowPatterns(benchdata.Secrets(n))
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
	}
}

// BenchmarkMatcherBuild measures building each library's matcher over the
// windows of n secrets (the hook would pay it on every call unless stored).
func BenchmarkMatcherBuild(b *testing.B) {
	for _, n := range []int{100, 1000} {
		pats := windowPatterns(benchdata.Secrets(n))
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

// BenchmarkKeywords runs petar-dambovaliev/aho-corasick over the default
// rules' keywords, as the guard's keyword prefilter runs once per hook
// call: build and scan of 100 KB, and scan of 16 MB.
func BenchmarkKeywords(b *testing.B) {
	toml, _ := configs.FS.ReadFile("rules/default.toml")
	var keywords []string
	for _, m := range regexp.MustCompile(`(?m)^keywords = \[(.*)\]`).FindAllSubmatch(toml, -1) {
		for _, q := range regexp.MustCompile(`"([^"]+)"`).FindAllSubmatch(m[1], -1) {
			keywords = append(keywords, strings.ToLower(string(q[1])))
		}
	}
	text := benchdata.Corpus(16 << 20)
	small := text[:100<<10]
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
