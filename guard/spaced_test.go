package guard

import (
	"bytes"
	"os"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// TestSpaceSkipFindsTheSame: with no white space in any registered window,
// scanTiled does not look up text words that hold some (spaced.go); it
// finds what the scan that looks up every word finds, around spaces, tabs,
// line breaks and control characters, forms broken over lines included.
func TestSpaceSkipFindsTheSame(t *testing.T) {
	secs := []Secret{
		{"acme/api/TOKEN", []byte(stripe)},
		awkward[1],
		{"acme/x/HEX", []byte("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")},
	}
	ix := mustBuild(t, secs...)
	if !ix.noSpace || ix.w != 8 || ix.s != 8 {
		t.Fatalf("noSpace %v, window %d, step %d: the skip is not the one tested", ix.noSpace, ix.w, ix.s)
	}
	var forms []string
	for _, s := range secs {
		for _, f := range Forms(s.Value, 8) {
			forms = append(forms, string(f.Text))
		}
	}
	seps := []string{" ", "\t", "\n", "\r\n", "\x00", "\x1b", "  \n    ", "x", ""}
	rapid.Check(t, func(t *rapid.T) {
		var b strings.Builder
		for range rapid.IntRange(1, 12).Draw(t, "pieces") {
			b.WriteString(rapid.SampledFrom(seps).Draw(t, "sep"))
			f := rapid.SampledFrom(forms).Draw(t, "form")
			if rapid.Bool().Draw(t, "wrapped") {
				// Broken over lines, as fold and base64 -w do.
				width := rapid.IntRange(8, 40).Draw(t, "width")
				indent := rapid.SampledFrom([]string{"", "  ", "\t"}).Draw(t, "indent")
				b.Write(wrapped([]byte(f), width, "\n"+indent))
			} else {
				b.WriteString(f)
			}
			b.WriteString(rapid.SampledFrom([]string{" the end", " ok\n", "\n", ",", ""}).Draw(t, "after"))
		}
		text := []byte(b.String())
		got := ix.Find(text)
		ix.noSpace = false
		want := ix.Find(text)
		ix.noSpace = true
		if !slices.Equal(got, want) {
			t.Fatalf("skipping spaced words found %v, the full scan %v", got, want)
		}
	})
	// And the benchmark's realistic text, which is mostly prose.
	text := corpus(1 << 20)
	for _, f := range forms {
		text = append(append(text, " "+f+"\n"...), corpus(4<<10)...)
	}
	got := ix.Find(text)
	ix.noSpace = false
	want := ix.Find(text)
	ix.noSpace = true
	if !slices.Equal(got, want) {
		t.Fatalf("on the corpus: %d matches skipping, %d not", len(got), len(want))
	}
}

// TestNoSpaceOnlyWithoutWhiteSpace: an index of secrets none of whose
// registered windows holds white space skips; one secret with a space, a
// tab or a line break anywhere in it turns the skip off.
func TestNoSpaceOnlyWithoutWhiteSpace(t *testing.T) {
	for i, c := range []struct {
		v    string
		want bool
	}{
		{"Zq8xW3nKp2Lr7Vt5Yh6Gb4Nm", true}, {"pa\"ss'w$rd\\&<>ä😀", true},
		{"correct horse battery staple", false}, {"tab\tinside-a-secret", false},
		{"line one\nline two of a key", false}, {"short 1", false}, {"sk_live_ends_in_a_space ", false},
		// Past every form's windows, in the part windows only.
		{"sk_live_0123456789abcdefghijklmnopqrstuvwxyz012345 tail", false},
	} {
		ix := mustBuild(t, Secret{"acme/api/TOKEN", []byte(stripe)}, Secret{"acme/x/V", []byte(c.v)})
		if ix.noSpace != c.want {
			t.Errorf("value %d: noSpace %v, want %v", i, ix.noSpace, c.want)
		}
		if got := redactString(ix, "x "+c.v+" y"); got != "x [REDACTED:acme/x/V] y" {
			t.Errorf("value %d: not redacted whole", i)
		}
	}
}

// TestSpaceTagIsKeyed: the file says whether the skip applies only under
// the vault's key. The tag differs under another key for the same secrets,
// tells the two cases apart only with the key, and an index that holds
// zeros there (written before the tag) loads without the skip.
func TestSpaceTagIsKeyed(t *testing.T) {
	tagOf := func(p string) []byte {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b[spaceTagAt : spaceTagAt+8]
	}
	plain := writeIndex(t, Secret{"acme/api/TOKEN", []byte(stripe)})
	spacedIdx := writeIndex(t, Secret{"acme/api/TOKEN", []byte(stripe)}, Secret{"acme/x/V", []byte("two words")})
	for p, want := range map[string]bool{plain: true, spacedIdx: false} {
		ix, err := Load(p, testKeys)
		if err != nil {
			t.Fatal(err)
		}
		if ix.noSpace != want {
			t.Errorf("loaded noSpace %v, want %v", ix.noSpace, want)
		}
		if bytes.Equal(tagOf(p), make([]byte, 8)) {
			t.Error("the tag is zeros")
		}
		ix.Close()
	}
	// Under another key, the same secrets give another tag.
	other := bytes.Repeat([]byte{9}, 32)
	ix, _, err := Build([]Secret{{"acme/api/TOKEN", []byte(stripe)}}, other, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := ix.MarshalBinary()
	if bytes.Equal(b[spaceTagAt:spaceTagAt+8], tagOf(plain)) {
		t.Error("the tag is the same under two keys: it says something without the key")
	}
	// Zeros there, the MAC made again: a file from before the tag.
	data, _ := os.ReadFile(plain)
	k, err := deriveKeys(testKey)
	if err != nil {
		t.Fatal(err)
	}
	old, err := parse(data, k, true)
	if err != nil {
		t.Fatal(err)
	}
	clear(data[spaceTagAt : spaceTagAt+8])
	size := len(data) - trailerSize
	putMAC(old.macKey, data[:size], data[size:size+32])
	p := plain + ".old"
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	ix, err = Load(p, testKeys)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if ix.noSpace {
		t.Error("an index with zeros for the tag skips")
	}
	if got := redactString(ix, "x "+stripe+" y"); got != "x [REDACTED:acme/api/TOKEN] y" {
		t.Errorf("old index: %q", strings.ReplaceAll(got, stripe, "<the secret>"))
	}
}
