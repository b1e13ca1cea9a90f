package guard

// Lists of byte values written in decimal, as programs print a byte
// array: Python's list(b), Go's []byte with fmt ([115 107 95]), Java's
// Arrays.toString (signed: -61 for 0xC3), JavaScript's Uint8Array over
// lines, a Node Buffer as JSON; and the 16-bit words of od -d and
// hexdump -d. Every byte of such a list is in dumpClass, so eachHexDump's
// sampler finds their lines too and hands the lines it read to
// decimalListsIn.

// decimalListsIn reads the lists of numbers that start in text[lo:hi]
// and returns where reading may go on.
func decimalListsIn(text []byte, lo, hi, minBytes int, v *view, found func(*view)) int {
	i, words := lo, lo // words: where the last run of od -d words ended
	for i < hi {
		// A list starts at a number that does not go on a word: after a
		// bracket, a separator or the start of a line.
		if !listStart(text, i) {
			i++
			continue
		}
		// A line of od -d or hexdump -d, not read as words already: its
		// words, and then (od -tu1 has the same offsets) its numbers as
		// bytes.
		if p := wordLineStart(text, i); p >= 0 && i >= words {
			v.reset()
			if words = decimalWordRun(text, p, v); words > hi {
				hi = lineEnd(text, words)
			}
			if len(v.b) >= minBytes {
				found(v)
			}
		}
		v.reset()
		end := decimalRun(text, i, v)
		if len(v.b) >= minBytes {
			found(v)
		}
		i = max(end, i+1)
		if i > hi {
			hi = lineEnd(text, min(i, len(text)))
		}
	}
	return min(hi+1, len(text))
}

// listStart reports whether a number starts at text[i] that is not part
// of a word (id=9e3779b1, v1.2).
func listStart(text []byte, i int) bool {
	c := text[i]
	if !(c >= '0' && c <= '9' || c == '-' && i+1 < len(text) && text[i+1] >= '0' && text[i+1] <= '9') {
		return false
	}
	if i == 0 {
		return true
	}
	p := text[i-1]
	return p == '[' || p == '{' || p == '(' || p == ' ' || p == ',' || p == '\t' || p == '\n'
}

// decimalRun reads the numbers from text[i] on, each a byte (0 to 255, or
// -128 to -1 for a signed byte), separated by commas, spaces, tabs or a
// line break and indentation, into v, and returns where the run ends: at
// the first thing that is not such a number and separator.
func decimalRun(text []byte, i int, v *view) int {
	for i < len(text) {
		start := i
		neg := text[i] == '-'
		if neg {
			i++
		}
		n, d := 0, 0
		for i < len(text) && text[i] >= '0' && text[i] <= '9' && d < 4 {
			n = n*10 + int(text[i]-'0')
			i++
			d++
		}
		if d == 0 || d > 3 || neg && (n == 0 || n > 128) || !neg && n > 255 {
			return start
		}
		// A number ends at a separator, a closing bracket or the end.
		if i < len(text) && !isListSep(text[i]) && text[i] != ']' && text[i] != '}' && text[i] != ')' {
			return start
		}
		if neg {
			n = 256 - n
		}
		v.add(byte(n), start, i)
		// The separators, over a line break too.
		j := i
		for j < len(text) && isListSep(text[j]) {
			j++
		}
		if j == i || j == len(text) || !(text[j] >= '0' && text[j] <= '9' || text[j] == '-') {
			return i
		}
		i = j
	}
	return i
}

func isListSep(c byte) bool {
	return c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r'
}

// wordLineStart returns where the first word of an od -d or hexdump -d
// line starting at text[i] begins, or -1: an offset of seven digits
// (octal or hex) at the start of a line or after a space (the first line
// may follow other output), then a decimal number in a field of five
// characters after a space (od -d, od -tu2) or of five digits after
// three (hexdump -d). od -tu1's bytes, three characters wide after the
// same offsets, are lists of bytes, not words.
func wordLineStart(text []byte, i int) int {
	if i > 0 && text[i-1] != '\n' && text[i-1] != ' ' {
		return -1
	}
	k := i
	for k < len(text) && k-i < 8 && isHex(text[k]) {
		k++
	}
	if k-i != 7 || k >= len(text) || text[k] != ' ' {
		return -1
	}
	off := k
	for k < len(text) && text[k] == ' ' {
		k++
	}
	p := k
	for k < len(text) && text[k] >= '0' && text[k] <= '9' {
		k++
	}
	if p == k || k-off != 6 && !(k-off == 8 && k-p == 5) {
		return -1
	}
	return p
}

// decimalWordRun reads the 16-bit words of od -d or hexdump -d from
// text[i] on (numbers up to 65535, padded with spaces or zeros to five
// digits, each two bytes little-endian, both mapped to the number's
// text), over lines that start with an offset, into v, and returns where
// the run ends.
func decimalWordRun(text []byte, i int, v *view) int {
	for i < len(text) {
		start := i
		n, d := 0, 0
		for i < len(text) && text[i] >= '0' && text[i] <= '9' && d < 6 {
			n = n*10 + int(text[i]-'0')
			i++
			d++
		}
		if d == 0 || d > 5 || n > 0xFFFF || i < len(text) && text[i] != ' ' && text[i] != '\n' && text[i] != '\r' {
			return start
		}
		v.add(byte(n), start, i)
		v.add(byte(n>>8), start, i)
		j := i
		for j < len(text) && text[j] == ' ' {
			j++
		}
		if j < len(text) && text[j] == '\r' {
			j++
		}
		if j < len(text) && text[j] == '\n' {
			p := wordLineStart(text, j+1)
			if p < 0 {
				return i
			}
			j = p
		}
		if j == len(text) || j == i || text[j] < '0' || text[j] > '9' {
			return i
		}
		i = j
	}
	return i
}
