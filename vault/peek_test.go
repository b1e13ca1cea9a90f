package vault

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

// TestPeekShowsAQuarterAtMostAndAKeyedChecksum: an 8-character password
// shows 2 characters, a long key 8; the checksum depends on the vault's key
// (same key, same checksum: vaults shared between machines agree) and is
// not the bare SHA-256 a guess could be checked against.
func TestPeekShowsAQuarterAtMostAndAKeyedChecksum(t *testing.T) {
	k1, k2 := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	cases := []struct{ value, head string }{
		{"hunter22", "hu"},
		{"abc", ""},
		{"0123456789abcdef", "0123"},
		{"sk_live_" + strings.Repeat("x", 100), "sk_live_"},
		{"ääääääää", "ää"},
	}
	for _, c := range cases {
		p := Peek([]byte(c.value), k1)
		if !strings.HasPrefix(p, c.head+"… (") {
			t.Errorf("Peek(%d chars) = %q, want the head %q", len(c.value), p, c.head)
		}
		if p != Peek([]byte(c.value), k1) {
			t.Errorf("Peek is not deterministic under one key")
		}
		if p == Peek([]byte(c.value), k2) {
			t.Errorf("Peek's checksum does not depend on the vault's key")
		}
		sum := sha256.Sum256([]byte(c.value))
		if strings.Contains(p, hex.EncodeToString(sum[:4])) {
			t.Errorf("Peek shows the value's bare SHA-256")
		}
	}
}
