package vault

import (
	"errors"
	"unicode/utf16"
	"unicode/utf8"
)

// text is a value held as a JSON string in the vault document. It is
// decoded into bytes the vault can wipe, where a Go string (what
// encoding/json makes of a JSON string) would stay in memory until the
// garbage collector reuses it.
type text []byte

var errText = errors.New("vault: a value is not a JSON string")

// UnmarshalJSON decodes a JSON string (encoding/json has checked its
// syntax) into t, with one allocation of at most the encoded size.
func (t *text) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*t = nil
		return nil
	}
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return errText
	}
	b = b[1 : len(b)-1]
	out := make(text, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		if i++; i >= len(b) {
			return errText
		}
		switch b[i] {
		case '"', '\\', '/':
			out = append(out, b[i])
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := hex4(b[i+1:])
			if !ok {
				return errText
			}
			i += 4
			if utf16.IsSurrogate(r) {
				r2, ok := rune(0), false
				if i+2 < len(b) && b[i+1] == '\\' && b[i+2] == 'u' {
					r2, ok = hex4(b[i+3:])
				}
				if d := utf16.DecodeRune(r, r2); ok && d != utf8.RuneError {
					r, i = d, i+6
				} else {
					r = utf8.RuneError
				}
			}
			out = utf8.AppendRune(out, r)
		default:
			return errText
		}
	}
	*t = out
	return nil
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
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

// MarshalJSON encodes t as encoding/json encodes the same string.
func (t text) MarshalJSON() ([]byte, error) {
	return t.appendJSON(make([]byte, 0, 6*len(t)+2)), nil
}

// appendJSON appends t as encoding/json encodes a string of valid UTF-8:
// quotes and backslashes escaped, \b \f \n \r \t, other controls and
// <, >, & as \u00XX, and U+2028, U+2029 as \u2028, \u2029.
func (t text) appendJSON(out []byte) []byte {
	const hexDigits = "0123456789abcdef"
	out = append(out, '"')
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case c == '"' || c == '\\':
			out = append(out, '\\', c)
		case c == '\b':
			out = append(out, '\\', 'b')
		case c == '\f':
			out = append(out, '\\', 'f')
		case c == '\n':
			out = append(out, '\\', 'n')
		case c == '\r':
			out = append(out, '\\', 'r')
		case c == '\t':
			out = append(out, '\\', 't')
		case c < 0x20 || c == '<' || c == '>' || c == '&':
			out = append(out, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
		case c == 0xE2 && i+2 < len(t) && t[i+1] == 0x80 && (t[i+2] == 0xA8 || t[i+2] == 0xA9):
			out = append(out, '\\', 'u', '2', '0', '2', hexDigits[t[i+2]&15])
			i += 2
		default:
			out = append(out, c)
		}
	}
	return append(out, '"')
}
