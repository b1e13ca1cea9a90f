package guard

import (
	"bytes"
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"math/bits"
	"slices"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/noxkey/noxkey/internal/jsonstr"
)

// Decoded views. The forms that are fixed transforms of a value are in
// the index; text that a program encoded in some other way is decoded here
// and scanned with the same index: backslash escapes of every language,
// HTML and XML entities, percent-escapes, doubled quotes, ANSI colour codes
// (the escape view), hex and byte dumps, base64, base32 and UTF-16. A hit
// maps back to the smallest span of the original text that covers it.
// Views nest to depth 2 (base64 of JSON whose field is base64; JSON inside
// a JSON string). A decoder looks only where its input is: a text with no
// escape, no long base64 or hex run and no NUL is not decoded at all.

// view is decoded text with, for every decoded byte, the span of the text
// it came from.
type view struct {
	b          []byte
	start, end []int32
	// span, when set, maps decoded byte k to its text instead of start
	// and end (base64 and base32, whose groups map by arithmetic).
	span func(k int) (start, end int)
	tail bool // a dump with a character column: a hit covers its line to the end
	flat bool // not decoded further (joined base64 characters)
}

// spanOf is the text that decoded byte k came from.
func (v *view) spanOf(k int) (int, int) {
	if v.span != nil {
		return v.span(k)
	}
	return int(v.start[k]), int(v.end[k])
}

func (v *view) add(c byte, start, end int) {
	v.b = append(v.b, c)
	v.start = append(v.start, int32(start))
	v.end = append(v.end, int32(end))
}

// addRune adds r, UTF-8 encoded, every byte from text[start:end].
func (v *view) addRune(r rune, start, end int) {
	var enc [utf8.UTFMax]byte
	for _, b := range enc[:utf8.EncodeRune(enc[:], r)] {
		v.add(b, start, end)
	}
}

// grow makes room for n more decoded bytes.
func (v *view) grow(n int) {
	v.b = slices.Grow(v.b, n)
	v.start = slices.Grow(v.start, n)
	v.end = slices.Grow(v.end, n)
}

func (v *view) reset() {
	v.b, v.start, v.end, v.span, v.tail, v.flat = v.b[:0], v.start[:0], v.end[:0], nil, false, false
}

// decodeDepth is how many views deep findDecoded looks.
const decodeDepth = 2

// minDecodeRun is the shortest encoded run a decoder decodes: runs
// shorter than this cannot hold the shortest registered secret.
func (ix *Index) minDecodeRun() int { return max(ix.w, 6) }

// findDecoded returns the matches of every decoded view of text, mapped
// back to text, and appends to skip the spans of text inside the blocks
// scanned as their characters joined (joined): the direct scan need not
// read them again.
func (ix *Index) findDecoded(text []byte, depth int, skip *[][2]int) []Match {
	if ix == nil || len(ix.forms) == 0 || depth == 0 || len(text) < ix.w {
		return nil
	}
	var s *decodeScratch
	select {
	case s = <-scratches:
	default:
		s = new(decodeScratch)
	}
	defer func() {
		if s.size() > maxKeptScratch {
			return // a rare long text: not kept for the life of a process
		}
		select {
		case scratches <- s:
		default:
		}
	}()
	s.skip = s.skip[:0]
	ms := ix.decodeViews(text, depth, s)
	if skip != nil {
		*skip = append(*skip, s.skip...)
	}
	return ms
}

// decodeScratch is what decoding a text reuses: a view and base runs for
// each depth. Decoding a long text grows them to its size, and a stream
// decodes text after text: fresh buffers each time would be fresh memory
// each time, which costs page faults and collections.
type decodeScratch struct {
	views [decodeDepth]view
	runs  [decodeDepth][2]baseRun
	skip  [][2]int // the top level's joined blocks, less their margins
}

// scratches keeps scratch for the scans that run at once (findSplit's).
// Not a sync.Pool: a collection empties that, and a stream that decodes
// megabytes collects often.
var scratches = make(chan *decodeScratch, 8)

// maxKeptScratch bounds the scratch kept for reuse: a stream's windows
// (up to 1 MiB) fit, a whole large file scanned at once does not.
const maxKeptScratch = 16 << 20

// size is the memory s holds, in bytes.
func (s *decodeScratch) size() int {
	n := 0
	for i := range s.views {
		v := &s.views[i]
		n += cap(v.b) + 4*cap(v.start) + 4*cap(v.end)
	}
	for i := range s.runs {
		for j := range s.runs[i] {
			r := &s.runs[i][j]
			n += cap(r.chars) + 8*cap(r.segs) + 4*cap(r.at)
		}
	}
	return n
}

// decodeViews is findDecoded with its scratch.
func (ix *Index) decodeViews(text []byte, depth int, s *decodeScratch) []Match {
	if depth == 0 || len(text) < ix.w {
		return nil
	}
	var out []Match
	v := &s.views[depth-1]
	found := func(v *view) {
		if len(v.b) < ix.w {
			return
		}
		ms := ix.Find(v.b)
		if depth > 1 && !v.flat && texty(v.b) {
			ms = append(ms, ix.decodeViews(v.b, depth-1, s)...)
		}
		if v.flat && depth == decodeDepth {
			s.skip = ix.skipJoined(s.skip, v, len(text))
		}
		for _, m := range ms {
			start, _ := v.spanOf(m.Start)
			_, e := v.spanOf(m.End - 1)
			if v.tail {
				for e < len(text) && text[e] != '\n' {
					e++
				}
			}
			kind := m.Kind + "-decoded"
			if v.flat {
				// The text's own characters: the form the direct scan
				// would have reported, over line breaks or not.
				kind = m.Kind
				if e-start > m.End-m.Start && !strings.HasSuffix(kind, "-wrapped") {
					kind += "-wrapped"
				}
			}
			out = append(out, Match{Start: start, End: e, Name: m.Name, Kind: kind})
		}
	}
	for _, r := range escapeRegions(text, ix.maxLen) {
		// With backslash escapes (C, shells, JSON, Python, YAML), and
		// without where the text has a backslash: SQL, CSV and XML keep
		// it as it is.
		v.reset()
		if unescapeView(v, text, r[0], r[1], true) {
			found(v)
		}
		if bytes.IndexByte(text[r[0]:r[1]], '\\') >= 0 {
			v.reset()
			if unescapeView(v, text, r[0], r[1], false) {
				found(v)
			}
		}
	}
	minRun := ix.minDecodeRun()
	eachHexDump(text, 2*minRun, v, found)
	eachBaseRun(text, minRun, v, &s.runs[depth-1], found)
	eachUTF16(text, minRun, v, found)
	eachCharDump(text, minRun, v, found)
	return out
}

