package jsonstr

import (
	"encoding/json"
	"testing"
	"unicode/utf8"

	"pgregory.net/rapid"
)

// TestAppendUnquoteIsJSONUnquote: for any valid UTF-8, the literal
// encoding/json writes decodes back to it; malformed literals are refused.
func TestAppendUnquoteIsJSONUnquote(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := rapid.String().Draw(t, "s")
		if !utf8.ValidString(s) {
			return
		}
		lit, _ := json.Marshal(s)
		got, ok := AppendUnquote([]byte("x"), lit)
		if !ok || string(got) != "x"+s {
			t.Fatalf("%s: %q %v", lit, got, ok)
		}
	})
	for _, bad := range []string{``, `"`, `"a\"`, `"\q"`, `"\u12"`, `abc`} {
		if _, ok := AppendUnquote(nil, []byte(bad)); ok {
			t.Errorf("%q was accepted", bad)
		}
	}
	if got, ok := AppendUnquote(nil, []byte(`"\ud83d\ude00\u00E4\/"`)); !ok || string(got) != "😀ä/" {
		t.Errorf("escapes: %q", got)
	}
}
