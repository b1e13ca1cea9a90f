package guard

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"runtime"
	"testing"
	"unicode"

	"pgregory.net/rapid"
)

// TestBinaryHeadIsNeverTexty: when binaryHead says the first bytes are
// binary, texty says so of every longer text that starts with them (at
// least 6 bytes longer), so a one-line base64 run can be given up after
// decoding its head. Bytes are drawn mostly from UTF-8's edge cases
// (lead bytes, continuation bytes, ASCII), where a head could mislead.
func TestBinaryHeadIsNeverTexty(t *testing.T) {
	edges := []byte{0x00, 0x09, 0x41, 0x7f, 0x80, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xe2, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff}
	saidBinary := 0
	rapid.Check(t, func(t *rapid.T) {
		// UTF-8 text (multi-byte runes across the head's end included),
		// with up to three bytes set to edge cases of UTF-8.
		b := []byte(rapid.StringOfN(rapid.RuneFrom(nil, unicode.Latin, unicode.Greek, unicode.Han, unicode.Cc), 8, 100, -1).Draw(t, "text"))
		if len(b) < binaryHeadLen+6 {
			return
		}
		for k := rapid.IntRange(0, 3).Draw(t, "k"); k > 0; k-- {
			b[rapid.IntRange(0, len(b)-1).Draw(t, "at")] = rapid.SampledFrom(edges).Draw(t, "c")
		}
		if binaryHead(b[:binaryHeadLen]) {
			saidBinary++
			if texty(b) {
				t.Fatalf("binaryHead(% x) but texty(% x)", b[:binaryHeadLen], b)
			}
		}
	})
	if saidBinary == 0 {
		t.Fatal("binaryHead never said binary: the test tested nothing")
	}
	// Valid UTF-8 split inside a sequence at the head's end is no
	// evidence: "é" is 0xc3 0xa9.
	head := []byte("abcdefghij\xc3\xa9")
	if binaryHead(head) {
		t.Fatal("binaryHead called UTF-8 text binary")
	}
	// UTF-16LE is texty: "ééé..." is e9 00 e9 00, not UTF-8.
	if binaryHead([]byte("\xe9\x00\xe9\x00\xe9\x00\xe9\x00\xe9\x00\xe9\x00")) {
		t.Fatal("binaryHead called UTF-16LE text binary")
	}
	if binaryHead([]byte("\x00\xe9\x00\xe9\x00\xe9\x00\xe9\x00\xe9\x00\xe9")) {
		t.Fatal("binaryHead called UTF-16BE text binary")
	}
	if !binaryHead([]byte("\xff\xfeabcdefghij")) {
		t.Fatal("binaryHead missed an invalid first byte")
	}
}

// TestIndexPair: indexPair finds what bytes.Index finds, in texts dense
// with the byte and its neighbours in every position of a word.
func TestIndexPair(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := rapid.SampledFrom([]byte{'"', '\''}).Draw(t, "c")
		s := rapid.SliceOfN(rapid.SampledFrom([]byte{c, c ^ 1, 'a', 0, 0x80 | c}), 0, 70).Draw(t, "s")
		if got, want := indexPair(s, c), bytes.Index(s, []byte{c, c}); got != want {
			t.Fatalf("indexPair(%q) = %d, bytes.Index = %d", s, got, want)
		}
	})
}

// TestDecodingAllocatesLittle: FindAll over realistic output (a third of
// it wrapped base64, a sixth one-line base64 runs) reuses its scratch: at
// most one allocation per 2 KiB scanned. (A buffer that escaped once cost
// one per run decoded: 2,700 per MB.)
func TestDecodingAllocatesLittle(t *testing.T) {
	ix := mustBuild(t, testSecrets(100)...)
	text := corpus(1 << 20)
	ix.FindAll(text) // scratch grown once
	if n := testing.AllocsPerRun(3, func() { ix.FindAll(text) }); n > float64(len(text)/2048) {
		t.Fatalf("FindAll of %d bytes: %.0f allocations, want at most %d", len(text), n, len(text)/2048)
	}
}

