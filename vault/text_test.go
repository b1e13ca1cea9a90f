package vault

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
	"unicode/utf8"

	"pgregory.net/rapid"
)

// TestTextIsAJSONString: a value decodes from what encoding/json writes
// for a string, and encodes to what encoding/json reads back as the same
// string, for any valid UTF-8 (quotes, backslashes, controls, surrogate
// pairs, U+2028). The escapes themselves are internal/jsonstr's, tested
// there.
func TestTextIsAJSONString(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := rapid.String().Draw(t, "s")
		if !utf8.ValidString(s) {
			return
		}
		enc, _ := json.Marshal(s)
		var got text
		if err := json.Unmarshal(enc, &got); err != nil || string(got) != s {
			t.Fatalf("decode %s: %q %v", enc, got, err)
		}
		out, err := json.Marshal(text(s))
		if err != nil {
			t.Fatal(err)
		}
		var back string
		if err := json.Unmarshal(out, &back); err != nil || back != s {
			t.Fatalf("encode %q: %s %v", s, out, err)
		}
	})
}

// TestOpenPayloadReadsWhatSealWrites: every size around the chunk boundary
// round-trips, and a payload cut at a chunk boundary, cut inside a chunk,
// extended by an empty chunk or with a flipped byte is refused.
func TestOpenPayloadReadsWhatSealWrites(t *testing.T) {
	key := make([]byte, 16)
	const chunk = 64 * 1024
	for _, size := range []int{0, 1, chunk - 1, chunk, chunk + 1, 2 * chunk, 2*chunk + 5} {
		plain := make([]byte, size)
		for i := range plain {
			plain[i] = byte(i * 7)
		}
		p, err := sealPayload(key, plain)
		if err != nil {
			t.Fatal(err)
		}
		got, err := openPayload(key, p)
		if err != nil || string(got) != string(plain) {
			t.Fatalf("size %d: %v", size, err)
		}
		bad := map[string][]byte{
			"flipped": append([]byte(nil), p...),
			"cut":     p[:len(p)-1],
		}
		bad["flipped"][len(p)/2] ^= 1
		if size > chunk {
			bad["cut at a chunk"] = p[:16+chunk+16]
		}
		for name, b := range bad {
			if _, err := openPayload(key, b); err == nil {
				t.Errorf("size %d: %s payload opened", size, name)
			}
		}
	}
}

// TestMarshalIsMarshalIndent: the document's own encoder writes what
// json.MarshalIndent writes for the same document with its values as Go
// strings, byte for byte.
func TestMarshalIsMarshalIndent(t *testing.T) {
	type refPrevious struct {
		Value       string    `json:"value,omitempty"`
		ValueBase64 []byte    `json:"value_base64,omitempty"`
		Set         time.Time `json:"set"`
		Replaced    time.Time `json:"replaced"`
	}
	type refEntry struct {
		Path        string        `json:"path"`
		Value       string        `json:"value,omitempty"`
		ValueBase64 []byte        `json:"value_base64,omitempty"`
		Description string        `json:"description,omitempty"`
		Created     time.Time     `json:"created"`
		Updated     time.Time     `json:"updated"`
		History     []refPrevious `json:"history,omitempty"`
	}
	type refDoc struct {
		Format   string     `json:"format"`
		Version  int        `json:"version"`
		IndexKey []byte     `json:"index_key"`
		Secrets  []refEntry `json:"secrets"`
	}
	rapid.Check(t, func(t *rapid.T) {
		d := newDocument()
		ref := refDoc{Format: d.Format, Version: d.Version, IndexKey: d.IndexKey}
		n := rapid.IntRange(-1, 4).Draw(t, "n")
		if n < 0 {
			d.Secrets, ref.Secrets = nil, nil
		} else {
			d.Secrets, ref.Secrets = []entry{}, []refEntry{}
		}
		for i := 0; i < n; i++ {
			v := rapid.String().Draw(t, "value") + rapid.SampledFrom([]string{"", "<&>", "\u2028\u2029", "\x00\x1f\"\\", "ä😀", "\xff\xfe"}).Draw(t, "odd")
			ts := time.Unix(rapid.Int64Range(0, 4e9).Draw(t, "sec"), rapid.Int64Range(0, 1e9-1).Draw(t, "ns")).UTC()
			e := entry{Path: fmt.Sprintf("a/p%d/K", i), Description: rapid.SampledFrom([]string{"", "a <b> & \"c\""}).Draw(t, "desc"), Created: ts, Updated: ts}
			e.setValue([]byte(v))
			r := refEntry{Path: e.Path, Description: e.Description, Created: ts, Updated: ts, Value: string(e.Value), ValueBase64: e.ValueBase64}
			for j := rapid.IntRange(0, 2).Draw(t, "history"); j > 0; j-- {
				old := rapid.String().Draw(t, "old") + rapid.SampledFrom([]string{"x", "\xff", "\u2028"}).Draw(t, "oddold")
				p := previous{Set: ts, Replaced: ts.Add(time.Duration(j) * time.Second)}
				if utf8.ValidString(old) {
					p.Value = text(old)
				} else {
					p.ValueBase64 = []byte(old)
				}
				e.History = append(e.History, p)
				r.History = append(r.History, refPrevious{Value: string(p.Value), ValueBase64: p.ValueBase64, Set: p.Set, Replaced: p.Replaced})
			}
			d.Secrets = append(d.Secrets, e)
			ref.Secrets = append(ref.Secrets, r)
		}
		got, err := d.marshal()
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.MarshalIndent(ref, "", "  ")
		if string(got) != string(want) {
			t.Fatalf("got\n%s\nwant\n%s", got, want)
		}
	})
}
