package guard

import (
	"bytes"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// FuzzRedact: for any text with secrets inserted in any supported form,
// no registered form of any secret survives redaction; and text in which
// nothing matches comes out byte for byte.
func FuzzRedact(f *testing.F) {
	secrets := []Secret{
		{"acme/api/KEY", []byte(stripe)},
		{"acme/db/PASS", []byte(`p@ss w0rd/"quoted" 'x' \ end`)},
		{"acme/tls/PEM", []byte("-----BEGIN KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n-----END KEY-----")},
	}
	ix := mustBuild(f, secrets...)
	f.Add([]byte("plain text"), uint8(0), uint8(0), uint16(3))
	f.Add([]byte("prefix\n  indented\n"), uint8(1), uint8(2), uint16(9))
	f.Add(bytes.Repeat([]byte("ab\n"), 40), uint8(2), uint8(5), uint16(17))
	f.Fuzz(func(t *testing.T, text []byte, which, form uint8, pos uint16) {
		// Nothing inserted: unchanged unless the random text itself holds a form.
		if ms := ix.Find(text); len(ms) == 0 {
			if out := Redact(text, ms, ""); !bytes.Equal(out, text) {
				t.Fatal("text with no match was changed")
			}
		}
		s := secrets[int(which)%len(secrets)]
		var enc []byte
		switch form % 6 {
		case 0:
			enc = s.Value
		case 1:
			enc = []byte(base64.StdEncoding.EncodeToString(s.Value))
		case 2:
			enc = []byte(hex.EncodeToString(s.Value))
		case 3:
			enc = []byte(url.QueryEscape(string(s.Value)))
		case 4:
			enc = jsonEscape(s.Value, true, true)
		case 5:
			enc = []byte(base64.RawURLEncoding.EncodeToString(s.Value))
		}
		p := int(pos) % (len(text) + 1)
		in := append(append(append([]byte{}, text[:p]...), enc...), text[p:]...)
		out := Redact(in, ix.Find(in), "")
		if bytes.Contains(out, enc) {
			t.Fatalf("form %d of %s survives redaction", form%6, s.Name)
		}
	})
}

// FuzzLoad: a corrupt or truncated index is refused with an error, never
// a panic; so is a keyword table that does not fit its plan.
func FuzzLoad(f *testing.F) {
	ix, _, err := Build([]Secret{{"acme/api/KEY", []byte(stripe)}}, testKey, Options{minFilterWords: 8})
	if err != nil {
		f.Fatal(err)
	}
	good, _ := ix.MarshalBinary()
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte(fileMagic))
	st := &Settings{RulesEnabled: true, Specs: []RuleSpec{
		{ID: "demo", Regex: `dmo_[0-9a-z]{16}`, Keywords: []string{"dmo_", "eyj", "ab"}},
	}}
	withRules, _, err := Build([]Secret{{"acme/api/KEY", []byte(stripe)}}, testKey, Options{minFilterWords: 8, Settings: st})
	if err != nil {
		f.Fatal(err)
	}
	good, _ = withRules.MarshalBinary()
	f.Add(good)
	f.Fuzz(func(t *testing.T, data []byte) {
		// parse checks the MAC first; fuzz the structure behind it too by
		// re-sealing the MAC over the mutated bytes.
		k, _ := deriveKeys(testKey)
		if len(data) >= headerSize+trailerSize {
			d := append([]byte(nil), data...)
			size := len(d) - trailerSize
			copy(d[size+32:], trailerMagic)
			putMAC(k.macKey, d[:size], d[size:size+32])
			if ix, err := parse(d, k, true); err == nil {
				ix.Find([]byte("some text " + stripe + " more text\nand a line\n"))
				if kw, err := keywordSetIn(ix.plan.keywords, ix.keywords); err == nil {
					kw.each([]byte("eyJ dmo_0123 AB xyz"), func(int, int, int) {})
				}
			}
		}
		if ix, err := parse(data, k, true); err == nil {
			ix.Find([]byte("x"))
		}
	})
}

