// Package benchdata makes the deterministic inputs of the guard's
// benchmarks (clean tool output and provider-like secrets), shared by the
// guard's own benchmarks and the matcher comparison in bench/matchers.
package benchdata

import (
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"strings"
)

// Corpus returns n bytes of clean, realistic tool output, the same every
// time: log lines, minified JavaScript, base64 blobs and lockfile JSON.
func Corpus(n int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	b.Grow(n + 4096)
	words := strings.Fields("request handler user session cache miss hit token expired retry upstream " +
		"connect timeout GET POST /api/v1/items /healthz latency_ms status bytes worker shard replica " +
		"function return const let var import export default async await promise resolve reject")
	word := func() string { return words[r.IntN(len(words))] }
	blob := make([]byte, 3000)
	for b.Len() < n {
		switch r.IntN(4) {
		case 0: // log lines
			for i := 0; i < 20; i++ {
				fmt.Fprintf(&b, "2026-11-28T18:%02d:%02d.%03dZ INFO %s %s id=%08x %s=%d %s\n",
					r.IntN(60), r.IntN(60), r.IntN(1000), word(), word(), r.Uint32(), word(), r.IntN(100000), word())
			}
		case 1: // minified JS
			for i := 0; i < 40; i++ {
				fmt.Fprintf(&b, "function %s%d(e,t){return e.%s(t)||%d}var %s=%s(%q);", word(), i, word(), r.IntN(999), word(), word(), word())
			}
			b.WriteByte('\n')
		case 2: // base64 blob, wrapped at 76 like MIME
			for i := range blob {
				blob[i] = byte(r.Uint32())
			}
			s := base64.StdEncoding.EncodeToString(blob)
			for i := 0; i < len(s); i += 76 {
				b.WriteString(s[i:min(i+76, len(s))])
				b.WriteByte('\n')
			}
		case 3: // lockfile
			for i := 0; i < 15; i++ {
				fmt.Fprintf(&b, "    \"node_modules/%s-%s\": {\n      \"version\": \"%d.%d.%d\",\n      \"resolved\": \"https://registry.npmjs.org/%s/-/%s-%d.tgz\",\n      \"integrity\": \"sha512-%s\"\n    },\n",
					word(), word(), r.IntN(20), r.IntN(50), r.IntN(100), word(), word(), r.IntN(9), base64.StdEncoding.EncodeToString(blob[:64]))
			}
		}
	}
	return []byte(b.String()[:n])
}

// Secret is a named value.
type Secret struct {
	Name  string
	Value []byte
}

// Secrets returns n distinct provider-like secrets, the same every time.
func Secrets(n int) []Secret {
	r := rand.New(rand.NewPCG(3, 4))
	const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	prefixes := []string{"sk_live_", "ghp_", "xoxb-", "AKIA", "glpat-", "sk-ant-api03-", ""}
	out := make([]Secret, n)
	for i := range out {
		v := []byte(prefixes[i%len(prefixes)])
		for l := 24 + r.IntN(24); l > 0; l-- {
			v = append(v, alnum[r.IntN(len(alnum))])
		}
		out[i] = Secret{fmt.Sprintf("org/proj%d/KEY_%d", i%50, i), v}
	}
	return out
}

// Base64 returns about n bytes of base64 text of random data wrapped at 76
// columns, as base64(1) writes it, the same every time.
func Base64(n int) []byte {
	r := rand.New(rand.NewPCG(3, 4))
	raw := make([]byte, n/77*57)
	for i := range raw {
		raw[i] = byte(r.Uint32())
	}
	s := base64.StdEncoding.EncodeToString(raw)
	out := make([]byte, 0, n)
	for i := 0; i < len(s); i += 76 {
		out = append(append(out, s[i:min(i+76, len(s))]...), '\n')
	}
	return out
}

// Logs returns n bytes of log lines with no encoded run.
func Logs(n int) []byte {
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "2026-11-28T18:00:%02d.%03dZ INFO request id=%08x path=/api/v1/items/%d status=200 latency_ms=%d\n", i%60, i%1000, uint32(i*2654435761), i, i%97)
	}
	return []byte(b.String()[:n])
}
