package guard

import (
	"bytes"
	"crypto/rand"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

var testKey = bytes.Repeat([]byte{7}, 32)

// testKeys is the armed-key lookup of tests: testKey's, for its vault id.
func testKeys(id string) ([]byte, error) {
	tid, armed, err := ArmedKey(testKey)
	if err != nil || id != tid {
		return nil, fmt.Errorf("no key armed for vault %s", id)
	}
	return armed, nil
}

func mustBuild(t testing.TB, secrets ...Secret) *Index {
	t.Helper()
	ix, _, err := Build(secrets, testKey, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

func redactString(ix *Index, s string) string {
	return string(Redact([]byte(s), ix.Find([]byte(s)), ""))
}

const stripe = "sk_live_51HqLyjWDarjtT1zdp7dc4eC39HqLyjWD"

// encodings of a secret as other programs print them, one row per form.
func encodings(v string) map[string]string {
	b := []byte(v)
	return map[string]string{
		"raw":            v,
		"base64 std":     base64.StdEncoding.EncodeToString(b),
		"base64 raw std": base64.RawStdEncoding.EncodeToString(b),
		"base64 url":     base64.URLEncoding.EncodeToString(b),
		"base64 raw url": base64.RawURLEncoding.EncodeToString(b),
		"hex":            hex.EncodeToString(b),
		"HEX":            strings.ToUpper(hex.EncodeToString(b)),
		"query escape":   url.QueryEscape(v),
		"path escape":    url.PathEscape(v),
		"shell quote":    strings.ReplaceAll(v, "'", `'\''`),
	}
}

func TestEveryFormIsRedactedExactly(t *testing.T) {
	secrets := []string{
		stripe,
		`p@ss w0rd/with "quotes" & 'apostrophes' + more\stuff`,
		"pässwörd-ключ-🔑-秘密-12345678",
	}
	for _, v := range secrets {
		ix := mustBuild(t, Secret{"acme/api/KEY", []byte(v)})
		enc := encodings(v)
		js, _ := jsonMarshalString(v)
		enc["json go"] = js
		enc["json slash"] = string(jsonEscape([]byte(v), true, false))
		enc["json ascii"] = string(jsonEscape([]byte(v), false, true))
		enc["json slash ascii"] = string(jsonEscape([]byte(v), true, true))
		for name, e := range enc {
			text := "before <" + e + "> after"
			got := redactString(ix, text)
			if want := "before <[REDACTED:acme/api/KEY]> after"; got != want {
				t.Errorf("%q form %s: got %q", v[:6], name, got)
			}
		}
	}
}

func TestBase64AtEveryAlignmentInsideALargerBlob(t *testing.T) {
	v := []byte(stripe)
	ix := mustBuild(t, Secret{"acme/api/KEY", v})
	for pre := 0; pre < 6; pre++ {
		for post := 0; post < 4; post++ {
			for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
				blob := append(append(bytes.Repeat([]byte{0xA5}, pre), v...), bytes.Repeat([]byte{0x5A}, post)...)
				text := "data: " + enc.EncodeToString(blob) + " end"
				got := redactString(ix, text)
				if !strings.Contains(got, "[REDACTED:acme/api/KEY]") {
					t.Fatalf("pre %d post %d: base64 blob not redacted: %q", pre, post, got)
				}
				// What is left of the encoded secret is at most the 1-2 characters
				// that mix its bits with its neighbours'.
				rest := strings.NewReplacer("data: ", "", " end", "", "[REDACTED:acme/api/KEY]", "").Replace(got)
				if len(rest) > (pre*8+5)/6+1+(post*8+5)/6+1+2 {
					t.Errorf("pre %d post %d: %d characters of the blob left, too many: %q", pre, post, len(rest), got)
				}
			}
		}
	}
}

func TestWrappedAtEveryPosition(t *testing.T) {
	v := stripe
	ix := mustBuild(t, Secret{"acme/api/KEY", []byte(v)})
	b64 := base64.StdEncoding.EncodeToString([]byte(v))
	for _, tc := range []struct{ name, form string }{{"raw", v}, {"base64", b64}} {
		for _, brk := range []string{"\n", "\r\n", "\n  ", "\n\t\t"} {
			for i := 1; i < len(tc.form); i++ {
				text := "key: |\n  " + tc.form[:i] + brk + tc.form[i:] + "\nnext: line\n"
				got := redactString(ix, text)
				want := "key: |\n  [REDACTED:acme/api/KEY]\nnext: line\n"
				if got != want {
					t.Fatalf("%s broken at %d by %q: got %q", tc.name, i, brk, got)
				}
			}
		}
		// fold -w 8: every line short.
		var folded strings.Builder
		for i := 0; i < len(tc.form); i += 8 {
			folded.WriteString(tc.form[i:min(i+8, len(tc.form))] + "\n")
		}
		if got := redactString(ix, folded.String()); got != "[REDACTED:acme/api/KEY]\n" {
			t.Errorf("%s folded at 8: got %q", tc.name, got)
		}
	}
}

func TestMultiLineSecretWholeAndPerLine(t *testing.T) {
	pem := "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\nMzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu\n-----END PRIVATE KEY-----\n"
	ix := mustBuild(t, Secret{"acme/tls/KEY", []byte(pem)})
	if got := redactString(ix, "cat key.pem:\n"+pem+"done"); got != "cat key.pem:\n[REDACTED:acme/tls/KEY]done" {
		t.Errorf("whole PEM: %q", got)
	}
	lines := strings.Split(pem, "\n")
	got := redactString(ix, "head:\n"+lines[0]+"\n"+lines[1]+"\n")
	if strings.Contains(got, lines[1]) {
		t.Errorf("a line of the key printed alone was not redacted: %q", got)
	}
	js, _ := jsonMarshalString(pem)
	if got := redactString(ix, `{"key":"`+js+`"}`); got != `{"key":"[REDACTED:acme/tls/KEY]"}` {
		t.Errorf("PEM in JSON: %q", got)
	}
}

func TestNearMissesAndBenignTextAreUntouched(t *testing.T) {
	ix := mustBuild(t, Secret{"acme/api/KEY", []byte(stripe)}, Secret{"acme/db/PASSWORD", []byte("correct-horse-battery")})
	for _, text := range []string{
		stripe[:8],              // the peek prefix only
		stripe[:15],             // a run one byte shorter than a part
		stripe[26:],             // the last 15 bytes
		strings.ToUpper(stripe), // case differs
		"correct horse battery",
		"correct-horse-b",
		base64.StdEncoding.EncodeToString([]byte(stripe[:12])),
	} {
		in := "line: " + text + "\n"
		if got := redactString(ix, in); got != in {
			t.Errorf("near miss was changed: %q -> %q", in, got)
		}
	}
}

// TestPartsOfASecretAreRedacted: a contiguous run of at least 16 bytes of
// a secret, wherever it is cut and in the forms the decoders read, is
// redacted as a part; the rest of the text stays.
func TestPartsOfASecretAreRedacted(t *testing.T) {
	ix := mustBuild(t, Secret{"acme/api/KEY", []byte(stripe)}, Secret{"acme/db/PASSWORD", []byte("correct-horse-battery")})
	for text, want := range map[string]string{
		stripe[:len(stripe)-1]:                      "[REDACTED:acme/api/KEY(part)]",
		stripe[:len(stripe)-1] + "X":                "[REDACTED:acme/api/KEY(part)]X",
		"X" + stripe[1:]:                            "X[REDACTED:acme/api/KEY(part)]",
		stripe[:20]:                                 "[REDACTED:acme/api/KEY(part)]", // head -c 20
		stripe[len(stripe)-20:]:                     "[REDACTED:acme/api/KEY(part)]", // the last 20
		stripe[5:21]:                                "[REDACTED:acme/api/KEY(part)]", // 16 from the middle
		"sk_live_51HqLyjWDarjtT1zdp7dcZZZZZZZZZZZZ": "[REDACTED:acme/api/KEY(part)]ZZZZZZZZZZZZ",
		"correct-horse-batterz":                     "[REDACTED:acme/db/PASSWORD(part)]z",
		hex.EncodeToString([]byte(stripe[:20])):     "[REDACTED:acme/api/KEY(part)]",
	} {
		in := "line: " + text + "\n"
		if got := string(Redact([]byte(in), ix.FindAll([]byte(in)), "")); got != "line: "+want+"\n" {
			t.Errorf("%q -> %q, want %q", in, got, "line: "+want+"\n")
		}
	}
	// The same 20 bytes in the other decoded views.
	part := stripe[:20]
	var esc strings.Builder
	for _, c := range []byte(part) {
		fmt.Fprintf(&esc, "\\x%02x", c)
	}
	for name, text := range map[string]string{
		"base64":       base64.StdEncoding.EncodeToString([]byte(part)),
		"base32":       base32.StdEncoding.EncodeToString([]byte(part)),
		"URL encoding": url.QueryEscape(part),
		`\x escapes`:   esc.String(),
		`\u escapes`:   strings.ReplaceAll(part, "_", `\u005f`),
	} {
		in := "line: " + text + "\n"
		if got := string(Redact([]byte(in), ix.FindAll([]byte(in)), "")); !strings.Contains(got, "(part)]") || strings.Contains(got, text) {
			t.Errorf("%s: a part was not redacted: %q", name, got)
		}
	}
}

func TestOverlappingSpansMerge(t *testing.T) {
	a := "aaaa-overlap-bbbb-1234567"
	b := "overlap-bbbb-1234567-cccc"
	ix := mustBuild(t, Secret{"x/A", []byte(a)}, Secret{"x/B", []byte(b)})
	got := redactString(ix, "<aaaa-overlap-bbbb-1234567-cccc>")
	if got != "<[REDACTED:x/A,x/B]>" {
		t.Errorf("got %q", got)
	}
	got = redactString(ix, a+" and "+a)
	if got != "[REDACTED:x/A] and [REDACTED:x/A]" {
		t.Errorf("got %q", got)
	}
}

func TestShortSecretsAreSkippedAndReported(t *testing.T) {
	ix, skipped, err := Build([]Secret{{"x/SHORT", []byte("abc12")}, {"x/OK", []byte("abc123")}}, testKey, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(skipped) != "[x/SHORT]" {
		t.Errorf("skipped = %v", skipped)
	}
	if got := redactString(ix, "abc12 abc123 xabc123x"); got != "abc12 [REDACTED:x/OK] x[REDACTED:x/OK]x" {
		t.Errorf("got %q", got)
	}
}

func TestRandomSecretsAtRandomPositions(t *testing.T) {
	var secs []Secret
	for i := 0; i < 50; i++ {
		v := make([]byte, 6+i%40)
		rand.Read(v)
		secs = append(secs, Secret{fmt.Sprintf("r/S%d", i), v})
	}
	ix := mustBuild(t, secs...)
	for i, s := range secs {
		pad := make([]byte, i%17)
		for j := range pad {
			pad[j] = 'z'
		}
		text := append(append(append([]byte{}, pad...), s.Value...), pad...)
		got := Redact(text, ix.Find(text), "")
		if want := string(pad) + "[REDACTED:" + s.Name + "]" + string(pad); string(got) != want {
			t.Fatalf("secret %d (%d bytes) at offset %d not redacted exactly: %v", i, len(s.Value), len(pad), ix.Find(text))
		}
	}
}

func jsonMarshalString(s string) (string, error) {
	b := jsonEscape([]byte(s), false, false)
	return string(b), nil
}

// TestPercentFormsAsOtherProgramsWriteThem pins the percent-encoded forms
// to what Python's quote / quote_plus and JavaScript's encodeURIComponent
// print for the same value (computed with those tools, not with ours).
func TestPercentFormsAsOtherProgramsWriteThem(t *testing.T) {
	v := `p@ss w0rd/with "quotes" & 'apostrophes' + more\stuff`
	ix := mustBuild(t, Secret{"acme/db/PASS", []byte(v)})
	for name, enc := range map[string]string{
		"python quote(safe='')":      "p%40ss%20w0rd%2Fwith%20%22quotes%22%20%26%20%27apostrophes%27%20%2B%20more%5Cstuff",
		"python quote_plus(safe='')": "p%40ss+w0rd%2Fwith+%22quotes%22+%26+%27apostrophes%27+%2B+more%5Cstuff",
		"js encodeURIComponent":      "p%40ss%20w0rd%2Fwith%20%22quotes%22%20%26%20'apostrophes'%20%2B%20more%5Cstuff",
	} {
		if got := redactString(ix, "url?p="+enc+"&x=1"); got != "url?p=[REDACTED:acme/db/PASS]&x=1" {
			t.Errorf("%s: got %q", name, got)
		}
	}
}
