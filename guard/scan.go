package guard

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"slices"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/noxkey/noxkey/internal/mmap"
)

// A Match is one verified occurrence of a secret form, or a rule hit.
type Match struct {
	Start, End int    // byte span in the scanned text
	Name       string // vault path, or rule id
	Kind       string // form kind, or "rule"
}

// Find returns every verified occurrence of a registered form in text,
// including forms broken over lines, sorted by Start.
//
// A form broken by line breaks ("\n" or "\r\n", then optional spaces and
// tabs) is found by the direct scan when its first piece, or its second,
// is at least W+S-1 bytes long: windows at offsets up to W+2S-3 are
// registered for wrappable forms, and a candidate is verified over its
// line breaks. Only where a short line follows (fold -w 8) is a joined
// copy of the few lines around it scanned as well.
func (ix *Index) Find(text []byte) []Match {
	if ix == nil || len(ix.forms) == 0 {
		return nil
	}
	return ix.find(text, nil)
}

// find is Find, not reading the spans in skip (sorted, apart from each
// other): the joined view of a wrapped base64 block (findDecoded) finds
// every form that lies there, and the direct scan still reads each span's
// ends, where a form may reach in from outside.
func (ix *Index) find(text []byte, skip [][2]int) []Match {
	var out []Match
	emit := func(m Match) { out = append(out, m) }
	ix.warm(len(text))
	if ix.wrapping && ix.w == 8 && ix.s == 8 {
		// Both passes in one read of the text.
		ix.scanTiled(text, skip, &out, emit)
	} else {
		ix.scan(text, false, emit)
		if ix.wrapping && bytes.IndexByte(text, '\n') >= 0 {
			out = append(out, ix.findShortLineWraps(text)...)
		}
	}
	return sortedOnce(out)
}

// sortedOnce sorts a scan's matches by Start and drops repeats, and those
// inside another of the same secret when there are parts. (Apart from
// find, whose frame lies on a hook call's deepest path.)
func sortedOnce(out []Match) []Match {
	if hasPart(out) {
		out = dropInside(out)
	}
	if len(out) < 2 {
		return out
	}
	sortMatches(out)
	dedup := out[:1]
	for _, m := range out[1:] {
		if last := dedup[len(dedup)-1]; m != last {
			dedup = append(dedup, m)
		}
	}
	return dedup
}

// FindAll returns Find's matches and those of the text's decoded views
// (decode.go), sorted by Start, without those that lie inside another of
// the same secret (dropInside).
func (ix *Index) FindAll(text []byte) []Match {
	ms, _ := ix.findAll(text)
	return ms
}

// findAll is FindAll; it also returns the spans of text that lie inside
// blocks of base64 of binary data (findDecoded's skip, sorted, apart
// from each other).
func (ix *Index) findAll(text []byte) ([]Match, [][2]int) {
	if ix == nil || len(ix.forms) == 0 {
		return nil, nil
	}
	var skip [][2]int
	dm := ix.findDecoded(text, decodeDepth, &skip)
	ms := ix.find(text, skip)
	if len(dm) == 0 {
		return ms, skip
	}
	ms = dropInside(append(ms, dm...))
	sortMatches(ms)
	return ms, skip
}

// dropInside leaves out each match that lies inside another of the same
// secret (a decoded hit inside a direct one) and each part inside a whole
// match,
// keeping the first of matches with the same span, a whole one before a
// part: they add nothing.
func dropInside(ms []Match) []Match {
	kept := ms[:0:0]
	for i, d := range ms {
		inside := false
		for j, m := range ms {
			// A part inside any whole match, or a match inside another of
			// its own secret.
			if i == j || m.Start > d.Start || d.End > m.End ||
				baseName(m.Name) != baseName(d.Name) && !(d.Kind == "part" && m.Kind != "part") {
				continue
			}
			same := m.Start == d.Start && m.End == d.End
			dp, mp := d.Kind == "part", m.Kind == "part"
			if !same || dp && !mp || dp == mp && j < i {
				inside = true
				break
			}
		}
		if !inside {
			kept = append(kept, d)
		}
	}
	return kept
}

// hasPart reports whether ms holds a part match.
func hasPart(ms []Match) bool {
	for _, m := range ms {
		if m.Kind == "part" {
			return true
		}
	}
	return false
}

