package guard

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/noxkey/noxkey/configs"
)

// TestSettingsRoundTrip: every field of the settings comes back from the
// index's binary form, and a damaged form is an error, not a panic.
func TestSettingsRoundTrip(t *testing.T) {
	st := &Settings{
		Fingerprint: "f00d", Placeholder: "<<%s>>", RulesEnabled: true, RuleFiles: []string{"/a/rules.toml", "/b/.gitleaks.toml"},
		Specs: []RuleSpec{
			{ID: "stripe", Regex: `sk_live_[0-9a-z]{24}`, SecretGroup: 1, Entropy: 3.5, Keywords: []string{"sk_live_"},
				Allow: []AllowSpec{{Regexes: []string{"EXAMPLE"}, Stopwords: []string{"test"}, Target: "match", And: true}}},
			{ID: "global", Global: true, Allow: []AllowSpec{{Stopwords: []string{"dummy"}}}},
			{ID: "plain", Regex: "x"},
		},
	}
	b, err := st.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var got Settings
	if err := unmarshalSettings(&got, b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&got, st) {
		t.Fatalf("round trip:\n%+v\n%+v", got, *st)
	}
	for n := 0; n < len(b); n++ {
		if err := unmarshalSettings(new(Settings), b[:n]); err == nil {
			t.Fatalf("truncated to %d of %d bytes: no error", n, len(b))
		}
	}
	if err := unmarshalSettings(new(Settings), append(b, 0)); err == nil {
		t.Fatal("trailing byte: no error")
	}
}

// TestFingerprintIsAsIndexesStoreIt computes the fingerprint as indexes
// written before fingerprintSum stored it (a SHA-256 of one line per input,
// from os.Stat) and wants the same value, and fingerprintIs to agree:
// otherwise every existing index would warn that guard.toml changed.
func TestFingerprintIsAsIndexesStoreIt(t *testing.T) {
	dir := t.TempDir()
	rules := filepath.Join(dir, "rules.toml")
	if err := os.WriteFile(filepath.Join(dir, "guard.toml"), []byte("min_length = 8\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(rules, []byte("[[rules]]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	files := []string{rules, filepath.Join(dir, "absent.toml")}
	h := sha256.New()
	h.Write([]byte(configs.GuardSum + "\n"))
	for _, f := range append([]string{filepath.Join(dir, "guard.toml")}, files...) {
		line := f + " absent"
		if fi, err := os.Stat(f); err == nil {
			line = fmt.Sprintf("%s %d %d", f, fi.Size(), fi.ModTime().UnixNano())
		}
		h.Write([]byte(line + "\n"))
	}
	want := hex.EncodeToString(h.Sum(nil))
	if got := Fingerprint(dir, files); got != want {
		t.Fatalf("Fingerprint = %s, want %s", got, want)
	}
	if !fingerprintIs(want, dir, files) {
		t.Fatal("fingerprintIs refuses the fingerprint")
	}
	if fingerprintIs(want, dir, files[:1]) {
		t.Fatal("fingerprintIs accepts the fingerprint of other inputs")
	}
}

// unmarshalSettings decodes what MarshalBinary wrote; anything else is an
// error.
func unmarshalSettings(st *Settings, b []byte) error {
	got, _, specs, err := decodeStored(b)
	if err != nil {
		return err
	}
	if got.Specs, err = decodeSpecs(specs); err != nil {
		return err
	}
	*st = *got
	return nil
}