// skipJoined adds to skip the span of text that v, a joined block, lies
// in, less margins the direct scan still reads: at the start, where a form
// beginning before the block reaches its windows (they lie in a form's
// first W+2S-3+W bytes), and at the end, where a form beginning in the
// block may end after it (over line breaks, at most about twice its
// length). Spans are kept sorted and merged.
func (ix *Index) skipJoined(skip [][2]int, v *view, n int) [][2]int {
	start, _ := v.spanOf(0)
	_, end := v.spanOf(len(v.b) - 1)
	start += 4*(ix.w+2*ix.s) + 64
	end = min(end, n) - 3*ix.maxLen - 128
	if end-start < 1024 {
		return skip // too short to be worth a jump
	}
	if k := len(skip) - 1; k >= 0 && start <= skip[k][1] {
		skip[k][1] = max(skip[k][1], end)
		return skip
	}
	return append(skip, [2]int{start, end})
}

// texty reports whether decoded bytes are text worth decoding again:
// UTF-8 with few control characters, or UTF-16 (either byte order).
// Decoded base64 of binary data is neither, and is scanned once, not
// decoded further.
func texty(b []byte) bool {
	n := min(len(b), 256)
	if utf16Head(b[:n]) {
		return true
	}
	if !utf8.Valid(b[:n]) && !utf8.Valid(b[:max(0, n-3)]) {
		return false
	}
	control := 0
	for _, c := range b[:n] {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' || c == 0x7f {
			control++
		}
	}
	return control*10 <= n
}

// utf16Head reports whether b starts as UTF-16 text of either byte order
// does, after a byte order mark or without: three NUL high bytes.
func utf16Head(b []byte) bool {
	if len(b) >= 8 && (b[0] == 0xfe && b[1] == 0xff || b[0] == 0xff && b[1] == 0xfe) {
		b = b[2:]
	}
	return len(b) >= 6 && (b[1] == 0 && b[3] == 0 && b[5] == 0 || b[0] == 0 && b[2] == 0 && b[4] == 0)
}

// binaryHeadLen is how many first bytes binaryHead reads.
const binaryHeadLen = 12

// binaryHead reports whether bytes that start with h (binaryHeadLen
// bytes) and go on for at least 6 more are not texty, by h alone: h is
// not UTF-16's pattern (either byte order), and holds a byte that starts
// no UTF-8 sequence with UTFMax bytes after it in h, which no bytes after
// h can make valid.
func binaryHead(h []byte) bool {
	if utf16Head(h) {
		return false
	}
	for i := 0; i+utf8.UTFMax <= len(h); {
		r, size := utf8.DecodeRune(h[i:])
		if r == utf8.RuneError && size == 1 {
			return true
		}
		i += size
	}
	return false
}

// escapeRegions returns the spans of text around every byte that may start
// an escape, merged, each reaching reach bytes past its first and last
// such byte: the escape view differs from the text only there.
func escapeRegions(text []byte, reach int) [][2]int {
	// Each kind of site is found with bytes.Index, which skips text
	// without it many bytes at a time (IndexByte for one byte).
	var sites []int
	for _, d := range []string{"\\", "&", "%", "\x1b", "''", `""`, "$$"} {
		for i := 0; ; i++ {
			var j int
			if d == `""` {
				j = indexPair(text[i:], d[0]) // JSON is full of double quotes
			} else {
				j = bytes.Index(text[i:], []byte(d))
			}
			if j < 0 {
				break
			}
			i += j
			sites = append(sites, i)
		}
	}
	if len(sites) == 0 {
		return nil
	}
	slices.Sort(sites)
	var out [][2]int
	for _, i := range sites {
		lo, hi := max(0, i-reach), min(len(text), i+reach)
		if n := len(out); n > 0 && out[n-1][1] >= lo {
			out[n-1][1] = max(out[n-1][1], hi)
		} else {
			out = append(out, [2]int{lo, hi})
		}
	}
	return out
}

// indexPair is bytes.Index(s, []byte{c, c}), eight bytes at a time
// (SWAR): where c itself is frequent, as '"' is in JSON, bytes.Index
// finds c often and falls back to a slower search. (Where c is rare,
// bytes.Index is faster.)
func indexPair(s []byte, c byte) int {
	cc := swarOnes * uint64(c)
	i := 0
	for ; i+17 <= len(s); i += 16 {
		b := s[i : i+17 : i+17]
		// Byte k of z is 0 where s[i+k] and s[i+k+1] are both c; the
		// lowest flag of zeroBytes is always a true one.
		t0 := zeroBytes((binary.LittleEndian.Uint64(b[0:8]) ^ cc) | (binary.LittleEndian.Uint64(b[1:9]) ^ cc))
		t1 := zeroBytes((binary.LittleEndian.Uint64(b[8:16]) ^ cc) | (binary.LittleEndian.Uint64(b[9:17]) ^ cc))
		if t0|t1 != 0 {
			if t0 != 0 {
				return i + bits.TrailingZeros64(t0)/8
			}
			return i + 8 + bits.TrailingZeros64(t1)/8
		}
	}
	for ; i+1 < len(s); i++ {
		if s[i] == c && s[i+1] == c {
			return i
		}
	}
	return -1
}

