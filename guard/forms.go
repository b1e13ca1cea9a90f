package guard

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// A Form is one way a secret's bytes appear in text.
type Form struct {
	Kind string // e.g. "raw", "base64-std-1-core", "hex", "json-ascii"
	Text []byte
	// Wrappable forms are also found with line breaks (and indentation)
	// inserted anywhere inside, as fold, PEM and YAML block scalars do.
	Wrappable bool
	// Base is the index (in the slice Forms returns) of the shorter form
	// this one extends (a base64 core's end and padded variants), or -1.
	// An extension is checked only where its base matched.
	Base int
}

// Forms returns every distinct form of secret that is at least minLen
// bytes long. The raw form comes first.
func Forms(secret []byte, minLen int) []Form {
	out := make([]Form, 0, 24)
	add := func(kind string, text []byte, wrap bool) int {
		if len(text) < minLen {
			return -1
		}
		for i := range out {
			if bytes.Equal(out[i].Text, text) {
				return -1
			}
		}
		out = append(out, Form{Kind: kind, Text: text, Wrappable: wrap, Base: -1})
		return len(out) - 1
	}
	add("raw", append([]byte(nil), secret...), true)
	for e, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
		for off := 0; off < 3; off++ {
			core, end, padded := base64Forms(enc, secret, off)
			names := &base64Kinds[e][off]
			base := add(names[0], core, true)
			if i := add(names[1], end, true); i >= 0 {
				out[i].Base, base = base, i
			}
			if i := add(names[2], padded, true); i >= 0 {
				out[i].Base = base
			}
		}
	}
	lowerHex := hex.AppendEncode(nil, secret)
	add("hex", lowerHex, false)
	add("HEX", bytes.ToUpper(lowerHex), false)
	// The escaped forms equal the raw one for plain values (most tokens):
	// skip building them then.
	plainURL, plainJSON := true, true
	for _, c := range secret {
		plainURL = plainURL && unreserved(c, rfc3986Unreserved)
		plainJSON = plainJSON && c >= 0x20 && c < utf8.RuneSelf && c != '"' && c != '\\' && c != '/' && c != '<' && c != '>' && c != '&'
	}
	if !plainURL {
		add("percent-plus", percentEncode(secret, rfc3986Unreserved, true), false)
		add("percent-20", percentEncode(secret, rfc3986Unreserved, false), false)
		add("percent-js", percentEncode(secret, jsComponentUnreserved, false), false)
		add("percent-path", percentEncode(secret, pathSegmentUnreserved, false), false)
	}
	if !plainJSON {
		add("json", jsonEscape(secret, false, false), false)
		add("json-slash", jsonEscape(secret, true, false), false)
		add("json-ascii", jsonEscape(secret, false, true), false)
		add("json-slash-ascii", jsonEscape(secret, true, true), false)
		if utf8.Valid(secret) {
			if b, err := json.Marshal(string(secret)); err == nil {
				add("json-go", b[1:len(b)-1], false)
			}
		}
	}
	if bytes.IndexByte(secret, '\'') >= 0 {
		add("shell-single-quote", bytes.ReplaceAll(secret, []byte("'"), []byte(`'\''`)), false)
	}
	if bytes.IndexByte(secret, '\n') >= 0 {
		for _, line := range bytes.Split(secret, []byte("\n")) {
			add("line", append([]byte(nil), bytes.TrimSuffix(line, []byte("\r"))...), false)
		}
	}
	return out
}

// base64Kinds names the base64 forms: [std|url][offset][core|end|padded]
// (a literal: the linker lays it out, no code runs at a hook's start).
var base64Kinds = [2][3][3]string{
	{
		{"base64-std-0-core", "base64-std-0-end", "base64-std-0-padded"},
		{"base64-std-1-core", "base64-std-1-end", "base64-std-1-padded"},
		{"base64-std-2-core", "base64-std-2-end", "base64-std-2-padded"},
	},
	{
		{"base64-url-0-core", "base64-url-0-end", "base64-url-0-padded"},
		{"base64-url-1-core", "base64-url-1-end", "base64-url-1-padded"},
		{"base64-url-2-core", "base64-url-2-end", "base64-url-2-padded"},
	},
}

// base64Forms returns, for secret placed at byte offset off (0, 1 or 2) of
// an encoded stream: core, the characters that depend only on the secret's
// bytes (what appears whatever precedes and follows it); end, core plus the
// final partial character when the secret ends the stream; and padded, end
// with its '=' padding.
func base64Forms(enc *base64.Encoding, secret []byte, off int) (core, end, padded []byte) {
	var buf [256]byte // the stream holds the secret: on the stack when short, and wiped
	stream := append(buf[:off], secret...)
	clear(stream[:off])
	full := enc.AppendEncode(nil, stream)
	clear(stream)
	bits := 8 * len(stream)
	first := (8*off + 5) / 6 // first character whose 6 bits all come from the secret
	last := bits / 6         // characters [first, last) are complete and secret-only
	if last <= first {
		return nil, nil, nil
	}
	core = full[first:last]
	unpadded := bytes.TrimRight(full, "=")
	end = unpadded[first:]
	padded = full[first:]
	return core, end, padded
}

// The characters percent-encoders leave as they are, beyond ASCII letters
// and digits (strings, not tables: a package-level table is built at every
// hook start, and only Build uses these).
const (
	rfc3986Unreserved     = "-_.~"
	jsComponentUnreserved = "-_.~!'()*"
	// what Go's url.PathEscape leaves as it is (tested against it)
	pathSegmentUnreserved = "-_.~$&+,:;=@"
)

// unreserved reports whether c is an ASCII letter or digit or in extra.
func unreserved(c byte, extra string) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(extra, c) >= 0
}

func percentEncode(v []byte, keep string, plusForSpace bool) []byte {
	const hexUpper = "0123456789ABCDEF"
	var b []byte
	for _, c := range v {
		switch {
		case unreserved(c, keep):
			b = append(b, c)
		case c == ' ' && plusForSpace:
			b = append(b, '+')
		default:
			b = append(b, '%', hexUpper[c>>4], hexUpper[c&15])
		}
	}
	return b
}

// jsonEscape escapes v as the inside of a JSON string: minimal escaping,
// optionally '/' as "\/" (PHP) and non-ASCII as \uXXXX (Python's default).
func jsonEscape(v []byte, slash, ascii bool) []byte {
	const hexLower = "0123456789abcdef"
	var b []byte
	u4 := func(r rune) {
		b = append(b, '\\', 'u', hexLower[r>>12&15], hexLower[r>>8&15], hexLower[r>>4&15], hexLower[r&15])
	}
	for i := 0; i < len(v); {
		c := v[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRune(v[i:])
			if !ascii || r == utf8.RuneError && size == 1 {
				b = append(b, v[i:i+size]...)
			} else if r > 0xFFFF {
				r -= 0x10000
				u4(0xD800 + r>>10)
				u4(0xDC00 + r&0x3FF)
			} else {
				u4(r)
			}
			i += size
			continue
		}
		switch c {
		case '"':
			b = append(b, '\\', '"')
		case '\\':
			b = append(b, '\\', '\\')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		case '\b':
			b = append(b, '\\', 'b')
		case '\f':
			b = append(b, '\\', 'f')
		case '/':
			if slash {
				b = append(b, '\\', '/')
			} else {
				b = append(b, '/')
			}
		default:
			if c < 0x20 {
				u4(rune(c))
			} else {
				b = append(b, c)
			}
		}
		i++
	}
	return b
}
