package hooks

import (
	"encoding/binary"
	"unicode/utf8"
)

// jsonScan reads JSON (RFC 8259) in place for ReadClaudeStrings: where
// each string literal and number lies, and whether the text is valid,
// with strings valid UTF-8 and escapes well formed (surrogates in pairs).
// It is as strict as jsontext's defaults but for duplicate names inside
// nested objects, which it does not look for: every string is scanned
// anyway. It reads a long string 8 bytes at a time, where jsontext reads
// a byte at a time; a hook call's payload is mostly one long string.
type jsonScan struct {
	b     []byte
	i     int
	spans []span
}

// maxJSONDepth is jsontext's default nesting limit.
const maxJSONDepth = 10000

func (s *jsonScan) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// peek is the next byte after white space, or 0 at the end.
func (s *jsonScan) peek() byte {
	s.ws()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

// plain reports whether none of the 8 bytes of x ends a run of string
// characters that need no check: a quote, a backslash, a control
// character or a byte of a multi-byte character.
func plain(x uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	q, bs := x^(ones*'"'), x^(ones*'\\')
	return ((x-ones*0x20)&^x|(q-ones)&^q|(bs-ones)&^bs|x)&highs == 0
}

// str reads the string literal at s.i and records it.
func (s *jsonScan) str() bool {
	b, i := s.b, s.i
	if i >= len(b) || b[i] != '"' {
		return false
	}
	start := i
	for i++; ; {
		for i+8 <= len(b) && plain(binary.LittleEndian.Uint64(b[i:])) {
			i += 8
		}
		if i >= len(b) {
			return false
		}
		switch c := b[i]; {
		case c == '"':
			s.spans = append(s.spans, span{start, i + 1})
			s.i = i + 1
			return true
		case c == '\\':
			n := escapeLen(b[i:])
			if n == 0 {
				return false
			}
			i += n
		case c < 0x20:
			return false
		case c < utf8.RuneSelf:
			i++
		default:
			r, n := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && n <= 1 {
				return false
			}
			i += n
		}
	}
}

// escapeLen is the length of the escape at the start of b, or 0 if it is
// not one: \" \\ \/ \b \f \n \r \t, or \uXXXX, a surrogate only as the
// first of a pair.
func escapeLen(b []byte) int {
	if len(b) < 2 {
		return 0
	}
	switch b[1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return 2
	case 'u':
		r, ok := hex4(b[2:])
		switch {
		case !ok:
			return 0
		case r >= 0xDC00 && r <= 0xDFFF:
			return 0 // the second of a pair, alone
		case r >= 0xD800 && r <= 0xDBFF:
			if len(b) < 12 || b[6] != '\\' || b[7] != 'u' {
				return 0
			}
			if lo, ok := hex4(b[8:]); !ok || lo < 0xDC00 || lo > 0xDFFF {
				return 0
			}
			return 12
		}
		return 6
	}
	return 0
}

// hex4 reads four hex digits.
func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// num reads the number at s.i and records it.
func (s *jsonScan) num() bool {
	b, i := s.b, s.i
	start := i
	digits := func() bool {
		j := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return i > j
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case !digits():
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if !digits() {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if !digits() {
			return false
		}
	}
	s.spans = append(s.spans, span{start, i})
	s.i = i
	return true
}

// literal reads true, false or null at s.i.
func (s *jsonScan) literal() bool {
	for _, w := range [3]string{"true", "false", "null"} {
		if len(s.b)-s.i >= len(w) && string(s.b[s.i:s.i+len(w)]) == w {
			s.i += len(w)
			return true
		}
	}
	return false
}

// name reads an object member's name, recorded like any string, and its
// colon.
func (s *jsonScan) name() bool {
	if s.peek() != '"' || !s.str() || s.peek() != ':' {
		return false
	}
	s.i++
	return true
}

// value reads one value, recording each string and number in it. It
// keeps its open objects and arrays in a list, not on the call stack.
func (s *jsonScan) value() bool {
	var open []byte // '{' or '[' for each open container
	for {
		// A value.
		switch c := s.peek(); {
		case c == '{' || c == '[':
			if len(open) == maxJSONDepth {
				return false
			}
			s.i++
			if end := s.peek(); c == '{' && end == '}' || c == '[' && end == ']' {
				s.i++
				break // an empty one: a whole value
			}
			open = append(open, c)
			if c == '{' && !s.name() {
				return false
			}
			continue
		case c == '"':
			if !s.str() {
				return false
			}
		case c == '-' || c >= '0' && c <= '9':
			if !s.num() {
				return false
			}
		case c == 't' || c == 'f' || c == 'n':
			if !s.literal() {
				return false
			}
		default:
			return false
		}
		// After a value: close what it ends, or go on to the next.
		for {
			if len(open) == 0 {
				return true
			}
			top := open[len(open)-1]
			c := s.peek()
			if c == ',' {
				s.i++
				if top == '{' && !s.name() {
					return false
				}
				break
			}
			if top == '{' && c != '}' || top == '[' && c != ']' {
				return false
			}
			s.i++
			open = open[:len(open)-1]
		}
	}
}