// unescapeView decodes text[lo:hi] into v: backslash escapes (\\ \" \' \$
// \` \n \t \r \0 \a \b \f \v \e, \xNN, \uXXXX with surrogate pairs,
// \UXXXXXXXX, \NNN octal, and a backslash before any other character, as
// bash's printf %q and declare -p write), HTML and XML entities, %XX in
// either case, doubled quotes (two single quotes, two double quotes, and
// docker-compose's $$) and ANSI escape sequences (removed); backslash
// escapes only with backslashes. A run of \xNN escapes of bytes above 0x7F is those bytes where they make
// UTF-8 (Python bytes, C, bash $'...'), and otherwise each a character
// (YAML, Python str: \xe4 is ä). It reports whether anything was decoded.
func unescapeView(v *view, text []byte, lo, hi int, backslashes bool) bool {
	v.grow(hi - lo)
	changed := false
	for i := lo; i < hi; {
		c := text[i]
		switch {
		case c == '\\' && i+1 < hi && backslashes:
			n, r, ok := backslash(text[i:hi])
			if !ok {
				break
			}
			if r <= -1-0x80 && text[i+1] == 'x' { // \xNN above 0x7F
				i += highBytes(v, text, i, hi)
				changed = true
				continue
			}
			if r < 0 { // a byte (\xNN, octal)
				v.add(byte(-r-1), i, i+n)
			} else {
				v.addRune(r, i, i+n)
			}
			i += n
			changed = true
			continue
		case c == '&':
			if n, r, ok := entity(text[i:hi]); ok {
				v.addRune(r, i, i+n)
				i += n
				changed = true
				continue
			}
		case c == '%' && i+2 < hi && isHex(text[i+1]) && isHex(text[i+2]):
			v.add(unhex(text[i+1])<<4|unhex(text[i+2]), i, i+3)
			i += 3
			changed = true
			continue
		case (c == '\'' || c == '"' || c == '$') && i+1 < hi && text[i+1] == c:
			v.add(c, i, i+2)
			i += 2
			changed = true
			continue
		case c == 0x1b && i+1 < hi && text[i+1] == '[':
			j := i + 2
			for j < hi && (text[j] >= '0' && text[j] <= '9' || text[j] == ';') {
				j++
			}
			if j < hi && text[j] >= 0x40 && text[j] <= 0x7e {
				i = j + 1 // removed: the next byte maps from after it
				changed = true
				continue
			}
		}
		v.add(c, i, i+1)
		i++
	}
	return changed
}

// highBytes decodes the run of \xNN escapes at text[i:] whose bytes are
// above 0x7F (see unescapeView) and returns its length.
func highBytes(v *view, text []byte, i, hi int) int {
	var bs [64]byte
	n, j := 0, i
	for j+4 <= hi && n < len(bs) && text[j] == '\\' && text[j+1] == 'x' && isHex(text[j+2]) && isHex(text[j+3]) {
		b := unhex(text[j+2])<<4 | unhex(text[j+3])
		if b < 0x80 {
			break
		}
		bs[n] = b
		n++
		j += 4
	}
	if utf8.Valid(bs[:n]) {
		for k := 0; k < n; k++ {
			v.add(bs[k], i+4*k, i+4*k+4)
		}
		return j - i
	}
	for k := 0; k < n; k++ {
		v.addRune(rune(bs[k]), i+4*k, i+4*k+4)
	}
	return j - i
}

// backslash decodes the escape at the start of s (s[0] is '\'): its
// length, and the rune (or -1-b for a raw byte b).
func backslash(s []byte) (n int, r rune, ok bool) {
	c := s[1]
	switch c {
	case 'n':
		return 2, '\n', true
	case 't':
		return 2, '\t', true
	case 'r':
		return 2, '\r', true
	case 'a':
		return 2, 7, true
	case 'b':
		return 2, 8, true
	case 'f':
		return 2, 12, true
	case 'v':
		return 2, 11, true
	case 'e', 'E':
		return 2, 27, true
	case 'x':
		if len(s) >= 4 && isHex(s[2]) && isHex(s[3]) {
			return 4, -1 - rune(unhex(s[2])<<4|unhex(s[3])), true
		}
		return 0, 0, false
	case 'u', 'U':
		digits := 4
		if c == 'U' {
			digits = 8
		}
		u, ok := jsonstr.Hex(s[2:], digits)
		if !ok {
			return 0, 0, false
		}
		if utf16.IsSurrogate(u) && len(s) >= 12 && s[6] == '\\' && s[7] == 'u' {
			if lo, ok := jsonstr.Hex(s[8:], 4); ok {
				if d := utf16.DecodeRune(u, lo); d != utf8.RuneError {
					return 12, d, true
				}
			}
		}
		if !utf8.ValidRune(u) {
			return 0, 0, false
		}
		return 2 + digits, u, true
	}
	if c >= '0' && c <= '7' {
		n, b := 1, rune(0)
		for n < 4 && n < len(s) && s[n] >= '0' && s[n] <= '7' {
			b = b*8 + rune(s[n]-'0')
			n++
		}
		if b > 255 {
			return 0, 0, false
		}
		return n, -1 - b, true
	}
	if c < 0x80 {
		return 2, rune(c), true // \" \' \\ \$ \` \/ \  and every other quoted character
	}
	return 0, 0, false
}