// baseName is a match's secret name without "(part)".
func baseName(n string) string { return strings.TrimSuffix(n, "(part)") }

// warm readies what a scan of n bytes will touch, the first time a text
// is long enough to be worth it. The filter's pages are mapped (Load's
// prefaultHot), but not in the CPU's caches: it is read once, in order,
// when its samples would touch most of its cache lines anyway, since the
// CPU prefetches a sequential pass where random probes each wait for
// memory. The entries
// and their directory are read only by the samples that pass the filter
// (a quarter of a percent of clean text), each maybe on a page of its
// own: they are mapped in one call when the samples number sixteen times
// their pages, when most pages would be read anyway (docs/performance.md).
func (ix *Index) warm(n int) {
	samples := n / ix.s
	if !ix.warmed.Load() && samples >= len(ix.filter)/8/2 {
		ix.warmed.Store(true)
		var x uint64
		for i := 0; i < len(ix.filter); i += 8 { // one word per 64-byte line
			x |= ix.filter[i]
		}
		warmSink.Store(x) // a use of the loads, so the loop is kept
	}
	if !ix.probedMapped.Load() && len(ix.probed) > 0 && samples >= 16*pages(len(ix.probed)) {
		ix.probedMapped.Store(true)
		mmap.Prefault(ix.probed)
	}
}

// pages is the number of pages n bytes span at most.
func pages(n int) int { return n/4096 + 1 }

var warmSink atomic.Uint64

// sortMatches orders by Start, longer first at the same Start.
func sortMatches(ms []Match) {
	sort.Slice(ms, func(i, j int) bool {
		if ms[i].Start != ms[j].Start {
			return ms[i].Start < ms[j].Start
		}
		return ms[i].End > ms[j].End
	})
}

func (ix *Index) match(start, end int, f *formRec, wrapped bool) Match {
	k := kinds[f.kind]
	if wrapped {
		k += "-wrapped"
	}
	return Match{start, end, ix.name(f.secret), k}
}

// scan visits every S-th position of text; onlyWrap limits matches to
// wrappable forms.
func (ix *Index) scan(text []byte, onlyWrap bool, emit func(Match)) {
	n, w, s := len(text), ix.w, ix.s
	if n < w {
		return
	}
	bm, k0, k1, shift, wmask := ix.filter, ix.k0, ix.k1, ix.shift, ix.mask
	var pb prfBlock
	q := 0
	// Hot loop, four samples a turn: four loads, multiplies and filter
	// probes issued before one branch, so cache misses overlap. A sample
	// misses when one of its four bits is clear (m&^word != 0).
	for ; q+3*s+8 <= n; q += 4 * s {
		x0 := binary.LittleEndian.Uint64(text[q:]) & wmask
		x1 := binary.LittleEndian.Uint64(text[q+s:]) & wmask
		x2 := binary.LittleEndian.Uint64(text[q+2*s:]) & wmask
		x3 := binary.LittleEndian.Uint64(text[q+3*s:]) & wmask
		h0, h1, h2, h3 := (x0^k0)*k1, (x1^k0)*k1, (x2^k0)*k1, (x3^k0)*k1
		m0 := mask(h0, shift) &^ bm[h0>>shift]
		m1 := mask(h1, shift) &^ bm[h1>>shift]
		m2 := mask(h2, shift) &^ bm[h2>>shift]
		m3 := mask(h3, shift) &^ bm[h3>>shift]
		if m0 != 0 && m1 != 0 && m2 != 0 && m3 != 0 {
			continue
		}
		for k, m := range [4]uint64{m0, m1, m2, m3} {
			if m == 0 {
				x := [4]uint64{x0, x1, x2, x3}[k]
				ix.probe(text, q+k*s, x, onlyWrap, emit, &pb)
			}
		}
	}
	for ; q+w <= n; q += s {
		x := load(text[q:]) & wmask
		if ix.mayHave(x) {
			ix.probe(text, q, x, onlyWrap, emit, &pb)
		}
	}
	ix.giveBack(&pb)
}

