package main

import (
	"bytes"
	"testing"

	"github.com/noxkey/noxkey/internal/testio"
)

// TestMoveInTakesSocketsWhole checks that the kernel path, not the read
// fallback, takes a socket pair's payload (what Claude Code gives a hook),
// and that the mapped copy can be written (the answer code may edit it).
func TestMoveInTakesSocketsWhole(t *testing.T) {
	data := bytes.Repeat([]byte(`{"k":"v"} `), 30<<10)
	w, stdin := testio.Pair(t)
	go func() { w.Write(data); w.Close() }()
	b, rest, err := moveIn(stdin, len(data)+1)
	if err != nil || rest || !bytes.Equal(b, data) {
		t.Fatalf("moveIn: %d bytes, rest %v, %v; want all %d bytes in the kernel path", len(b), rest, err, len(data))
	}
	b[0] = '[' // a private mapping: writable, and the write stays ours
}