// entity decodes the HTML or XML character reference at the start of s.
func entity(s []byte) (n int, r rune, ok bool) {
	end := 1
	for end < len(s) && end < 12 && s[end] != ';' {
		end++
	}
	if end >= len(s) || s[end] != ';' {
		return 0, 0, false
	}
	name := s[1:end]
	switch string(name) {
	case "amp":
		return end + 1, '&', true
	case "lt":
		return end + 1, '<', true
	case "gt":
		return end + 1, '>', true
	case "quot":
		return end + 1, '"', true
	case "apos":
		return end + 1, '\'', true
	case "nbsp":
		return end + 1, 0xa0, true
	}
	if len(name) < 2 || name[0] != '#' {
		return 0, 0, false
	}
	var v rune
	if name[1] == 'x' || name[1] == 'X' {
		if len(name) < 3 {
			return 0, 0, false
		}
		for _, c := range name[2:] {
			if !isHex(c) {
				return 0, 0, false
			}
			v = v<<4 | rune(unhex(c))
		}
	} else {
		for _, c := range name[1:] {
			if c < '0' || c > '9' {
				return 0, 0, false
			}
			v = v*10 + rune(c-'0')
		}
	}
	if !utf8.ValidRune(v) {
		return 0, 0, false
	}
	return end + 1, v, true
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

// eachHexDump finds hex text and byte dumps (xxd with its offsets and
// character column, xxd -p's lines, xxd -i's 0x73, lists, od -An -tx1,
// hexdump -C with its |column|, \xNN runs) and lists of bytes in decimal
// (declist.go), and calls found with the bytes they spell, one view per
// run of at least minDigits hex digits or minDigits/2 numbers.
func eachHexDump(text []byte, minDigits int, v *view, found func(*view)) {
	// Text is sampled every 8 bytes, lines or not: three samples in a row
	// in a dump's hex part (hex digits, spaces, commas, colons, dashes, x:
	// dumpClass), and the bytes between them, are 17 in a row, which
	// every dump line's hex part holds (24 in a row always hold three
	// samples). Only the line they are on is read.
	run := 0
	for q := 0; q < len(text); q += 8 {
		// Counted without a branch: in base64 and prose a third of the
		// samples are in the class, at random.
		c := int(dumpClass[text[q]])
		if run = (run + c) * c; run < 3 {
			continue
		}
		dense := true
		for k := q - 15; k < q && dense; k++ {
			dense = dumpClass[text[k]] != 0
		}
		if !dense {
			run = 2 // the last two samples still are: the next may be a third
			continue
		}
		// A dense line: read its dump and the lines that continue it, and
		// the lists of decimal bytes it may hold instead (declist.go).
		ls := bytes.LastIndexByte(text[:q], '\n') + 1
		next := hexDumpsIn(text, ls, lineEnd(text, ls), minDigits, v, found)
		next = max(next, decimalListsIn(text, ls, max(next-1, ls), minDigits/2, v, found))
		q, run = next-8, 0
	}
}

// lineEnd is where the line that starts at text[ls] ends: its '\n', or
// the end of the text.
func lineEnd(text []byte, ls int) int {
	if le := bytes.IndexByte(text[ls:], '\n'); le >= 0 {
		return ls + le
	}
	return len(text)
}

// dumpClass: the bytes of a hex dump's hex part.
var dumpClass = func() (t [256]byte) {
	for _, c := range []byte("0123456789abcdefABCDEF ,:-x\\\t") {
		t[c] = 1
	}
	return t
}()

// hexDumpsIn reads the hex runs that start in text[lo:hi] and returns
// where reading may go on.
func hexDumpsIn(text []byte, lo, hi, minDigits int, v *view, found func(*view)) int {
	i := lo
	for i < hi {
		// A run starts at a word that starts with two hex digits (or at
		// "0x", or "\x" before it), or at a dump line's offset; other
		// words are skipped whole.
		c := text[i]
		if wordClass[c] == 0 {
			i++
			continue
		}
		start := -1
		switch {
		case i+2 < len(text) && hexClass[c] != 0 && hexClass[text[i+1]] != 0 && hexFollows[text[i+2]] != 0:
			start = i
		case c == '0' && i+2 < len(text) && text[i+1] == 'x' && hexClass[text[i+2]] != 0:
			start = i
		case c == 'x' && i > 0 && text[i-1] == '\\' && i+1 < len(text) && hexClass[text[i+1]] != 0:
			start = i - 1
		}
		if start < 0 {
			for i < len(text) && wordClass[text[i]] != 0 {
				i++
			}
			continue
		}
		v.reset()
		column := false
		if i == 0 || text[i-1] == '\n' {
			if next, off := lineStart(text, i); next >= 0 && off {
				start, column = next, true
			}
		}
		end := hexRun(text, start, column, v)
		if len(v.b)*2 >= minDigits {
			found(v)
			// hexdump, od -x and od -tx2/4/8 print words in the host's
			// order, little-endian: the run is read again a word at a
			// time.
			if swapWords(v) {
				found(v)
			}
		}
		i = max(end, i+1)
		if i > hi {
			// The run went on over a line break: the rest of the line it
			// ended in is read too (a dump may start there).
			hi = lineEnd(text, min(i, len(text)))
		}
	}
	if j := bytes.IndexByte(text[min(i, len(text)):], '\n'); j >= 0 {
		return i + j + 1
	}
	return len(text)
}

// swapWords reverses the bytes of each word in the stretches of v that
// are two or more words of one size (2, 4 or 8 bytes: groups of digits
// between separators), maps each such byte to its whole word's text (a
// hit that starts or ends inside a word covers all of it), and reports
// whether there was such a stretch. Groups of other sizes around them (a
// token on the line before, od's closing offset line, which the run reads
// as hex) are left as they are.
func swapWords(v *view) bool {
	swapped := false
	for k := 0; k < len(v.b); {
		g := groupLen(v, k)
		e, words := k+g, 1
		for e < len(v.b) && groupLen(v, e) == g {
			e, words = e+g, words+1
		}
		if words >= 2 && (g == 2 || g == 4 || g == 8) {
			for w := k; w < e; w += g {
				slices.Reverse(v.b[w : w+g])
				ws, we := v.start[w], v.end[w+g-1]
				for j := w; j < w+g; j++ {
					v.start[j], v.end[j] = ws, we
				}
			}
			swapped = true
		}
		k = e
	}
	return swapped
}

// groupLen is how many bytes of v from k on were printed as one group of
// digits, each pair right after the one before.
func groupLen(v *view, k int) int {
	n := 1
	for k+n < len(v.b) && v.start[k+n] == v.end[k+n-1] {
		n++
	}
	return n
}

// hexFollows: what follows a hex pair in a dump (more hex, a separator);
// in base64 or prose another letter usually does, and no run is tried.
var hexFollows = func() (t [256]byte) {
	for _, c := range []byte("0123456789abcdefABCDEF ,:-\n\r\t|") {
		t[c] = 1
	}
	return t
}()

// wordClass and hexClass are isWordByte and isHex as tables.
var wordClass, hexClass = func() (w, h [256]byte) {
	for c := 0; c < 256; c++ {
		if isWordByte(byte(c)) {
			w[c] = 1
		}
		if isHex(byte(c)) {
			h[c] = 1
		}
	}
	return
}()

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// hexRun reads the hex dump that starts at text[i] into v and returns
// where it ends. Between pairs it skips what dumps put there: spaces, a
// comma, a colon or a dash, "0x" or "\x", and at a line break the next
// line's offset ("00000010:" or an od/hexdump offset) when the line goes
// on in hex. A
// character column (two spaces then text, or |text|) ends a line's hex.
func hexRun(text []byte, i int, column bool, v *view) int {
	lineBytes := 0
	for i < len(text) {
		switch {
		case i+1 < len(text) && isHex(text[i]) && isHex(text[i+1]):
			if column && lineBytes == 16 { // xxd, hexdump -C: 16 a line
				return skipToLineEnd(text, i, v)
			}
			v.add(unhex(text[i])<<4|unhex(text[i+1]), i, i+2)
			lineBytes++
			i += 2
			continue
		case text[i] == ' ' && i+2 < len(text) && text[i+1] == ' ' && lineBytes > 0:
			// Two spaces: hexdump -C's half-line gap, or a character column.
			j := i
			for j < len(text) && text[j] == ' ' {
				j++
			}
			if j < len(text) && text[j] == '|' {
				v.tail = true
				return skipToLineEnd(text, j, v)
			}
			if lineBytes == 8 && j-i == 2 && j+1 < len(text) && isHex(text[j]) && isHex(text[j+1]) && j+2 < len(text) && text[j+2] == ' ' {
				i = j // hexdump -C's gap
				continue
			}
			if j-i == 4 && lineBytes%2 == 0 && lineBytes < 16 && isHexWord(text, j) {
				i = j // hexdump -x: four spaces before each 16-bit word
				continue
			}
			if column || lineBytes == 16 || isHexLineEnd(text, j) {
				v.tail = true
				return skipToLineEnd(text, j, v)
			}
			return i
		case text[i] == ' ' || text[i] == ',' || text[i] == '\t':
			i++
			continue
		case (text[i] == ':' || text[i] == '-') && lineBytes > 0 && i+1 < len(text) &&
			(text[i+1] == '\n' || text[i+1] == '\r' || i+2 < len(text) && isHex(text[i+1]) && isHex(text[i+2])):
			// Pairs joined by colons (bytes.hex(":"), openssl's -text,
			// fingerprints) or dashes (.NET's BitConverter), a line of
			// them ending in one.
			i++
			continue
		case text[i] == '0' && i+1 < len(text) && text[i+1] == 'x', text[i] == '\\' && i+1 < len(text) && text[i+1] == 'x':
			i += 2
			continue
		case text[i] == '\n' || text[i] == '\r':
			j := i
			for j < len(text) && (text[j] == '\n' || text[j] == '\r') {
				j++
			}
			next, hasOffset := lineStart(text, j)
			if next < 0 {
				return i
			}
			column = hasOffset // 16 bytes a line, then a character column: a dump line with an offset
			lineBytes = 0
			i = next
			continue
		}
		return i
	}
	return i
}

// isHexWord reports whether text[j:] is four hex digits that end there
// (a space, a line break or the end follows): a word of hexdump -x.
func isHexWord(text []byte, j int) bool {
	if j+4 > len(text) || !isHex(text[j]) || !isHex(text[j+1]) || !isHex(text[j+2]) || !isHex(text[j+3]) {
		return false
	}
	return j+4 == len(text) || text[j+4] == ' ' || text[j+4] == '\n' || text[j+4] == '\r'
}

// isHexLineEnd: what follows two spaces in an xxd line is its character
// column, which runs to the end of the line.
func isHexLineEnd(text []byte, j int) bool {
	for k := j; k < len(text) && k < j+17; k++ {
		if text[k] == '\n' {
			return true
		}
	}
	return j >= len(text)
}

// skipToLineEnd moves past a dump's character column to the next line
// that goes on in hex, or ends the run there.
func skipToLineEnd(text []byte, i int, v *view) int {
	for i < len(text) && text[i] != '\n' {
		i++
	}
	j := i
	for j < len(text) && (text[j] == '\n' || text[j] == '\r') {
		j++
	}
	next, hasOffset := lineStart(text, j)
	if next < 0 || !hasOffset {
		return i
	}
	return hexRunFrom(text, next, v)
}

func hexRunFrom(text []byte, i int, v *view) int {
	// Continue a dump with a character column on its next line.
	save := v.tail
	end := hexRun(text, i, true, v)
	v.tail = v.tail || save
	return end
}

// lineStart returns where a continuation line of a hex dump starting at
// text[j] has its first hex pair, skipping an offset ("00000010:",
// "0000020", "00000010  "), and whether it had one; -1 when the line does
// not go on in hex.
func lineStart(text []byte, j int) (int, bool) {
	k := j
	for k < len(text) && isHex(text[k]) {
		k++
	}
	if k-j >= 6 && k-j <= 8 && k < len(text) && (text[k] == ':' || text[k] == ' ') {
		m := k + 1
		for m < len(text) && text[m] == ' ' {
			m++
		}
		if m+1 < len(text) && isHex(text[m]) && isHex(text[m+1]) {
			return m, true
		}
		return -1, false
	}
	m := j
	for m < len(text) && (text[m] == ' ' || text[m] == '\t') {
		m++
	}
	if m+1 < len(text) && (isHex(text[m]) && isHex(text[m+1]) || text[m] == '0' && text[m+1] == 'x') {
		return m, false
	}
	return -1, false
}

// eachBaseRun decodes runs of base64 (standard or URL-safe, padded or
// not, broken over lines with indentation) and of base32, of at least
// minBytes decoded bytes, and calls found with each.
func eachBaseRun(text []byte, minBytes int, v *view, runs *[2]baseRun, found func(*view)) {
	minChars := (minBytes*4 + 2) / 3
	r, rest := &runs[0], &runs[1]
	for i := 0; i < len(text); {
		// Sampled every 8 bytes: a run of 16 (the shortest decoded: base32
		// of a secret of the minimum length, with padding) holds two
		// samples in a row, so text whose samples are not is skipped.
		// Both samples in one run: the bytes between them are in it too.
		// (In prose and logs they are mostly in two words.) All nine are
		// tested at once: one branch, which long runs and long stretches
		// of prose each predict.
		if i+8 >= len(text) {
			break
		}
		if b := text[i : i+9 : i+9]; b64class8(b[:8])&b64class[b[8]] == 0 {
			i += 8
			continue
		}
		// Most such runs are words: shorter than minNested (no third
		// sample in it), not base32 (a sample outside its alphabet), and
		// not the end of a line of a wrapped block. Those are skipped
		// without reading them.
		if i+16 < len(text) && b64class[text[i+16]] == 0 && (!b32Char(text[i]) || !b32Char(text[i+8])) &&
			text[i+16] != '\n' && text[i+16] != '\r' && bytes.IndexByte(text[i+8:i+16], '\n') < 0 {
			i += 16
			continue
		}
		for i > 0 && b64class[text[i-1]] != 0 {
			i--
		}
		j := baseRunEnd(text, i)
		if j-i < 16 && j-i < minChars {
			i = j + 1 // too short, and too short to go on over a line
			continue
		}
		if j-i < minNested && !(j-i >= 16 && j < len(text) && (text[j] == '\n' || text[j] == '\r')) && !base32Run(text[i:j]) {
			i = j + 1 // short, not a wrapped line, and not base32: the direct scan saw it
			continue
		}
		if (j == len(text) || text[j] != '\n' && text[j] != '\r') && !decodesAlone(text[i:j]) {
			// On one line, with no piece between its padding that
			// decodeOne would decode ("path=/api/v1/items/123456"): not
			// segmented and handed to decode for nothing.
			i = j + 1
			continue
		}
		r.reset(text)
		r.segment(i, j)
		// A line break inside a run: the line before was long and did not
		// end the encoding with padding.
		for j < len(text) && (text[j] == '\n' || text[j] == '\r') && j-r.lastStart() >= 16 && text[j-1] != '=' {
			k := j
			for k < len(text) && (text[k] == '\n' || text[k] == '\r' || text[k] == ' ' || text[k] == '\t') {
				k++
			}
			if k-j > 16 || k >= len(text) || b64class[text[k]] == 0 {
				break
			}
			e := baseRunEnd(text, k)
			r.segment(k, e)
			j = e
		}
		// A run on one line holds a secret's own base64 only as a form
		// the direct scan finds; it is decoded for what it may nest (text
		// of at least minNested characters), a broken one for the secret.
		if r.n >= minChars {
			r.decode(v, found)
		}
		// Lines of a wrapped block are as long as each other: a line of
		// another length than the one before it (and the last line) may
		// start an encoding of its own after other text, or after a first
		// line cut by a stream's window, and the run is decoded from there
		// too.
		for k := 1; k < len(r.segs); k++ {
			prev, cur := r.segs[k-1], r.segs[k]
			if prev[1]-prev[0] == cur[1]-cur[0] && k < len(r.segs)-1 {
				continue
			}
			rest.reset(text)
			for _, x := range r.segs[k:] {
				rest.segment(int(x[0]), int(x[1]))
			}
			if rest.n >= minChars {
				rest.decode(v, found)
			}
		}
		i = max(j, i+1)
	}
}

// decodesAlone reports whether decodeOne decodes any piece of run, a run
// of one segment, between its padding: one of minNested characters or
// more, or one of 8 or more in base32's alphabet.
func decodesAlone(run []byte) bool {
	for len(run) > 0 {
		k := bytes.IndexByte(run, '=')
		if k < 0 {
			k = len(run)
		}
		if p := run[:k]; len(p) >= minNested || len(p) >= 8 && base32Run(p) {
			return true
		}
		for k < len(run) && run[k] == '=' {
			k++
		}
		run = run[k:]
	}
	return false
}

// baseRunEnd is where the run of base64 or base32 characters (and
// padding) at text[i:] ends.
func baseRunEnd(text []byte, i int) int {
	for i+8 <= len(text) && b64class8(text[i:i+8:i+8]) != 0 {
		i += 8 // eight at a time inside a run
	}
	for i < len(text) && b64class[text[i]] != 0 {
		i++
	}
	return i
}

// b64class8 is the AND of the b64class of b's eight bytes: not 0 when
// all are base64 characters or padding.
func b64class8(b []byte) byte {
	_ = b[7]
	return b64class[b[0]] & b64class[b[1]] & b64class[b[2]] & b64class[b[3]] &
		b64class[b[4]] & b64class[b[5]] & b64class[b[6]] & b64class[b[7]]
}

// minNested is the shortest run on one line that is decoded: base64 of a
// JSON or UTF-16 text around a secret of the minimum length.
const minNested = 24

// b32Char reports whether c is in base32's alphabet, or padding.
func b32Char(c byte) bool { return c >= 'A' && c <= 'Z' || c >= '2' && c <= '7' || c == '=' }

// base32Run reports whether run is in base32's alphabet (and padding).
func base32Run(run []byte) bool {
	for _, c := range run {
		if !b32Char(c) {
			return false
		}
	}
	return true
}

// b64class: 1 base64 (either alphabet), 3 padding. Both hold bit 1, so
// the AND of the classes of the bytes of one run is never 0, padding
// included (TestPaddedRunsAtEveryColumn).
var b64class = func() (t [256]byte) {
	for _, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_") {
		t[c] = 1
	}
	t['='] = 3
	return t
}()

