package guard

import (
	"bytes"
	"encoding/base64"
	mrand "math/rand/v2"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// TestJoinedBlocksNeedNoDirectScan: FindAll skips the direct scan inside
// a wrapped base64 block of binary data, which its joined view scans
// (skipJoined); it still redacts exactly what the direct scan and every
// decoded view together do. The texts put secrets' forms inside such
// blocks, on their first and last lines, right before and after them
// (on the same line and over a line break), and short lines after them,
// at every line width from 16 to 128.
func TestJoinedBlocksNeedNoDirectScan(t *testing.T) {
	secs := append([]Secret{
		{"acme/x/HEX", []byte("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")},
		{"acme/x/ALNUM", []byte("Zq8xW3nKp2Lr7Vt5")},
		// Base64 characters, then others; the other way round: a form
		// that begins in a block and ends after it, one that begins
		// before it and ends in it.
		{"acme/x/TAIL", []byte("Yh6Gb4Nm0AbZq8xW3nKp2Lr7:!@ tail")},
		{"acme/x/HEAD", []byte("#!:Yh6Gb4Nm0AbZq8xW3nKp2Lr7Vt5")},
		// The same, too short to have parts (whose windows would find a
		// piece of it anywhere).
		{"acme/x/SHORTTAIL", []byte("Zq8xWv:3!K@p7Qm")},
		{"acme/x/SHORTHEAD", []byte(":!@Zq8xWv3Kp7Qm")},
	}, awkward[:2]...)
	ix := mustBuild(t, secs...)
	if ix.w != 8 || ix.s != 8 {
		t.Fatalf("window %d, step %d: the skipping scan (scanTiled) is not the one used", ix.w, ix.s)
	}
	var forms, tails, heads [][]byte
	for i, s := range secs {
		for _, f := range Forms(s.Value, 8) {
			forms = append(forms, f.Text)
			switch i {
			case 2, 4:
				tails = append(tails, f.Text)
			case 3, 5:
				heads = append(heads, f.Text)
			}
		}
	}
	// anyForm is a form of any secret, or one of edge (those that cross a
	// block's edge on this side).
	anyForm := func(t *rapid.T, edge [][]byte) []byte {
		if rapid.Bool().Draw(t, "edge") {
			return rapid.SampledFrom(edge).Draw(t, "edge form")
		}
		return rapid.SampledFrom(forms).Draw(t, "form")
	}
	skipped := 0
	rapid.Check(t, func(t *rapid.T) {
		var text []byte
		for range rapid.IntRange(1, 4).Draw(t, "blocks") {
			text = append(text, rapid.SampledFrom([]string{"", "log line\n", "data: ", "x", "  "}).Draw(t, "before")...)
			if rapid.Bool().Draw(t, "form before") {
				text = append(text, anyForm(t, heads)...)
				text = append(text, rapid.SampledFrom([]string{"", "\n", "\r\n  "}).Draw(t, "gap")...)
			}
			data := rapid.SliceOfN(rapid.Byte(), 1500, 5000).Draw(t, "data")
			for range rapid.IntRange(0, 3).Draw(t, "inside") {
				s := rapid.SampledFrom(secs).Draw(t, "secret")
				at := rapid.IntRange(0, len(data)-len(s.Value)).Draw(t, "at")
				copy(data[at:], s.Value)
			}
			enc := base64.StdEncoding
			if rapid.Bool().Draw(t, "url") {
				enc = base64.URLEncoding
			}
			if rapid.Bool().Draw(t, "no padding") {
				enc = enc.WithPadding(base64.NoPadding)
			}
			b64 := []byte(enc.EncodeToString(data))
			if rapid.Bool().Draw(t, "form in the text") {
				// A form among the characters of a line: the direct scan's
				// find, which the joined view must make too.
				f := rapid.SampledFrom(forms).Draw(t, "form inside")
				at := rapid.IntRange(0, len(b64)).Draw(t, "form at")
				b64 = slices.Insert(b64, at, f...)
			}
			width := rapid.IntRange(16, 128).Draw(t, "width")
			indent := strings.Repeat(" ", rapid.IntRange(0, 4).Draw(t, "indent"))
			eol := rapid.SampledFrom([]string{"\n", "\r\n"}).Draw(t, "eol")
			text = append(text, wrapped(b64, width, eol+indent)...)
			text = append(text, rapid.SampledFrom([]string{"", "\n", "\n  ", "\nok\n", "."}).Draw(t, "after")...)
			if rapid.Bool().Draw(t, "form after") {
				text = append(text, anyForm(t, tails)...)
			}
			text = append(text, rapid.SampledFrom([]string{"\n", "\nab\ncd\n", " end\n"}).Draw(t, "end")...)
		}
		if sameAsWithoutSkipping(t, ix, text) {
			skipped++
		}
	})
	if skipped == 0 {
		t.Fatal("no text had a block long enough to skip: the test tests nothing")
	}
	// Every form of the two secrets that cross a block's edge, right
	// before and after a block (on its line, and over a line break), at
	// several widths, padded and not.
	r := mrand.New(mrand.NewPCG(9, 10))
	for _, n := range []int{3000, 3001} {
		data := make([]byte, n)
		for i := range data {
			data[i] = byte(r.Uint32())
		}
		b64 := base64.StdEncoding.EncodeToString(data)
		for _, width := range []int{16, 17, 63, 64, 76, 128} {
			block := wrapped([]byte(b64), width, "\n")
			for _, gap := range []string{"", "\n", "\r\n  "} {
				for _, f := range heads {
					text := append(append(append([]byte("x "), f...), gap...), block...)
					if !sameAsWithoutSkipping(t, ix, append(text, '\n')) {
						t.Fatalf("width %d: no block skipped", width)
					}
				}
				for _, f := range tails {
					text := append(append(append(slices.Clip(block), gap...), f...), "\nand a line of text after it\n"...)
					sameAsWithoutSkipping(t, ix, text)
				}
			}
		}
	}
}

// sameAsWithoutSkipping fails t unless FindAll on text redacts what the
// direct scan of the whole text and the decoded views do together, and
// reports whether FindAll skipped any of the text.
func sameAsWithoutSkipping(t interface {
	Helper()
	Fatalf(string, ...any)
}, ix *Index, text []byte) bool {
	t.Helper()
	var skip [][2]int
	dm := ix.findDecoded(text, decodeDepth, &skip)
	want := sortedDropInside(append(ix.find(text, nil), dm...))
	got := ix.FindAll(text)
	if a, b := covered(text, want), covered(text, got); !bytes.Equal(a, b) {
		t.Fatalf("skipping the joined blocks %v changed what is covered:\nwant %v\ngot  %v", skip, want, got)
	}
	if a, b := Names(want), Names(got); !sameSet(a, b) {
		t.Fatalf("skipping the joined blocks %v changed the names: want %v, got %v", skip, a, b)
	}
	return len(skip) > 0
}

func sortedDropInside(ms []Match) []Match {
	ms = dropInside(ms)
	sortMatches(ms)
	return ms
}

// covered marks each byte of text inside a match.
func covered(text []byte, ms []Match) []byte {
	c := make([]byte, len(text))
	for _, m := range ms {
		for i := m.Start; i < m.End; i++ {
			c[i] = 1
		}
	}
	return c
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
