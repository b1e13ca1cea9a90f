package vault

import (
	"errors"

	"github.com/noxkey/noxkey/internal/jsonstr"
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
	out, ok := jsonstr.AppendUnquote(nil, b)
	if !ok {
		clear(out)
		return errText
	}
	*t = out
	return nil
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
