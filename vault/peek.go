package vault

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/noxkey/noxkey/guard/parts"
)

// Peek renders `sk_live_… (107 chars, mac:1a2b3c4d)`: at most a quarter
// of the value's characters and never more than 8, its length, and 32 bits
// of a keyed checksum under a key derived from the vault's index key. The
// checksum tells values apart, and matches across machines that share the
// vault, but without the vault's key it cannot be used to test guesses.
func Peek(v, indexKey []byte) string {
	n := utf8.RuneCount(v)
	unit := "chars"
	if !utf8.Valid(v) {
		n, unit = len(v), "bytes"
	}
	show := min(8, n/4)
	var head []byte
	for i, k := 0, 0; k < show && i < len(v); k++ {
		_, size := utf8.DecodeRune(v[i:])
		if unit == "bytes" {
			size = 1
		}
		head = append(head, v[i:i+size]...)
		i += size
	}
	h := string(head)
	if q := strconv.Quote(h); q[1:len(q)-1] != h {
		h = q // control characters or invalid UTF-8: show them escaped
	}
	counted := ""
	if np := parts.Count(v); np > 0 {
		counted = fmt.Sprintf(", %d parts", np)
	}
	return fmt.Sprintf("%s… (%d %s, mac:%s%s)", h, n, unit, peekMAC(v, indexKey), counted)
}

// peekMAC is 8 hex digits of HMAC-SHA256(value) under the peek key.
func peekMAC(v, indexKey []byte) string {
	key, err := hkdf.Key(sha256.New, indexKey, nil, "noxkey peek v1", 32)
	if err != nil {
		return "none"
	}
	defer clear(key)
	m := hmac.New(sha256.New, key)
	m.Write(v)
	return hex.EncodeToString(m.Sum(nil)[:4])
}