// FuzzDecode: the decoded views never panic or loop on any text, every
// match they report lies inside the text, and a secret inserted in a form
// only a view finds (xxd -p style hex with a line break, a backslash
// escape of each byte, base32, od -x words, a decimal byte list,
// UTF-16BE, od -d words), on lines of its own, is gone after redaction.
func FuzzDecode(f *testing.F) {
	secret := []byte(stripe)
	ix := mustBuild(f, Secret{"acme/api/KEY", secret})
	f.Add([]byte("00000000: 6b65 793d  key=\n"), uint16(0), uint8(0))
	f.Add([]byte(`"a\"b\\c\u00e4 &amp; %41 '' $$ `+"\x1b[31m"), uint16(3), uint8(1))
	f.Add([]byte("QUJD\nREVG\n====\n\x00a\x00b"), uint16(5), uint8(2))
	f.Add([]byte("0000000 6b73 6c5f\n"), uint16(7), uint8(3))
	f.Add([]byte("[1, 2, 3]\n"), uint16(2), uint8(4))
	f.Add([]byte("a\x00b\x00\xfe\xff"), uint16(1), uint8(5))
	f.Add([]byte("0000000 25963 15737\n0000004\n"), uint16(9), uint8(6))
	f.Fuzz(func(t *testing.T, text []byte, pos uint16, form uint8) {
		for _, m := range ix.findDecoded(text, decodeDepth, nil) {
			if m.Start < 0 || m.End > len(text) || m.Start >= m.End {
				t.Fatalf("a match outside the text: %+v of %d bytes", m, len(text))
			}
		}
		var enc []byte
		switch form % 7 {
		case 0: // hex broken over a line, as xxd -p does
			h := hex.EncodeToString(secret)
			enc = []byte(h[:30] + "\n" + h[30:])
		case 1: // every byte escaped
			for _, c := range secret {
				enc = append(enc, fmt.Sprintf(`\x%02x`, c)...)
			}
		case 2:
			enc = []byte(base32.StdEncoding.EncodeToString(secret))
		case 3: // little-endian 16-bit words, eight a line, as od -An -x prints them
			for i := 0; i < len(secret); i += 2 {
				if i > 0 && i%16 == 0 {
					enc = append(enc, '\n')
				}
				w := uint16(secret[i])
				if i+1 < len(secret) {
					w |= uint16(secret[i+1]) << 8
				}
				enc = append(enc, fmt.Sprintf(" %04x", w)...)
			}
		case 4: // a list of byte values, as Python prints list(b)
			enc = []byte(strings.ReplaceAll(fmt.Sprint(secret), " ", ", "))
		case 5: // UTF-16BE, as Java and iconv -t UTF-16BE write it
			for _, c := range secret {
				enc = append(enc, 0, c)
			}
		case 6: // 16-bit words in decimal, eight a line after an offset, as od -d prints them
			for i := 0; i < len(secret); i += 2 {
				if i%16 == 0 {
					if i > 0 {
						enc = append(enc, '\n')
					}
					enc = append(enc, fmt.Sprintf("%07o", i)...)
				}
				w := int(secret[i])
				if i+1 < len(secret) {
					w |= int(secret[i+1]) << 8
				}
				enc = append(enc, fmt.Sprintf(" %5d", w)...)
			}
		}
		// On lines of its own, as a program prints it (after a dump's
		// line, text would be its character column).
		p := int(pos) % (len(text) + 1)
		in := append(append(append([]byte{}, text[:p]...), '\n'), enc...)
		in = append(append(in, '\n'), text[p:]...)
		out := Redact(in, ix.FindAll(in), "")
		if bytes.Contains(out, enc) {
			t.Fatalf("form %d survives redaction", form%7)
		}
	})
}