// scanTiled is scan and findShortLineWraps fused for W = S = 8, when the
// sampled windows tile the text: each word loaded for the filter probe is
// also tested for newlines (SWAR), so the text is read once.
func (ix *Index) scanTiled(text []byte, skip [][2]int, out *[]Match, emit func(Match)) {
	// (shift&63 is shift, the filter being two words or more: said so,
	// the compiler tests no count past 63.)
	bm, k0, k1, shift := ix.filter, ix.k0, ix.k1, ix.shift&63
	var pb prfBlock
	short := ix.w + ix.s - 1
	prev, prev2 := -1, -1
	var ns uint64 // 1 when no registered window holds white space
	if ix.noSpace {
		ns = 1
	}
	n := len(text)
	// newlines handles the newlines of the word at text[q:], whose bytes
	// t flags (newlineFlags).
	newlines := func(q int, t uint64) {
		for ; t != 0; t &= t - 1 {
			nl := q + bits.TrailingZeros64(t)/8
			if text[nl] != '\n' {
				continue
			}
			if prev >= 0 && maybeShort(text, prev+1, nl, short) {
				ix.checkShortLine(text, prev2+1, prev, nl, out, &pb)
			}
			prev2, prev = prev, nl
		}
	}
	q := 0
	next := n // where the next span to skip starts
	if len(skip) > 0 {
		next = skip[0][0]
	}
	// Four words a turn: their filter probes are issued before any branch,
	// so the cache misses of a filter larger than L2 overlap; then the
	// newline test of all four (SWAR), and the rare hits.
	for ; q+32 <= n; q += 32 {
		if q >= next {
			// No line inside a joined block is short (each is 16
			// characters or more); the two line breaks before the span's
			// end are where the scan would have them.
			q = min((max(q, skip[0][1])+7)&^7, n)
			prev = bytes.LastIndexByte(text[:q], '\n')
			prev2 = bytes.LastIndexByte(text[:max(prev, 0)], '\n')
			if skip = skip[1:]; len(skip) > 0 {
				next = skip[0][0]
			} else {
				next = n
			}
			if q+32 > n {
				break
			}
		}
		b := text[q : q+32 : q+32] // one bounds check for the four loads
		x0 := binary.LittleEndian.Uint64(b[0:8])
		x1 := binary.LittleEndian.Uint64(b[8:16])
		x2 := binary.LittleEndian.Uint64(b[16:24])
		x3 := binary.LittleEndian.Uint64(b[24:32])
		h0, h1, h2, h3 := (x0^k0)*k1, (x1^k0)*k1, (x2^k0)*k1, (x3^k0)*k1
		// A word with white space in it, when no window has any (ns),
		// reads filter word 0 and counts as a miss: no branch, and no
		// cache miss for it (spaced.go).
		s0, s1, s2, s3 := spaced(x0)&ns, spaced(x1)&ns, spaced(x2)&ns, spaced(x3)&ns
		m0 := mask(h0, shift)&^bm[(h0>>shift)&^-s0] | s0
		m1 := mask(h1, shift)&^bm[(h1>>shift)&^-s1] | s1
		m2 := mask(h2, shift)&^bm[(h2>>shift)&^-s2] | s2
		m3 := mask(h3, shift)&^bm[(h3>>shift)&^-s3] | s3
		if m0 == 0 || m1 == 0 || m2 == 0 || m3 == 0 {
			for k, m := range [4]uint64{m0, m1, m2, m3} {
				if m == 0 {
					ix.probe(text, q+8*k, [4]uint64{x0, x1, x2, x3}[k], false, emit, &pb)
				}
			}
		}
		t0, t1, t2, t3 := newlineFlags(x0), newlineFlags(x1), newlineFlags(x2), newlineFlags(x3)
		if t0|t1|t2|t3 != 0 {
			if t0 != 0 {
				newlines(q, t0)
			}
			if t1 != 0 {
				newlines(q+8, t1)
			}
			if t2 != 0 {
				newlines(q+16, t2)
			}
			if t3 != 0 {
				newlines(q+24, t3)
			}
		}
	}
	for ; q+8 <= n; q += 8 {
		x := binary.LittleEndian.Uint64(text[q:])
		h := (x ^ k0) * k1
		if mask(h, shift)&^bm[h>>shift] == 0 {
			ix.probe(text, q, x, false, emit, &pb)
		}
		newlines(q, newlineFlags(x))
	}
	for ; q < n; q++ {
		if q+ix.w <= n {
			x := load(text[q:]) & ix.mask
			if ix.mayHave(x) {
				ix.probe(text, q, x, false, emit, &pb)
			}
		}
		if text[q] == '\n' {
			if prev >= 0 && maybeShort(text, prev+1, q, short) {
				ix.checkShortLine(text, prev2+1, prev, q, out, &pb)
			}
			prev2, prev = prev, q
		}
	}
	if prev >= 0 && maybeShort(text, prev+1, n, short) {
		ix.checkShortLine(text, prev2+1, prev, n, out, &pb)
	}
	ix.giveBack(&pb)
}

