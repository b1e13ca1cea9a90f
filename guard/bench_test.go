package guard

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/noxkey/noxkey/internal/benchdata"
)

var benchSizes = []int{10, 100, 1000, 10000}

// BenchmarkScan measures Find+Redact over 16 MB of clean realistic text,
// and, in the same run, GNU grep -F -c over the same file with the same
// fingerprint windows as fixed strings. Metrics: MB/s (ours) and
// x-grep (our MB/s divided by grep's).
func BenchmarkScan(b *testing.B) {
	text := corpus(16 << 20)
	dir := b.TempDir()
	corpusFile := filepath.Join(dir, "corpus.txt")
	os.WriteFile(corpusFile, text, 0o600)
	for _, n := range benchSizes {
		secs := testSecrets(n)
		ix := mustBuild(b, secs...)
		b.Run(fmt.Sprintf("secrets=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if out := Redact(text, ix.Find(text), ""); len(out) != len(text) {
					b.Fatal("clean text was changed")
				}
			}
			b.StopTimer()
			ours := float64(len(text)) * float64(b.N) / b.Elapsed().Seconds()
			if g := grepRate(b, dir, corpusFile, secs, ix); g > 0 {
				b.ReportMetric(ours/g, "x-grep")
				b.ReportMetric(g/1e6, "grep-MB/s")
			}
		})
	}
}

// grepRate times LC_ALL=C grep -F -c -f over the corpus with the windows
// the index looks for (taken from the test secrets' forms) as patterns.
func grepRate(b *testing.B, dir, corpusFile string, secs []Secret, ix *Index) float64 {
	grep, err := exec.LookPath("grep")
	if err != nil {
		return 0
	}
	pf := filepath.Join(dir, fmt.Sprintf("patterns-%d.txt", len(secs)))
	os.WriteFile(pf, append(bytes.Join(windowPatterns(secs, ix), []byte("\n")), '\n'), 0o600)
	fi, _ := os.Stat(corpusFile)
	best := time.Duration(1 << 62)
	for i := 0; i < 3; i++ {
		cmd := exec.Command(grep, "-F", "-c", "-f", pf, corpusFile)
		cmd.Env = []string{"LC_ALL=C"}
		start := time.Now()
		cmd.Run() // exit 1 (no match) is the expected outcome on clean text
		best = min(best, time.Since(start))
	}
	return float64(fi.Size()) / best.Seconds()
}

// windowPatterns returns, in plaintext, the windows the index looks for
// (offsets 0..S-1 of every form of the test secrets): what grep and the
// Aho-Corasick libraries are given in the comparisons.
func windowPatterns(secs []Secret, ix *Index) [][]byte {
	var pats [][]byte
	for _, s := range secs {
		for _, f := range Forms(s.Value, 6) {
			for o := 0; o < ix.s; o++ {
				pats = append(pats, f.Text[o:o+ix.w])
			}
		}
	}
	return pats
}

// BenchmarkBuild measures building the index of n secrets.
func BenchmarkBuild(b *testing.B) {
	for _, n := range benchSizes {
		secs := testSecrets(n)
		b.Run(fmt.Sprintf("secrets=%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, _, err := Build(secs, testKey, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLoad measures mapping and checking an index file.
func BenchmarkLoad(b *testing.B) {
	for _, n := range benchSizes {
		p := writeIndex(b, testSecrets(n)...)
		b.Run(fmt.Sprintf("secrets=%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				ix, err := Load(p, testKeys)
				if err != nil {
					b.Fatal(err)
				}
				ix.Close()
			}
		})
	}
}

// BenchmarkStages times each pass of a scan over 16 MB on its own, on one
// goroutine (a stream's segments run these on every CPU): the direct
// index scan, FindAll (index and decoders), the decoders' searches with
// nothing found by them scanned, and the rules' keyword scan; on
// realistic tool output, base64 text (wrapped at 76) and logs, with 1,000
// and 10,000 secrets. docs/performance.md keeps what it measured.
func BenchmarkStages(b *testing.B) {
	inputs := []struct {
		name string
		text []byte
	}{{"realistic", corpus(16 << 20)}, {"base64", benchdata.Base64(16 << 20)}, {"logs", benchdata.Logs(16 << 20)}}
	kw := newKeywordSet(defaultKeywords())
	for _, n := range []int{1000, 10000} {
		ix := mustBuild(b, testSecrets(n)...)
		minRun := ix.minDecodeRun()
		var s decodeScratch
		v := &s.views[0]
		nothing := func(*view) {}
		for _, in := range inputs {
			text := in.text
			for _, st := range []struct {
				name string
				run  func()
			}{
				{"index", func() { ix.Find(text) }},
				{"all", func() { ix.FindAll(text) }},
				{"base-runs", func() { eachBaseRun(text, minRun, v, &s.runs[0], nothing) }},
				{"dumps", func() { eachHexDump(text, 2*minRun, v, nothing) }},
				{"char-dumps", func() { eachCharDump(text, minRun, v, nothing) }},
				{"utf16", func() { eachUTF16(text, minRun, v, nothing) }},
				{"escape-sites", func() { escapeRegions(text, ix.maxLen) }},
				{"keywords", func() { kw.each(text, func(int, int, int) {}) }},
			} {
				b.Run(fmt.Sprintf("%s/secrets=%d/%s", in.name, n, st.name), func(b *testing.B) {
					b.SetBytes(int64(len(text)))
					for i := 0; i < b.N; i++ {
						st.run()
					}
				})
			}
		}
	}
}
