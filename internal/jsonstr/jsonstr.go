// Package jsonstr decodes JSON string literals into byte slices the
// caller can wipe: encoding/json makes Go strings of them, which stay in
// memory until the garbage collector reuses it. The vault and the guard's
// structured-secret reader use it for values.
package jsonstr

import (
	"unicode/utf16"
	"unicode/utf8"
)

// AppendUnquote appends the decoded content of the JSON string literal
// lit (quotes included) to dst, growing it at most once (to room for
// lit), so no partial copy is left behind. It reports false for a literal
// that is not well formed.
func AppendUnquote(dst, lit []byte) ([]byte, bool) {
	if len(lit) < 2 || lit[0] != '"' || lit[len(lit)-1] != '"' {
		return dst, false
	}
	if cap(dst)-len(dst) < len(lit) {
		grown := make([]byte, len(dst), len(dst)+len(lit))
		copy(grown, dst)
		clear(dst)
		dst = grown
	}
	b := lit[1 : len(lit)-1]
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '\\' {
			dst = append(dst, c)
			continue
		}
		if i++; i >= len(b) {
			return dst, false
		}
		switch b[i] {
		case '"', '\\', '/':
			dst = append(dst, b[i])
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r, ok := Hex(b[i+1:], 4)
			if !ok {
				return dst, false
			}
			i += 4
			if utf16.IsSurrogate(r) {
				r2, ok := rune(0), false
				if i+2 < len(b) && b[i+1] == '\\' && b[i+2] == 'u' {
					r2, ok = Hex(b[i+3:], 4)
				}
				if d := utf16.DecodeRune(r, r2); ok && d != utf8.RuneError {
					r, i = d, i+6
				} else {
					r = utf8.RuneError
				}
			}
			dst = utf8.AppendRune(dst, r)
		default:
			return dst, false
		}
	}
	return dst, true
}

// Hex reads digits hex digits (either case) at the start of b, as the
// \uXXXX of JSON, Go and Python and the \UXXXXXXXX of C and bash spell
// a code point.
func Hex(b []byte, digits int) (rune, bool) {
	if len(b) < digits {
		return 0, false
	}
	var r rune
	for _, c := range b[:digits] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}
