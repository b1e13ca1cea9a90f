package guard

// Lists of byte values written in decimal, as programs print a byte
// array: Python's list(b), Go's []byte with fmt ([115 107 95]), Java's
// Arrays.toString (signed: -61 for 0xC3), JavaScript's Uint8Array over
// lines, a Node Buffer as JSON. Every byte of such a list is in dumpClass,
// so eachHexDump's sampler finds their lines too and hands the lines it
// read to decimalListsIn.

// decimalListsIn reads the lists of numbers that start in text[lo:hi]
// and returns where reading may go on.
func decimalListsIn(text []byte, lo, hi, minBytes int, v *view, found func(*view)) int {
	i := lo
	for i < hi {
		// A list starts at a number that does not go on a word: after a
		// bracket, a separator or the start of a line.
		if !listStart(text, i) {
			i++
			continue
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
