package guard

import (
	"reflect"
	"testing"
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
	if err := got.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&got, st) {
		t.Fatalf("round trip:\n%+v\n%+v", got, *st)
	}
	for n := 0; n < len(b); n++ {
		if err := new(Settings).UnmarshalBinary(b[:n]); err == nil {
			t.Fatalf("truncated to %d of %d bytes: no error", n, len(b))
		}
	}
	if err := new(Settings).UnmarshalBinary(append(b, 0)); err == nil {
		t.Fatal("trailing byte: no error")
	}
}
