package guard

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"hash"
	"math/rand/v2"
	"testing"
)

// countingHash counts the tags computed with it.
type countingHash struct {
	hash.Hash
	n *int
}

func (c countingHash) Reset() { *c.n++; c.Hash.Reset() }

// TestSharedWindowsAreCheckedOncePerSpan: 300 secrets that begin alike
// ("sk_live_", 24 lengths) share their first window; where the text holds
// it, a probe computes one tag a span, not one a secret, and still finds
// the one secret that is there whole.
func TestSharedWindowsAreCheckedOncePerSpan(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	randomValue := func(n int) []byte {
		v := []byte("sk_live_")
		for range n {
			v = append(v, alnum[r.IntN(len(alnum))])
		}
		return v
	}
	var secs []Secret
	for i := range 300 {
		secs = append(secs, Secret{fmt.Sprintf("org/p/KEY_%d", i), randomValue(24 + i%24)})
	}
	ix := mustBuild(t, secs...)
	tags := 0
	ix.macers.New = func() any { return &macer{h: countingHash{hmac.New(sha256.New, ix.hmacKey), &tags}} }
	// The shared window at a sampled offset (a multiple of 8), then a
	// value of no secret; then one secret whole.
	text := append([]byte("token=\n "), randomValue(40)...)
	text = append(append(text, "\nkey="...), secs[7].Value...)
	ms := ix.Find(text)
	if len(ms) != 1 || ms[0].Name != "org/p/KEY_7" || !bytes.Equal(text[ms[0].Start:ms[0].End], secs[7].Value) {
		t.Fatalf("matches %+v, want the one secret whole", ms)
	}
	if tags > 2*24+8 {
		t.Fatalf("%d tags computed for 300 secrets of 24 lengths that share a window, want one a span", tags)
	}
	t.Logf("%d tags computed", tags)
}

// TestUnbrokenIsWhatGatherCollects: where unbroken says a span holds no
// line break for gather to cross, gather from any of its bytes collects
// that span itself (or none): every text of up to seven bytes of letters,
// spaces, tabs, "\r" and "\n", every span, every offset.
func TestUnbrokenIsWhatGatherCollects(t *testing.T) {
	const alphabet = "a \t\r\n"
	checked := 0
	for n := 1; n <= 7; n++ {
		text := make([]byte, n)
		for code := 0; code < pow(len(alphabet), n); code++ {
			for i, c := 0, code; i < n; i, c = i+1, c/len(alphabet) {
				text[i] = alphabet[c%len(alphabet)]
			}
			for start := 0; start < n; start++ {
				for end := start + 1; end <= n; end++ {
					if !unbroken(text, start, end) {
						continue
					}
					for o := 0; o < end-start; o++ {
						var buf [8]byte
						s, e, joined, ok := gather(text, start+o, o, end-start, buf[:0])
						if ok && (s != start || e != end || !bytes.Equal(joined, text[start:end])) {
							t.Fatalf("unbroken(%q, %d, %d), but gather from %d collected [%d, %d) %q", text, start, end, start+o, s, e, joined)
						}
						checked++
					}
				}
			}
		}
	}
	t.Logf("%d spans and offsets checked", checked)
}

func pow(b, n int) int {
	p := 1
	for range n {
		p *= b
	}
	return p
}

// TestGatheredBytesAreWiped: the bytes a check gathers over line breaks
// (text, perhaps a secret's) do not stay in the macer, which a pool keeps.
func TestGatheredBytesAreWiped(t *testing.T) {
	ix := mustBuild(t, Secret{"acme/api/KEY", []byte(stripe)})
	var f *formRec
	for i := range ix.forms {
		if ix.forms[i].wrap {
			f = &ix.forms[i]
			break
		}
	}
	if f == nil {
		t.Fatal("no wrappable form")
	}
	text := append(bytes.Repeat([]byte("Z"), 20), '\n')
	text = append(text, bytes.Repeat([]byte("Y"), 80)...)
	m := ix.macers.Get().(*macer)
	m.used = 0
	if _, _, _, ok := ix.verifyAt(text, 10, 10, f, m); ok {
		t.Fatal("a form matched text of Z and Y")
	}
	if bytes.Count(m.wrap[:], []byte{0}) != len(m.wrap) {
		t.Fatalf("the gathered bytes stayed in the macer: %q", bytes.Trim(m.wrap[:], "\x00"))
	}
}