// TestDecodesAloneIsWhatDecodeDecodes: a run on one line that
// decodesAlone says nothing of is one whose decoding finds nothing, for
// runs of base64 and base32 characters and padding of every mix.
func TestDecodesAloneIsWhatDecodeDecodes(t *testing.T) {
	decoded := 0
	rapid.Check(t, func(t *rapid.T) {
		var run []byte
		for _, piece := range rapid.SliceOfN(rapid.IntRange(0, 4), 1, 4).Draw(t, "pieces") {
			switch piece {
			case 0, 1: // base64 of text (which decodes to text), any length
				plain := rapid.StringOfN(rapid.RuneFrom([]rune("abc def:{}\"")), 0, 40, -1).Draw(t, "plain")
				run = append(run, base64.StdEncoding.EncodeToString([]byte(plain))...)
			case 2: // base32's alphabet
				run = append(run, rapid.StringOfN(rapid.RuneFrom([]rune("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")), 0, 30, -1).Draw(t, "b32")...)
			case 3: // any characters of a run
				run = append(run, rapid.StringOfN(rapid.RuneFrom([]rune("abcXYZ0189+/-_")), 0, 30, -1).Draw(t, "chars")...)
			case 4:
				run = append(run, "=="[:rapid.IntRange(1, 2).Draw(t, "pad")]...)
			}
		}
		if len(run) == 0 {
			return
		}
		var r baseRun
		var v view
		r.reset(run)
		r.segment(0, len(run))
		found := false
		r.decodeChars(&v, run, 0, func(*view) { found = true })
		if found && !decodesAlone(run) {
			t.Fatalf("decodesAlone(%q) is false, but its decoding found a view", run)
		}
		if found {
			decoded++
		}
	})
	if decoded == 0 {
		t.Fatal("no run decoded to anything: the test tests nothing")
	}
}

// TestWrappedBlockIsJoinedInOneAllocation guards baseRun.decode's rule: the
// characters of a block broken over lines are copied into room made for
// all of them at once. Grown append by append, the copy took fresh memory
// twice its size or more, each page of it a page fault in a short-lived
// hook.
func TestWrappedBlockIsJoinedInOneAllocation(t *testing.T) {
	raw := make([]byte, 96<<10)
	for i := range raw {
		raw[i] = byte(i*7919 + i>>8)
	}
	enc := base64.StdEncoding.EncodeToString(raw)
	var text []byte
	for i := 0; i < len(enc); i += 76 {
		text = append(append(text, enc[i:min(i+76, len(enc))]...), '\n')
	}
	var runs [2]baseRun
	var v view
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	eachBaseRun(text, 8, &v, &runs, func(*view) {})
	runtime.ReadMemStats(&after)
	n := runs[0].n
	if n < len(enc)-76 {
		t.Fatalf("the block was not read as one run: %d of %d characters", n, len(enc))
	}
	// The copy (n bytes) and the segments' spans (12 bytes a line, a few
	// times over as they grow) are what decoding the run allocates.
	if got := after.TotalAlloc - before.TotalAlloc; got > uint64(n)*3/2 {
		t.Errorf("decoding a block of %d characters allocated %d bytes: its copy grew step by step", n, got)
	}
}

// TestUTF16ReadsTextAtMostTwice: however the text mixes characters that
// read as ASCII out of step (here UTF-16LE where U+638D, U+9F00 reads
// big-endian as a NUL under 'c', which stops that reading), the views
// eachUTF16 decodes add up to at most twice the text: a search that went
// on from the shorter reading reread the rest of the run at every stop.
func TestUTF16ReadsTextAtMostTwice(t *testing.T) {
	var u []uint16
	for len(u) < 64<<10 {
		u = append(u, 'k', 'e', 'y', 0x638d, 0x9f00, 'a', 'b', 'c')
	}
	text := make([]byte, 0, 2*len(u))
	for _, c := range u {
		text = append(text, byte(c), byte(c>>8))
	}
	var v view
	decoded := 0
	eachUTF16(text, 8, &v, func(v *view) { decoded += len(v.b) })
	if decoded == 0 || decoded > 2*len(text) {
		t.Fatalf("eachUTF16 decoded %d bytes of views from %d bytes of text, want some and at most %d", decoded, len(text), 2*len(text))
	}
}

// TestWordDumpLinesAreReadOnce: an od -d dump of many lines is read as
// words from its first line on, once: a word run started again at every
// line it had read made the work quadratic in the dump's length.
func TestWordDumpLinesAreReadOnce(t *testing.T) {
	data := make([]byte, 64<<10)
	for i := range data {
		data[i] = byte('a' + i%26)
	}
	var text []byte
	for i := 0; i < len(data); i += 16 {
		text = append(text, fmt.Sprintf("%07o", i)...)
		for j := i; j < i+16; j += 2 {
			text = append(text, fmt.Sprintf(" %5d", int(data[j])|int(data[j+1])<<8)...)
		}
		text = append(text, '\n')
	}
	var v view
	decoded := 0
	eachHexDump(text, 16, &v, func(v *view) { decoded += len(v.b) })
	if decoded < len(data) || decoded > 4*len(data) {
		t.Fatalf("eachHexDump decoded %d bytes of views from a dump of %d bytes, want %d to %d", decoded, len(data), len(data), 4*len(data))
	}
}