// baseRun is a run of base64 or base32 characters in segments of text
// (the pieces of a run broken over lines).
type baseRun struct {
	text  []byte
	segs  [][2]int32 // text spans
	at    []int32    // the run's character index where each segment starts
	n     int        // characters, padding included
	chars []byte     // the characters, joined (only when there are several segments)
	head  [binaryHeadLen]byte
}

func (r *baseRun) reset(text []byte) {
	r.text, r.segs, r.at, r.n, r.chars = text, r.segs[:0], r.at[:0], 0, r.chars[:0]
}

func (r *baseRun) segment(i, j int) {
	r.segs = append(r.segs, [2]int32{int32(i), int32(j)})
	r.at = append(r.at, int32(r.n))
	r.n += j - i
}

func (r *baseRun) lastStart() int { return int(r.segs[len(r.segs)-1][0]) }

// pos is the text offset of the run's character c.
func (r *baseRun) pos(c int) int {
	s := len(r.at) - 1
	for s > 0 && int(r.at[s]) > c {
		s--
	}
	return int(r.segs[s][0]) + c - int(r.at[s])
}

var (
	b64std = base64.StdEncoding.WithPadding(base64.NoPadding)
	b64url = base64.URLEncoding.WithPadding(base64.NoPadding)
	b32std = base32.StdEncoding.WithPadding(base32.NoPadding)
)

