package hooks

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
)

// TestClaudeQuietAgreesWithTheFullAnswer: on captured payloads and
// variants of them (the secret removed, encoded, wrapped; other events and
// tools), whenever ReadClaudeStrings and Quiet clear a payload, the full
// decode-and-answer path answers nothing for it either; and every variant
// that holds the secret in a string Claude answers for is not cleared.
func TestClaudeQuietAgreesWithTheFullAnswer(t *testing.T) {
	g := vaultGuard(t)
	b64 := base64.StdEncoding.EncodeToString([]byte(fixtureSecret))
	variants := map[string]func(string) string{
		"as captured":     func(s string) string { return s },
		"secret removed":  func(s string) string { return strings.ReplaceAll(s, fixtureSecret, "nothing-to-see") },
		"base64":          func(s string) string { return strings.ReplaceAll(s, fixtureSecret, b64) },
		"wrapped base64":  func(s string) string { return strings.ReplaceAll(s, fixtureSecret, b64[:13]+`\n  `+b64[13:]) },
		"escaped slashes": func(s string) string { return strings.ReplaceAll(s, fixtureSecret, `NXK-DUMMY-SECRET-8c1f2e9a7b\/x`) },
		"unicode escape":  func(s string) string { return strings.ReplaceAll(s, fixtureSecret, `\u004eXK-DUMMY-SECRET-8c1f2e9a7b`) },
		"as a prompt": func(s string) string {
			return `{"hook_event_name":"UserPromptSubmit","session_id":"s","prompt":"use ` + fixtureSecret + ` please"}`
		},
		"clean prompt": func(s string) string { return `{"hook_event_name":"UserPromptSubmit","prompt":"hello"}` },
		"a Read":       func(s string) string { return strings.Replace(s, `"tool_name": "Bash"`, `"tool_name": "Read"`, 1) },
	}
	quiet := 0
	for _, name := range []string{"claude-PostToolUse-Bash.stdin.json", "claude-PostToolUseFailure-Bash.stdin.json", "claude-PreToolUse-Bash.stdin.json"} {
		for vname, vary := range variants {
			payload := []byte(vary(string(fixture(t, name))))
			if !json.Valid(payload) {
				t.Fatalf("%s %s: the variant is not JSON", name, vname)
			}
			cs, ok := ReadClaudeStrings(payload)
			if !ok {
				t.Fatalf("%s %s: a valid payload was not read", name, vname)
			}

			var p struct {
				Event string `json:"hook_event_name"`
				Tool  string `json:"tool_name"`
			}
			json.Unmarshal(payload, &p)
			if cs.Event != p.Event || cs.complete && cs.Tool != p.Tool {
				t.Fatalf("%s %s: event/tool %q/%q, the full decode says %q/%q", name, vname, cs.Event, cs.Tool, p.Event, p.Tool)
			}
			if cs.complete != cs.MayBeQuiet() {
				t.Fatalf("%s %s: read whole: %v, though it may be quiet: %v (only those are read whole)", name, vname, cs.complete, cs.MayBeQuiet())
			}
			out, _ := claude(payload, g, nil)
			if cs.Quiet(g) {
				quiet++
				if len(out) != 0 {
					t.Errorf("%s %s: cleared as quiet, but the full answer is %d bytes", name, vname, len(out))
				}
			} else if vname == "secret removed" && cs.MayBeQuiet() {
				t.Errorf("%s %s: a payload without the secret was not cleared", name, vname)
			}
		}
	}
	if quiet == 0 {
		t.Fatal("no payload was cleared")
	}
}

