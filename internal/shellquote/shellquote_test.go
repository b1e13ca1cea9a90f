package shellquote

import "testing"

func TestQuote(t *testing.T) {
	for _, tc := range []struct {
		in, posix, fish string
	}{
		{"plain", "'plain'", "'plain'"},
		{"it's", `'it'\''s'`, `'it\'s'`},
		{`a\b`, `'a\b'`, `'a\\b'`},
		{"", "''", "''"},
	} {
		if got := POSIX(tc.in); got != tc.posix {
			t.Errorf("POSIX(%q) = %s, want %s", tc.in, got, tc.posix)
		}
		if got := string(Append(nil, []byte(tc.in), true)); got != tc.fish {
			t.Errorf("fish(%q) = %s, want %s", tc.in, got, tc.fish)
		}
	}
}
