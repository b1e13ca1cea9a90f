package main

import (
	"bytes"
	"os"
	"testing"

	"github.com/noxkey/noxkey/internal/testio"
)

// TestReadPayload reads payloads of every size class from every kind of
// stdin a hook gets: a pipe (Codex), a socket pair (Node's children:
// Claude Code, Gemini CLI), and a regular file (a shell redirect).
func TestReadPayload(t *testing.T) {
	const limit = 200 << 10
	sizes := []int{0, 1, 4095, 4096, 100 << 10, limit, limit + 1, 3 * limit}
	kinds := map[string]func(t *testing.T, data []byte) *os.File{
		"pipe": func(t *testing.T, data []byte) *os.File {
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			go func() { w.Write(data); w.Close() }()
			return r
		},
		"socket": func(t *testing.T, data []byte) *os.File {
			w, r := testio.Pair(t)
			go func() { w.Write(data); w.Close() }()
			return r
		},
		"file": func(t *testing.T, data []byte) *os.File { return testio.File(t, data) },
	}
	for name, open := range kinds {
		for _, n := range sizes {
			data := make([]byte, n)
			for i := range data {
				data[i] = byte('a' + i*7%26)
			}
			stdin := open(t, data)
			got, err := readPayload(stdin, limit)
			stdin.Close()
			want := data[:min(n, limit+1)]
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("%s, %d bytes: got %d bytes (equal: %v), %v; want %d", name, n, len(got), bytes.Equal(got, want), err, len(want))
			}
		}
	}
}