// TestReadClaudeStringsRefusesWhatItCannotReadExactly: anything but one
// well-formed object with unique names and valid UTF-8 goes to the full
// decoder, as does an event that is not a string.
func TestReadClaudeStringsRefusesWhatItCannotReadExactly(t *testing.T) {
	for _, in := range []string{
		``, `[]`, `"x"`, `{`, `{"hook_event_name":"PostToolUse"} {}`, `{"a":1,"a":2}`,
		`{"hook_event_name":"PostToolUse","tool_response":"` + "\xff" + `"}`,
		`{"hook_event_name":"PostToolUse","hook_event_name":"PreToolUse"}`,
	} {
		if _, ok := ReadClaudeStrings([]byte(in)); ok {
			t.Errorf("%q was read", in)
		}
	}
	cs, ok := ReadClaudeStrings([]byte(`{"hook_event_name":["PostToolUse"],"tool_name":{"x":"Bash"}}`))
	if !ok || cs.Event != "" || cs.Tool != "" || cs.MayBeQuiet() {
		t.Errorf("an event that is not a string: %+v %v", cs, ok)
	}
}

// TestClaudeQuietFindsSecretsAcrossWindows: a long tool output is
// unescaped into windows (guard.Finder); a secret, raw or wrapped base64,
// at every offset around the first windows' edges is still found, and the
// clean output is cleared.
func TestClaudeQuietFindsSecretsAcrossWindows(t *testing.T) {
	g := vaultGuard(t)
	var log strings.Builder
	for i := 0; log.Len() < 160<<10; i++ {
		fmt.Fprintf(&log, "%05d\tGET /api/v1/items?page=%d \"ok\" 200\n", i, i)
	}
	clean := log.String()
	payload := func(stdout string) []byte {
		b, _ := json.Marshal(map[string]any{"hook_event_name": "PostToolUse", "tool_name": "Bash", "tool_input": map[string]any{"command": "cat log"},
			"tool_response": map[string]any{"stdout": stdout, "stderr": "", "interrupted": false}})
		return b
	}
	quiet := func(p []byte) bool {
		cs, ok := ReadClaudeStrings(p)
		return ok && cs.Quiet(g)
	}
	if !quiet(payload(clean)) {
		t.Fatal("the clean 160 KB output was not cleared")
	}
	b64 := base64.StdEncoding.EncodeToString([]byte(fixtureSecret))
	forms := map[string]string{"raw": fixtureSecret, "wrapped base64": b64[:9] + "\n    " + b64[9:]}
	for name, form := range forms {
		// The Finder's windows (guard/finder.go) end at 8 + 64 KiB, then
		// every 64 KiB; the other edges are where they ended before.
		for _, edge := range []int{24 << 10, 32 << 10, 48 << 10, 56 << 10, 64 << 10, 72 << 10, 80 << 10, 136 << 10} {
			for at := edge - len(form) - 2; at <= edge+2; at++ {
				p := payload(clean[:at] + form + clean[at:])
				if quiet(p) {
					t.Fatalf("%s at %d: cleared as quiet", name, at)
				}
				if out, _ := claude(p, g, nil); len(out) == 0 {
					t.Fatalf("%s at %d: the full answer redacts nothing either", name, at)
				}
			}
		}
	}
}

// FuzzUnquoteTo: for every literal jsontext accepts, unquoteTo writes
// what jsontext.AppendUnquote returns, whatever the pieces.
func FuzzUnquoteTo(f *testing.F) {
	for _, s := range []string{`""`, `"a"`, `"a\nb\tc\"d\\e\/f\bg\fh\ri"`, `"\u0041\u00e9\u20AC\ud83d\ude00"`, `"\u001b[31mred"`, `"caf\u00e9 ` + "\u00e9\U0001F600" + `"`, `"\ud800"`, `"\"`, `"\x"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, lit []byte) {
		dec := jsontext.NewDecoder(bytes.NewReader(lit))
		v, err := dec.ReadValue()
		if err != nil || v.Kind() != '"' {
			return
		}
		lit = v
		want, err := jsontext.AppendUnquote(nil, lit)
		if err != nil {
			t.Fatalf("jsontext accepted %q but cannot unquote it: %v", lit, err)
		}
		var got bytes.Buffer
		if err := unquoteTo(&got, lit); err != nil || !bytes.Equal(got.Bytes(), want) {
			t.Fatalf("unquoteTo(%q) = %q, %v; want %q", lit, got.Bytes(), err, want)
		}
	})
}
