package hooks

import (
	"bytes"
	"errors"
	"io"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/noxkey/noxkey/internal/jsonstr"
)

var errEscape = errors.New("hooks: not a validated JSON string")

// unquoteTo writes the text of lit, a JSON string literal (quotes
// included) that jsontext has validated, to w in runs, holding none of
// it: what jsontext.AppendUnquote appends, for a text too long to copy
// whole. A validated literal has only well-formed escapes and UTF-8, and
// a surrogate half only in a valid pair; anything else is an error, and
// the caller then takes the path that decodes the payload whole.
func unquoteTo(w io.Writer, lit []byte) error {
	if len(lit) < 2 || lit[0] != '"' || lit[len(lit)-1] != '"' {
		return errEscape
	}
	s := lit[1 : len(lit)-1]
	var out [4]byte
	for len(s) > 0 {
		i := bytes.IndexByte(s, '\\')
		if i < 0 {
			_, err := w.Write(s)
			return err
		}
		if i > 0 {
			if _, err := w.Write(s[:i]); err != nil {
				return err
			}
		}
		s = s[i:]
		if len(s) < 2 {
			return errEscape
		}
		n, c := 2, byte(0)
		switch s[1] {
		case '"', '\\', '/':
			c = s[1]
		case 'b':
			c = '\b'
		case 'f':
			c = '\f'
		case 'n':
			c = '\n'
		case 'r':
			c = '\r'
		case 't':
			c = '\t'
		case 'u':
			r, ok := jsonstr.Hex(s[2:], 4)
			n = 6
			if ok && utf16.IsSurrogate(r) {
				var r2 rune
				if len(s) >= 12 && s[6] == '\\' && s[7] == 'u' {
					r2, ok = jsonstr.Hex(s[8:], 4)
				} else {
					ok = false
				}
				r, n = utf16.DecodeRune(r, r2), 12
				ok = ok && r != utf8.RuneError
			}
			if !ok {
				return errEscape
			}
			if _, err := w.Write(utf8.AppendRune(out[:0], r)); err != nil {
				return err
			}
			s = s[n:]
			continue
		default:
			return errEscape
		}
		out[0] = c
		if _, err := w.Write(out[:1]); err != nil {
			return err
		}
		s = s[n:]
	}
	return nil
}