// probe checks the window x at text[q:] against the window PRF, then
// verifies each candidate form exactly by HMAC over its whole span (over
// line breaks for wrappable forms), and extends a base64 core to its end
// and padded variants where they match too.
func (ix *Index) probe(text []byte, q int, x uint64, onlyWrap bool, emit func(Match), pb *prfBlock) {
	key := uint64(ix.prfScan(pb, x)) << 32
	b := key >> (64 - bits.TrailingZeros(uint(len(ix.dir)-1)))
	lo, hi := ix.dir[b], ix.dir[b+1]
	if lo > hi || int(hi) > len(ix.entries) {
		return // a damaged directory: never trusted
	}
	e := ix.entries[lo:hi]
	i := 0
	for i < len(e) && e[i] < key {
		i++
	}
	var m *macer // taken at the first candidate
	for ; i < len(e) && e[i]&^0xFFFFFFFF == key; i++ {
		fi := int(e[i] >> 5 & 0x7FFFFFF)
		f := ix.form(fi)
		if f == nil || int(e[i]&31)+ix.w > int(f.length) {
			continue // a damaged entry: never trusted
		}
		if onlyWrap && !f.wrap {
			continue
		}
		if m == nil {
			m = ix.macers.Get().(*macer)
			m.used = 0
		}
		start, end, wrapped, ok := ix.verifyAt(text, q, int(e[i]&31), f, m)
		if !ok {
			continue
		}
		for f.ext != 0 {
			g := ix.form(int(f.ext) - 1) // ext > its own index + 1: the chain ends
			if g == nil {
				break
			}
			s2, e2, w2, ok := ix.verifyAt(text, start, 0, g, m)
			if !ok || s2 != start {
				break
			}
			f, end, wrapped = g, e2, wrapped || w2
		}
		emit(ix.match(start, end, f, wrapped))
	}
	if m != nil {
		ix.macers.Put(m)
	}
	if !onlyWrap && len(ix.parts) > 0 {
		ix.probePart(text, q, key, emit, pb)
	}
}

// probePart looks the window at text[q:] (whose keyed hash is key) up
// among the part windows: every offset of every secret's raw value. From
// a hit it extends byte by byte, both ways, while each window matches the
// same secret at the next offset, and emits the run when it is at least
// partMin bytes long: a contiguous piece of a secret, every window of it
// checked.
func (ix *Index) probePart(text []byte, q int, key uint64, emit func(Match), pb *prfBlock) {
	b := key >> (64 - bits.TrailingZeros(uint(len(ix.partDir)-1)))
	lo, hi := ix.partDir[b], ix.partDir[b+1]
	if lo > hi || int(hi) > len(ix.parts) {
		return // a damaged directory: never trusted
	}
	for _, e := range ix.parts[lo:hi] {
		if e&^0xFFFFFFFF != key {
			continue
		}
		sec, o := uint32(e>>12&partSecretMask), int(e&partOffsetMask)
		start, so := q, o
		for start > 0 && so > 0 && ix.partAt(text, start-1, sec, so-1, pb) {
			start, so = start-1, so-1
		}
		end, eo := q, o // the last window checked starts at end, offset eo
		for ix.partAt(text, end+1, sec, eo+1, pb) {
			end, eo = end+1, eo+1
		}
		end += ix.w
		if end-start >= ix.partMin {
			emit(Match{Start: start, End: end, Name: ix.name(sec) + "(part)", Kind: "part"})
		}
	}
}

// partAt reports whether the window at text[p:] is secret sec's window at
// offset off.
func (ix *Index) partAt(text []byte, p int, sec uint32, off int, pb *prfBlock) bool {
	if p < 0 || p+ix.w > len(text) || off < 0 || off > partOffsetMask {
		return false
	}
	x := load(text[p:]) & ix.mask
	if !ix.mayHave(x) {
		return false
	}
	want := uint64(ix.prfScan(pb, x))<<32 | uint64(sec)<<12 | uint64(off)
	b := want >> (64 - bits.TrailingZeros(uint(len(ix.partDir)-1)))
	lo, hi := ix.partDir[b], ix.partDir[b+1]
	if lo > hi || int(hi) > len(ix.parts) {
		return false
	}
	_, found := slices.BinarySearch(ix.parts[lo:hi], want)
	return found
}