// decode decodes the run as base64 (the standard or URL-safe alphabet,
// as its characters say) and, where they are base32's alphabet, base32.
func (r *baseRun) decode(v *view, found func(*view)) {
	src := r.text[r.segs[0][0]:r.segs[0][1]]
	if len(r.segs) > 1 {
		// Room for all of them at once: grown append by append, the copy
		// takes fresh memory several times its size, a fault a page.
		r.chars = slices.Grow(r.chars[:0], r.n)
		for _, sg := range r.segs {
			r.chars = append(r.chars, r.text[sg[0]:sg[1]]...)
		}
		src = r.chars
	}
	r.decodeChars(v, src, 0, found)
}

// decodeChars decodes the run's characters from off on, src. Padding
// inside them ends one encoding: what follows it (a value after NAME=, a
// line of key=value after a base64 line) is decoded on its own, as is what
// comes before it.
func (r *baseRun) decodeChars(v *view, src []byte, off int, found func(*view)) {
	// Forward with IndexByte (LastIndexByte reads a byte at a time, and a
	// run can be a whole wrapped block).
	for len(src) > 0 {
		i := bytes.IndexByte(src, '=')
		if i < 0 {
			i = len(src)
		}
		r.decodeOne(v, src[:i], off, found)
		for i < len(src) && src[i] == '=' {
			i++
		}
		src, off = src[i:], off+i
	}
}

