package prompt

import (
	"bytes"
	"strings"
	"testing"
)

func TestAnswers(t *testing.T) {
	for _, tc := range []struct {
		answer, yes, no string
		want            bool
	}{
		{"y\n", "yes", "no", true},
		{"YES\n", "yes", "no", true},
		{"  yes  \n", "yes", "no", true},
		{"n\n", "yes", "no", false},
		{"\n", "yes", "no", false},
		{"yep\n", "yes", "no", false},
		{"a\n", "Allow", "Always allow", false}, // "a" is both words' first letter
		{"allow\n", "Allow", "Always allow", true},
		{"\n", "OK", "", true}, // an acknowledgement
	} {
		var out bytes.Buffer
		a, err := ask(strings.NewReader(tc.answer), &out, "Use the key? ")
		if err != nil || isYes(a, tc.yes, tc.no) != tc.want {
			t.Errorf("%q to [%s/%s]: %v, want %v", tc.answer, tc.yes, tc.no, err, tc.want)
		}
		if out.String() != "Use the key? " {
			t.Errorf("prompt shown: %q", out.String())
		}
	}
	if _, err := ask(strings.NewReader(""), new(bytes.Buffer), "? "); err == nil {
		t.Error("no answer at all (EOF): no error")
	}
}
