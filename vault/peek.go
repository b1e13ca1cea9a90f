package vault

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// Peek renders `sk_live_… (107 chars, sha256:1a2b3c4d)`: the first 8
// characters, but never more than half of the value, so a short
// secret is not shown whole.
func Peek(v []byte) string {
	n := utf8.RuneCount(v)
	unit := "chars"
	if !utf8.Valid(v) {
		n, unit = len(v), "bytes"
	}
	show := min(8, n/2)
	var head []byte
	for i, k := 0, 0; k < show && i < len(v); k++ {
		_, size := utf8.DecodeRune(v[i:])
		if unit == "bytes" {
			size = 1
		}
		head = append(head, v[i:i+size]...)
		i += size
	}
	sum := sha256.Sum256(v)
	h := string(head)
	if q := strconv.Quote(h); q[1:len(q)-1] != h {
		h = q // control characters or invalid UTF-8: show them escaped
	}
	return fmt.Sprintf("%s… (%d %s, sha256:%s)", h, n, unit, hex.EncodeToString(sum[:4]))
}