// decodeOne decodes src, the run's characters from off on, without
// padding, as base64 and, where they are base32's alphabet, base32.
func (r *baseRun) decodeOne(v *view, src []byte, off int, found func(*view)) {
	if len(src) < 4 {
		return
	}
	url := bytes.IndexByte(src, '-') >= 0 || bytes.IndexByte(src, '_') >= 0
	b32 := base32Run(src)
	enc := b64std
	if url {
		enc = b64url
	}
	if len(r.segs) > 1 && !r.textyHead(src, enc) {
		r.joined(v, src, off, found)
	} else if len(r.segs) > 1 || len(src) >= minNested {
		r.groups(v, src, off, 4, 3, true, func(dst, s []byte) (int, error) { return enc.Decode(dst, s) }, found)
	}
	if b32 { // no base32 form is in the index: every run is decoded
		r.groups(v, src, off, 8, 5, false, func(dst, s []byte) (int, error) { return b32std.Decode(dst, s) }, found)
	}
}

// textyHead reports whether the first bytes that src encodes in base64
// are text (texty), or src does not decode.
func (r *baseRun) textyHead(src []byte, enc *base64.Encoding) bool {
	var head [258]byte
	n, err := enc.Decode(head[:], src[:min(len(src), 344)/4*4])
	return err != nil || texty(head[:n])
}

// joined scans a run broken over lines that encodes binary data as its
// characters joined, without decoding them: the index holds the base64
// forms of each secret at every alignment in a larger encoding, so a
// secret in the data is found in the joined characters, where a line
// break no longer splits its form. Binary data holds no nested form to
// decode further, so the decoding would only cost time
// (docs/performance.md).
func (r *baseRun) joined(v *view, src []byte, off int, found func(*view)) {
	v.reset()
	own := v.b
	v.b, v.flat = src, true
	v.span = func(k int) (int, int) {
		p := r.pos(off + k)
		return p, p + 1
	}
	found(v)
	v.b, v.flat = own, false
}

// groups decodes src in groups of in characters giving out bytes each (a
// last, shorter group too when the encoding allows it; otherwise whole
// groups only) and calls found with a view that maps each decoded byte
// to its group's characters. With direct (the index holds the encoding's
// forms, as it does base64's), a run on one line that decodes to binary
// is left to the direct scan.
func (r *baseRun) groups(v *view, src []byte, off, in, out int, direct bool, decode func(dst, src []byte) (int, error), found func(*view)) {
	if len(src) < in {
		return
	}
	oneLine := direct && len(r.segs) == 1
	if oneLine && len(src) >= 6*in {
		// Most such runs are hashes and keys: their first bytes show
		// they are binary, without decoding the rest.
		head := r.head[:] // (a local array would escape to decode)
		if n, err := decode(head, src[:binaryHeadLen/out*in]); err == nil && n == binaryHeadLen && binaryHead(head) {
			return
		}
	}
	need := (len(src) + in - 1) / in * out
	v.reset()
	v.b = slices.Grow(v.b, need) // kept when a return below leaves v.b
	b := v.b[:need]
	nb, err := decode(b, src)
	if err != nil {
		src = src[:len(src)/in*in]
		if nb, err = decode(b, src); err != nil {
			return
		}
	}
	if oneLine && !texty(b[:nb]) {
		return // not text: nothing nested, and the direct scan saw the rest
	}
	v.b = b[:nb]
	n := len(src)
	v.span = func(k int) (int, int) {
		g := k / out
		first, last := g*in, min(g*in+in, n)-1
		return r.pos(off + first), r.pos(off+last) + 1
	}
	found(v)
}

