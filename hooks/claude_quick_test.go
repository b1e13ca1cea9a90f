package hooks

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
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
			p := ParseClaude(payload)
			if cs.Event != p.Event || cs.complete && cs.Tool != p.Tool {
				t.Fatalf("%s %s: event/tool %q/%q, the full decode says %q/%q", name, vname, cs.Event, cs.Tool, p.Event, p.Tool)
			}
			if cs.complete != cs.MayBeQuiet() {
				t.Fatalf("%s %s: read whole: %v, though it may be quiet: %v (only those are read whole)", name, vname, cs.complete, cs.MayBeQuiet())
			}
			out, _ := ClaudeAnswer(p, g, nil, ClaudeEnv{})
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