// Pending returns where a registered form that text ends in the middle of
// may start: the smallest start of a form one of whose windows lies in the
// text's last bytes, at an offset that puts the form's end past the text;
// len(text) when there is none. A stream holds back text[Pending(text):]
// when its input pauses, so a secret written in two parts is never
// emitted in two parts. (A window is a keyed 32-bit check, so a false
// hold is rare and only delays output until more input or its end.)
func (ix *Index) Pending(text []byte) int {
	if ix == nil || len(ix.forms) == 0 {
		return len(text)
	}
	from := len(text)
	var buf [16]byte
	for p := max(0, len(text)-ix.maxLen); p+ix.w <= len(text); p++ {
		x := load(text[p:]) & ix.mask
		if !ix.mayHave(x) {
			continue
		}
		key := uint64(ix.prf32(x, &buf)) << 32
		b := key >> (64 - bits.TrailingZeros(uint(len(ix.dir)-1)))
		lo, hi := ix.dir[b], ix.dir[b+1]
		if lo > hi || int(hi) > len(ix.entries) {
			continue
		}
		for _, e := range ix.entries[lo:hi] {
			if e&^0xFFFFFFFF != key {
				continue
			}
			f := ix.form(int(e >> 5 & 0x7FFFFFF))
			if f == nil {
				continue
			}
			start := p - int(e&31)
			if start >= 0 && start+int(f.length) > len(text) && start < from {
				from = start
			}
		}
	}
	return from
}

// gather collects n form bytes around text[q], o of them before it,
// skipping line breaks ("\n" or "\r\n" and the spaces and tabs after it;
// an empty line ends a form). It returns the span in text and the bytes.
func gather(text []byte, q, o, n int, buf []byte) (start, end int, joined []byte, ok bool) {
	// Walk back over o form bytes.
	p := q
	for need := o; need > 0; {
		if p == 0 {
			return 0, 0, nil, false
		}
		if b := breakBefore(text, p); b >= 0 {
			if b == 0 || text[b-1] == '\n' {
				return 0, 0, nil, false
			}
			p = b
			continue
		}
		p--
		need--
	}
	start = p
	for p < len(text) && len(buf) < n {
		c := text[p]
		if c == '\r' && p+1 < len(text) && text[p+1] == '\n' {
			p++
			c = '\n'
		}
		if c == '\n' {
			if len(buf) == 0 {
				return 0, 0, nil, false
			}
			p++
			for p < len(text) && (text[p] == ' ' || text[p] == '\t') {
				p++
			}
			if p < len(text) && (text[p] == '\n' || text[p] == '\r') {
				return 0, 0, nil, false
			}
			continue
		}
		buf = append(buf, c)
		p++
	}
	if len(buf) < n {
		return 0, 0, nil, false
	}
	return start, p, buf, true
}

// breakBefore reports whether text[:p] ends with a line break plus
// indentation, and returns where that break starts, or -1.
func breakBefore(text []byte, p int) int {
	j := p
	for j > 0 && (text[j-1] == ' ' || text[j-1] == '\t') {
		j--
	}
	if j == 0 || text[j-1] != '\n' {
		return -1
	}
	j--
	if j > 0 && text[j-1] == '\r' {
		j--
	}
	return j
}

// findShortLineWraps covers what the direct scan cannot guarantee: a form
// whose first two pieces are both shorter than W+S-1 bytes. Its second
// piece is then a short line, and it starts in the last W+S-2 content
// bytes of the line before; each such start is checked with a window
// gathered across the line break. Newlines are found eight bytes at a
// time (SWAR), so text with no short lines costs little more than a read.
func (ix *Index) findShortLineWraps(text []byte) []Match {
	var out []Match
	var pb prfBlock
	short := ix.w + ix.s - 1
	prev, prev2 := -1, -1 // the last two newline positions
	i := 0
	for ; i+8 <= len(text); i += 8 {
		for t := newlineFlags(binary.LittleEndian.Uint64(text[i:])); t != 0; t &= t - 1 {
			nl := i + bits.TrailingZeros64(t)/8
			if text[nl] != '\n' {
				continue
			}
			if prev >= 0 && maybeShort(text, prev+1, nl, short) {
				ix.checkShortLine(text, prev2+1, prev, nl, &out, &pb)
			}
			prev2, prev = prev, nl
		}
	}
	for ; i < len(text); i++ {
		if text[i] == '\n' {
			if prev >= 0 && maybeShort(text, prev+1, i, short) {
				ix.checkShortLine(text, prev2+1, prev, i, &out, &pb)
			}
			prev2, prev = prev, i
		}
	}
	if prev >= 0 && maybeShort(text, prev+1, len(text), short) {
		ix.checkShortLine(text, prev2+1, prev, len(text), &out, &pb)
	}
	ix.giveBack(&pb)
	return out
}

