package guard

import (
	"encoding/base64"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestFinderAgreesWithFindOnTheWholeText feeds texts of up to 200 KB in
// pieces of every kind of size to one reused Finder: it reports a match
// exactly when Find on the whole text finds one, with the secret (raw or
// wrapped base64) at offsets around the windows' edges, after a long line
// (the buffer grows), and in no text at all.
func TestFinderAgreesWithFindOnTheWholeText(t *testing.T) {
	g := testGuard(t, Secret{"acme/api/KEY", []byte(stripe)})
	b64 := base64.StdEncoding.EncodeToString([]byte(stripe))
	var b strings.Builder
	for i := 0; b.Len() < 200<<10; i++ {
		b.WriteString("GET /api/items?page=")
		b.WriteString(strings.Repeat("x", i%97))
		b.WriteString(" 200\n")
	}
	clean := b.String()
	longLine := "a\n" + strings.Repeat("y", 90<<10) + "\n" + clean[:50<<10]
	texts := []string{"", "short " + stripe, clean, longLine, longLine[:70<<10] + stripe + longLine[70<<10:]}
	room := g.lookback() + finderRoom
	for _, form := range []string{stripe, b64[:20] + "\n  " + b64[20:]} {
		for _, edge := range []int{room, 2*room - g.lookback(), 3 * finderRoom} {
			for at := edge - len(form) - 1; at <= edge+1; at++ {
				texts = append(texts, clean[:at]+form+clean[at:])
			}
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	f := g.NewFinder()
	for i, text := range texts {
		want := len(g.Find([]byte(text))) > 0
		for _, piece := range []int{1 << 20, 4096, 1 + r.IntN(300)} {
			for s := text; len(s) > 0; {
				n := min(len(s), piece)
				f.Write([]byte(s[:n]))
				s = s[n:]
			}
			if got := f.End(); got != want {
				t.Fatalf("text %d (%d bytes), pieces of %d: Finder says %v, Find on the whole text %v", i, len(text), piece, got, want)
			}
		}
	}
}
