package scrub

import (
	"bufio"
	"crypto/rand"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/noxkey/noxkey/guard"
)

// history writes a synthetic Claude Code-like transcript of about size
// bytes: JSON lines of tool output (prose, code, logs), with one of the
// secrets in one line in a thousand.
func history(tb testing.TB, path string, size int, secrets []guard.Secret) {
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	r := mrand.New(mrand.NewPCG(1, 2))
	words := []string{"func", "return", "error", "the", "index", "if err != nil {", "2026-12-07T01:12:00Z", "INFO", "request", "GET /api/v1/items", "200", "ms", "user", "config", "path/to/file.go:42", "=>", "{", "}", "null", "true"}
	n := 0
	for i := 0; n < size; i++ {
		text := make([]byte, 0, 1024)
		for len(text) < 200+r.IntN(1500) {
			text = append(append(text, words[r.IntN(len(words))]...), ' ')
		}
		if i%1000 == 999 {
			text = append(append(text, "key="...), secrets[r.IntN(len(secrets))].Value...)
		}
		line, _ := json.Marshal(map[string]any{"type": "user", "uuid": strconv.Itoa(i), "message": map[string]any{"content": []any{map[string]any{"type": "tool_result", "content": string(text)}}}})
		line = append(line, '\n')
		w.Write(line)
		n += len(line)
	}
	w.Flush()
	f.Close()
	then := time.Now().Add(-time.Minute)
	os.Chtimes(path, then, then)
}

// BenchmarkScrub scans (dry run) and rewrites a synthetic transcript with
// 1,000 secrets in the index; NOXKEY_BENCH_SCRUB_MB sets its size (64 by
// default; 1024 for the 1 GB figure).
func BenchmarkScrub(b *testing.B) {
	mb := 64
	if v, err := strconv.Atoi(os.Getenv("NOXKEY_BENCH_SCRUB_MB")); err == nil {
		mb = v
	}
	secrets := make([]guard.Secret, 1000)
	for i := range secrets {
		secrets[i] = guard.Secret{Name: fmt.Sprintf("org/p/KEY_%d", i), Value: []byte(fmt.Sprintf("sk_live_%08d_%s", i, rand.Text()[:20]))}
	}
	key := make([]byte, 32)
	rand.Read(key)
	ix, _, err := guard.Build(secrets, key, guard.Options{})
	if err != nil {
		b.Fatal(err)
	}
	g := &guard.Guard{Index: ix, Placeholder: guard.DefaultPlaceholder}
	dir := b.TempDir()
	src := filepath.Join(dir, "history.jsonl")
	history(b, src, mb<<20, secrets)
	fi, _ := os.Stat(src)
	for _, dry := range []bool{true, false} {
		name := "rewrite"
		if dry {
			name = "dry-run"
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(fi.Size())
			for b.Loop() {
				p := src
				if !dry {
					b.StopTimer()
					p = filepath.Join(dir, "copy.jsonl")
					copyFile(b, src, p)
					b.StartTimer()
				}
				r := File(g, p, Options{DryRun: dry})
				if r.Err != nil || len(r.Findings) == 0 || r.Redacted == dry {
					b.Fatalf("%+v", r.Err)
				}
			}
		})
	}
}

func copyFile(tb testing.TB, src, dst string) {
	b, err := os.ReadFile(src)
	if err != nil {
		tb.Fatal(err)
	}
	os.WriteFile(dst, b, 0o600)
	then := time.Now().Add(-time.Minute)
	os.Chtimes(dst, then, then)
}