// maybeShort is a quick test that line text[s:e] may have fewer than
// short content bytes: false when the byte short places before its end
// (before a trailing "\r") is not indentation.
func maybeShort(text []byte, s, e, short int) bool {
	if e > s && text[e-1] == '\r' {
		e--
	}
	if e-s < short {
		return e > s
	}
	c := text[e-short]
	return c == ' ' || c == '\t'
}

// checkShortLine looks at the line text[brk+1:end] whose previous line is
// text[prevStart:brk]: when the line's content is short and the previous
// line's is not, a form may start in the previous line's last W+S-2
// content bytes with its first two pieces short. Those starts are covered
// by sampling the joined text (line break removed) every S bytes from the
// first of them, as the direct scan samples contiguous text. Its hits are
// encrypted in the caller's block pb. The joined text is gathered in
// shortLineHit, whose 64-byte buffers are off the stack again when a hit
// is probed: on a hook call's deepest path they outgrew the main
// goroutine's first stack (cmd/noxkey-hook's TestMainStackIsNeverCopied).
func (ix *Index) checkShortLine(text []byte, prevStart, brk, end int, out *[]Match, pb *prfBlock) {
	emit := func(m Match) {
		if strings.HasSuffix(m.Kind, "-wrapped") {
			*out = append(*out, m)
		}
	}
	for j := 0; ; {
		x, at, next, ok := ix.shortLineHit(text, prevStart, brk, end, j)
		if !ok {
			return
		}
		ix.probe(text, at, x, true, emit, pb)
		j = next
	}
}

// shortLineHit returns, of the windows checkShortLine samples, the first
// from the from-th byte of the joined text on that the filter may hold:
// its value, where it starts in text, and where the next sample is.
func (ix *Index) shortLineHit(text []byte, prevStart, brk, end, from int) (x uint64, at, next int, ok bool) {
	short := ix.w + ix.s - 1
	cs, ce := contentSpan(text, brk+1, end)
	if n := ce - cs; n <= 0 || n >= short {
		return 0, 0, 0, false
	}
	pcs, pce := contentSpan(text, prevStart, brk)
	if pce <= pcs {
		return 0, 0, 0, false
	}
	start := max(pcs, pce-(short-1))
	need := (pce - start) + ix.s - 1 + ix.w - 1
	var jb [64]byte  // joined bytes from start
	var jp [64]int32 // their positions in text
	n := 0
	for p := start; n < need && n < len(jb) && p < len(text); {
		if c := text[p]; c == '\n' || c == '\r' && p+1 < len(text) && text[p+1] == '\n' {
			if c == '\r' {
				p++
			}
			p++
			for p < len(text) && (text[p] == ' ' || text[p] == '\t') {
				p++
			}
			if p < len(text) && (text[p] == '\n' || text[p] == '\r') {
				break // an empty line ends a form
			}
			continue
		}
		jb[n], jp[n] = text[p], int32(p)
		n++
		p++
	}
	for j := from; j <= pce-start+ix.s-2 && j+ix.w <= n; j += ix.s {
		x := load(jb[j:j+ix.w]) & ix.mask
		if ix.mayHave(x) {
			return x, int(jp[j]), j + ix.s, true
		}
	}
	return 0, 0, 0, false
}

// contentSpan trims indentation and a trailing "\r" from text[s:e].
func contentSpan(text []byte, s, e int) (int, int) {
	for s < e && (text[s] == ' ' || text[s] == '\t') {
		s++
	}
	if e > s && text[e-1] == '\r' {
		e--
	}
	return s, e
}