// eachUTF16 finds runs of UTF-16 text (starting with two ASCII
// characters, each with a NUL high byte, and going on while the code
// units are neither NUL nor two printable ASCII bytes), of at least
// minChars code units, and calls found with the UTF-8 they spell. ASCII
// text of either byte order fits both, one byte out of step, so each run
// is read little-endian (Windows, PowerShell) and big-endian (Java,
// iconv -t UTF-16BE): the other reading loses a character at an end.
func eachUTF16(text []byte, minChars int, v *view, found func(*view)) {
	for i := 0; i+3 < len(text); {
		// Runs are found from their NULs: text without any is skipped fast.
		z := bytes.IndexByte(text[i+1:], 0)
		if z < 0 {
			return
		}
		if i = i + z; text[i] == 0 || text[i+1] != 0 || i+3 >= len(text) || text[i+2] == 0 || text[i+3] != 0 || text[i] >= 0x80 {
			i += 2
			continue
		}
		// Big-endian from the NUL before text[i] where there is one (the
		// first character is text[i]), else from the NUL after it. The
		// search goes on from where the longer reading ends, so no text
		// is read more than twice: a reading out of step stops at the
		// first ASCII character (utf16Run), so it cannot hide the start
		// of a run after it.
		be := i + 1
		if i > 0 && text[i-1] == 0 {
			be = i - 1
		}
		end := i + 1
		for hi := 1; hi >= 0; hi-- { // hi: the index of a code unit's high byte in it
			start := i
			if hi == 0 {
				start = be
			}
			j := utf16Run(text, start, hi, v)
			if (j-start)/2 >= minChars {
				found(v)
			}
			end = max(end, j)
		}
		i = end
	}
}

// utf16Run reads into v the UTF-16 code units of text from start on, in
// the byte order hi gives, and returns where they end.
func utf16Run(text []byte, start, hi int, v *view) int {
	unit := func(j int) rune { return rune(text[j+1-hi]) | rune(text[j+hi])<<8 }
	v.reset()
	j := start
	for j+1 < len(text) {
		u := unit(j)
		// Two printable ASCII bytes are text that follows the run, not a
		// character of it, and a NUL low byte under an ASCII high byte is
		// ASCII UTF-16 read out of step: decoded on, either would hide the
		// start of a run further on from eachUTF16.
		if u == 0 || printable(text[j]) && printable(text[j+1]) || u&0xff == 0 && printable(byte(u>>8)) {
			break
		}
		n := 2
		if utf16.IsSurrogate(u) {
			if j+3 >= len(text) {
				break
			}
			u = utf16.DecodeRune(u, unit(j+2))
			if u == utf8.RuneError {
				break
			}
			n = 4
		}
		v.addRune(u, j, j+n)
		j += n
	}
	return j
}

// printable reports whether c is printable ASCII.
func printable(c byte) bool { return c >= 0x20 && c < 0x7f }

// eachCharDump finds od -c dumps (an octal offset, then one character a
// cell: itself, a backslash escape, or three octal digits) and calls
// found with the bytes they spell.
func eachCharDump(text []byte, minChars int, v *view, found func(*view)) {
	v.reset()
	flush := func() {
		if len(v.b) >= minChars {
			found(v)
		}
		v.reset()
	}
	for ls := 0; ls < len(text); {
		le := lineEnd(text, ls)
		line := text[ls:le]
		first := odCCells(line)
		if first < 0 {
			flush()
			ls = le + 1
			continue
		}
		for p := first; p+4 <= len(line); p += 4 {
			cell := line[p+1 : p+4]
			i := ls + p + 1
			switch {
			case cell[0] == ' ' && cell[1] == ' ':
				v.add(cell[2], i, i+3)
			case cell[0] == ' ' && cell[1] == '\\':
				if n, r, ok := backslash(append([]byte{'\\'}, cell[2])); ok && n == 2 && r >= 0 {
					v.add(byte(r), i, i+3)
				} else if cell[2] == '0' {
					v.add(0, i, i+3)
				}
			case cell[0] >= '0' && cell[0] <= '3':
				v.add((cell[0]-'0')<<6|(cell[1]-'0')<<3|(cell[2]-'0'), i, i+3)
			default:
				// A multi-byte character's continuation cells ("**").
			}
		}
		ls = le + 1
	}
	flush()
}

// odCCells returns where the cells (four columns each) of an od -c line
// start: after its seven octal digits of offset, or at the line's start
// for od -An -c (and -An -to1), whose every cell must then be one od
// prints and one not a space; -1 when the line is not such a line.
func odCCells(line []byte) int {
	if len(line) >= 11 && (len(line)-7)%4 == 0 && line[7] == ' ' && isOctalRun(line[:7]) {
		return 7
	}
	if len(line) < 8 || len(line)%4 != 0 {
		return -1
	}
	seen := false
	for p := 0; p < len(line); p += 4 {
		c := line[p : p+4]
		switch {
		case c[0] != ' ':
			return -1
		case c[1] == ' ' && c[2] == ' ' && c[3] >= ' ' && c[3] < 0x7f,
			c[1] == ' ' && c[2] == '\\' && c[3] >= 'a' && c[3] <= 'z',
			c[1] == ' ' && c[2] == '\\' && c[3] == '0',
			c[1] == ' ' && c[2] == '*' && c[3] == '*',
			isOctalRun(c[1:]):
			seen = seen || c[3] != ' '
		default:
			return -1
		}
	}
	if !seen {
		return -1
	}
	return 0
}

// isOctalRun reports whether b is octal digits only.
func isOctalRun(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '7' {
			return false
		}
	}
	return true
}
