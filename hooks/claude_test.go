package hooks

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noxkey/noxkey/guard"
)

// The secret the captured Claude Code payloads carry (fixtures from
// hooks/testdata, recorded against the real client).
const fixtureSecret = "NXK-DUMMY-SECRET-8c1f2e9a7b"

func testGuard(t *testing.T, secrets ...guard.Secret) *guard.Guard {
	t.Helper()
	ix, _, err := guard.Build(secrets, bytes.Repeat([]byte{3}, 32), guard.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return &guard.Guard{Index: ix, Placeholder: guard.DefaultPlaceholder}
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decodeAnswer(t *testing.T, out []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("answer is not JSON: %q", out)
	}
	return m
}

func vaultGuard(t *testing.T) *guard.Guard {
	return testGuard(t, guard.Secret{Name: "acme/test/NOXKEY_TEST_SECRET", Value: []byte(fixtureSecret)})
}

func TestClaudePostToolUseReplacesOutputKeepingItsShape(t *testing.T) {
	out, code := claude(fixture(t, "claude-PostToolUse-Bash.stdin.json"), vaultGuard(t), nil)
	if code != 0 || bytes.Contains(out, []byte(fixtureSecret)) {
		t.Fatalf("exit %d, answer holds the secret: %s", code, out)
	}
	hso := decodeAnswer(t, out)["hookSpecificOutput"].(map[string]any)
	if hso["hookEventName"] != "PostToolUse" {
		t.Fatalf("event %v", hso["hookEventName"])
	}
	got := hso["updatedToolOutput"].(map[string]any)
	want := map[string]any{"stdout": "key is [REDACTED:acme/test/NOXKEY_TEST_SECRET]", "stderr": "", "interrupted": false, "isImage": false, "noOutputExpected": false}
	if len(got) != len(want) {
		t.Fatalf("shape changed: %v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if ctx := hso["additionalContext"].(string); !strings.Contains(ctx, "acme/test/NOXKEY_TEST_SECRET") || !strings.Contains(ctx, "$NOXKEY_TEST_SECRET") {
		t.Errorf("additionalContext = %q", ctx)
	}
}

// TestClaudeLeavesCleanOutputAlone: with nothing to redact, and noxkey's
// shell prefix in place, no decision.
func TestClaudeLeavesCleanOutputAlone(t *testing.T) {
	g := testGuard(t, guard.Secret{Name: "acme/x/OTHER", Value: []byte("some-other-secret-value")})
	for _, f := range []string{"claude-PostToolUse-Bash.stdin.json", "claude-PreToolUse-Bash.stdin.json", "claude-PostToolUseFailure-Bash.stdin.json"} {
		if out, code := claudeWith(fixture(t, f), g, nil, claudeEnv{ShellPrefix: "/usr/bin/noxkey-hook --shell"}); code != 0 || len(out) != 0 {
			t.Errorf("%s: answered %q (exit %d); nothing to redact means no decision", f, out, code)
		}
	}
	if !claudeNeedsGuard(fixture(t, "claude-PostToolUse-Bash.stdin.json")) || !claudeNeedsGuard(fixture(t, "claude-PreToolUse-Bash.stdin.json")) {
		t.Error("PostToolUse and a Bash PreToolUse load the guard")
	}
}

func TestClaudeFailureNamesTheSecretsNeverTheValue(t *testing.T) {
	out, _ := claude(fixture(t, "claude-PostToolUseFailure-Bash.stdin.json"), vaultGuard(t), nil)
	if bytes.Contains(out, []byte(fixtureSecret)) {
		t.Fatal("answer holds the secret")
	}
	hso := decodeAnswer(t, out)["hookSpecificOutput"].(map[string]any)
	if !strings.Contains(hso["additionalContext"].(string), "acme/test/NOXKEY_TEST_SECRET") {
		t.Errorf("got %v", hso)
	}
}

func TestClaudeBlocksAPromptHoldingASecret(t *testing.T) {
	payload := []byte(`{"hook_event_name":"UserPromptSubmit","session_id":"s","cwd":"/p","prompt":"deploy with key ` + fixtureSecret + ` please"}`)
	out, code := claude(payload, vaultGuard(t), nil)
	m := decodeAnswer(t, out)
	if code != 0 || m["decision"] != "block" || m["suppressOriginalPrompt"] != true || bytes.Contains(out, []byte(fixtureSecret)) {
		t.Fatalf("answer %s", out)
	}
	if r := m["reason"].(string); !strings.Contains(r, "acme/test/NOXKEY_TEST_SECRET") || !strings.Contains(r, "noxkey set") {
		t.Errorf("reason %q", r)
	}
	clean := []byte(`{"hook_event_name":"UserPromptSubmit","prompt":"deploy please"}`)
	if out, _ := claude(clean, vaultGuard(t), nil); len(out) != 0 {
		t.Errorf("clean prompt answered %s", out)
	}
}

func TestClaudeRedactsEveryToolsLeaves(t *testing.T) {
	payload := []byte(`{"hook_event_name":"PostToolUse","tool_name":"mcp__db__query","tool_response":{"content":[{"type":"text","text":"row: ` + fixtureSecret + `"},{"type":"text","text":"clean"}],"meta":{"n":2,"nested":["x","` + fixtureSecret + `"]}}}`)
	out, _ := claude(payload, vaultGuard(t), nil)
	if bytes.Contains(out, []byte(fixtureSecret)) {
		t.Fatal("answer holds the secret")
	}
	got := decodeAnswer(t, out)["hookSpecificOutput"].(map[string]any)["updatedToolOutput"].(map[string]any)
	b, _ := json.Marshal(got)
	want := `{"content":[{"text":"row: [REDACTED:acme/test/NOXKEY_TEST_SECRET]","type":"text"},{"text":"clean","type":"text"}],"meta":{"n":2,"nested":["x","[REDACTED:acme/test/NOXKEY_TEST_SECRET]"]}}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
}

func TestClaudeFailsClosed(t *testing.T) {
	gerr := errors.New("guard index unusable: /x/guard.idx: checksum mismatch")
	out, code := claude(fixture(t, "claude-PostToolUse-Bash.stdin.json"), nil, gerr)
	if code != 0 || bytes.Contains(out, []byte(fixtureSecret)) {
		t.Fatalf("PostToolUse fail-closed leaks: %s", out)
	}
	up := decodeAnswer(t, out)["hookSpecificOutput"].(map[string]any)["updatedToolOutput"].(map[string]any)
	if !strings.HasPrefix(up["stdout"].(string), "[noxkey: output withheld:") || !strings.Contains(up["stdout"].(string), "noxkey guard rebuild") || up["interrupted"] != false {
		t.Errorf("notice %v", up)
	}
	out, _ = claude([]byte(`{"hook_event_name":"UserPromptSubmit","prompt":"hi"}`), nil, gerr)
	if decodeAnswer(t, out)["decision"] != "block" {
		t.Errorf("prompt fail-closed: %s", out)
	}
	out, _ = claude([]byte(`{"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{}}`), nil, gerr)
	if decodeAnswer(t, out)["hookSpecificOutput"].(map[string]any)["permissionDecision"] != "deny" {
		t.Errorf("PreToolUse fail-closed: %s", out)
	}
	out, _ = claude([]byte(`{not json`), nil, nil)
	if decodeAnswer(t, out)["continue"] != false {
		t.Errorf("malformed payload: %s", out)
	}
}

// Claude Code's Bash commands are never rewritten: the shell prefix
// filters their output and the user's permission rules judge the command
// the model wrote. Without noxkey's prefix a command is refused, since its
// output would reach the model unfiltered.
func TestClaudeLeavesBashCommandsAsWritten(t *testing.T) {
	payload := []byte(`{"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"cat .env","description":"show env"}}`)
	if out, code := claudeWith(payload, vaultGuard(t), nil, claudeEnv{ShellPrefix: "/opt/noxkey/bin/noxkey-hook --shell"}); code != 0 || len(out) != 0 {
		t.Fatalf("answer %s", out)
	}
	for _, prefix := range []string{"", "/usr/local/bin/audit-shell", "noxkey-hook --shell", "/opt/noxkey-hook-old/x --shell"} {
		out, _ := claudeWith(payload, vaultGuard(t), nil, claudeEnv{ShellPrefix: prefix})
		hso, _ := decodeAnswer(t, out)["hookSpecificOutput"].(map[string]any)
		if hso["permissionDecision"] != "deny" || !strings.Contains(hso["permissionDecisionReason"].(string), "noxkey hooks install --agent claude") {
			t.Errorf("prefix %q: %s", prefix, out)
		}
	}
	glob := []byte(`{"hook_event_name":"PreToolUse","tool_name":"Glob","tool_input":{"pattern":"*"}}`)
	if out, _ := claudeWith(glob, nil, nil, claudeEnv{}); len(out) != 0 || claudeNeedsGuard(glob) {
		t.Errorf("Glob: %s", out)
	}
	if !claudeNeedsGuard(payload) {
		t.Error("Bash PreToolUse needs the guard: it is refused when the guard cannot run")
	}
}

// TestClaudeHookRunByCursor: Cursor runs Claude-format hooks (with a
// cursor_version field, Shell for Bash, tool_output as a JSON string);
// the answers carry Cursor's own fields and never permission "allow".
func TestClaudeHookRunByCursor(t *testing.T) {
	g := vaultGuard(t)
	pre := []byte(`{"hook_event_name":"PreToolUse","cursor_version":"2.4.1","tool_name":"Shell","tool_input":{"command":"cat .env","working_directory":"/p"}}`)
	m := decodeAnswer(t, ask(t, pre, g, nil, claudeEnv{Hook: "/bin/noxkey-hook"}))
	in, _ := m["updated_input"].(map[string]any)
	if in == nil || in["command"] != "'/bin/noxkey-hook' --shell 'cat .env'" || in["working_directory"] != "/p" || m["permission"] != nil {
		t.Errorf("Shell rewrite for Cursor: %v", m)
	}
	prompt := []byte(`{"hook_event_name":"UserPromptSubmit","cursor_version":"2.4.1","prompt":"use ` + fixtureSecret + `"}`)
	m = decodeAnswer(t, ask(t, prompt, g, nil, claudeEnv{}))
	if m["continue"] != false || !strings.Contains(m["user_message"].(string), "acme/test/NOXKEY_TEST_SECRET") {
		t.Errorf("prompt for Cursor: %v", m)
	}
	mcp := []byte(`{"hook_event_name":"PostToolUse","cursor_version":"2.4.1","tool_name":"MCP:db","tool_output":"{\"rows\":\"` + fixtureSecret + `\"}"}`)
	out := ask(t, mcp, g, nil, claudeEnv{})
	if bytes.Contains(out, []byte(fixtureSecret)) || decodeAnswer(t, out)["updated_mcp_tool_output"] == nil {
		t.Errorf("MCP output for Cursor: %s", out)
	}
	deny := []byte(`{"hook_event_name":"PreToolUse","tool_name":"Shell","tool_input":{"command":"ls"}}`)
	m = decodeAnswer(t, ask(t, deny, nil, errors.New("no index"), claudeEnv{Cursor: true, Hook: "/bin/noxkey-hook"}))
	if m["permission"] != "deny" {
		t.Errorf("fail-closed for Cursor: %v", m)
	}
}

// ask runs claudeWith and requires an answer.
func ask(t *testing.T, payload []byte, g *guard.Guard, gerr error, env claudeEnv) []byte {
	t.Helper()
	out, code := claudeWith(payload, g, gerr, env)
	if code != 0 || len(out) == 0 {
		t.Fatalf("no answer (exit %d)", code)
	}
	return out
}

// TestClaudeKeysAndNumbersAreScanned: a secret that is an object key, or a
// numeric secret sent as a JSON number, is found by the quick path (the
// payload is not quiet) and redacted in the answer; the answer keeps the
// output's shape.
func TestClaudeKeysAndNumbersAreScanned(t *testing.T) {
	const num = "31415926535897932384"
	g := testGuard(t, guard.Secret{Name: "acme/test/NOXKEY_TEST_SECRET", Value: []byte(fixtureSecret)}, guard.Secret{Name: "acme/pin/NUM", Value: []byte(num)})
	for name, resp := range map[string]string{
		"key":    `{"data":{"` + fixtureSecret + `":true,"n":1}}`,
		"number": `{"data":{"pin":` + num + `,"n":1}}`,
	} {
		payload := []byte(`{"hook_event_name":"PostToolUse","tool_name":"mcp__vault__read","tool_input":{},"tool_response":` + resp + `}`)
		cs, ok := ReadClaudeStrings(payload)
		if !ok || cs.Quiet(g) {
			t.Fatalf("%s: the quick path calls the payload quiet", name)
		}
		out, code := claude(payload, g, nil)
		if code != 0 || bytes.Contains(out, []byte(fixtureSecret)) || bytes.Contains(out, []byte(num)) || !bytes.Contains(out, []byte("[REDACTED:")) {
			t.Fatalf("%s: %s", name, out)
		}
		var a struct {
			HSO struct {
				Updated map[string]map[string]any `json:"updatedToolOutput"`
			} `json:"hookSpecificOutput"`
		}
		if err := json.Unmarshal(out, &a); err != nil || len(a.HSO.Updated["data"]) != 2 || a.HSO.Updated["data"]["n"] != 1.0 {
			t.Fatalf("%s: shape not kept: %s", name, out)
		}
	}
}

// claude answers payload as noxkey-hook claude does, in no particular
// environment.
func claude(payload []byte, g *guard.Guard, gerr error) ([]byte, int) {
	return claudeWith(payload, g, gerr, claudeEnv{})
}

// claudeEnv is what noxkey-hook's main gives the Claude dialect.
type claudeEnv struct {
	ShellPrefix, Hook, RedactedDir string
	Cursor                         bool
}

func claudeWith(payload []byte, g *guard.Guard, gerr error, env claudeEnv) ([]byte, int) {
	c := &Core{G: g, Err: gerr, Hook: env.Hook, ShellPrefix: env.ShellPrefix, Cursor: env.Cursor,
		CopyDir: func() string { return env.RedactedDir }}
	if g == nil && gerr == nil {
		c.Err = errors.New("no guard in this test")
	}
	return Claude(payload, c)
}

// claudeNeedsGuard reports whether answering payload loads the guard.
func claudeNeedsGuard(payload []byte) bool {
	loaded := false
	c := &Core{ShellPrefix: "/x/noxkey-hook --shell", CopyDir: func() string { return "" },
		Load: func() (*guard.Guard, error) { loaded = true; return nil, errors.New("not loaded in this test") }}
	Claude(payload, c)
	return loaded
}

// TestClaudeReadOfASecretFileIsRedirected: a Read of a file holding a
// secret is pointed at a redacted copy in the private directory; the
// PostToolUse of that Read names the original file again and removes the
// copy. A file without a secret is read as it is.
func TestClaudeReadOfASecretFileIsRedirected(t *testing.T) {
	dir, work := t.TempDir(), t.TempDir()
	secretFile := filepath.Join(work, ".env")
	os.WriteFile(secretFile, []byte("KEY="+fixtureSecret+"\n"), 0o600)
	env := claudeEnv{ShellPrefix: "/x/noxkey-hook --shell", RedactedDir: dir}
	pre, _ := json.Marshal(map[string]any{"hook_event_name": "PreToolUse", "tool_name": "Read", "cwd": work,
		"tool_input": map[string]any{"file_path": ".env", "limit": 10}})
	h := decodeAnswer(t, ask(t, pre, vaultGuard(t), nil, env))["hookSpecificOutput"].(map[string]any)
	in := h["updatedInput"].(map[string]any)
	cp, _ := in["file_path"].(string)
	if filepath.Dir(cp) != dir || in["limit"] != 10.0 || !strings.Contains(h["additionalContext"].(string), ".env holds acme/test/NOXKEY_TEST_SECRET") {
		t.Fatalf("redirect: %v", h)
	}
	if b, _ := os.ReadFile(cp); bytes.Contains(b, []byte(fixtureSecret)) || !bytes.Contains(b, []byte("KEY=[REDACTED:acme/test/NOXKEY_TEST_SECRET]")) {
		t.Fatalf("the copy: %q", b)
	}
	post, _ := json.Marshal(map[string]any{"hook_event_name": "PostToolUse", "tool_name": "Read",
		"tool_input":    map[string]any{"file_path": cp},
		"tool_response": map[string]any{"type": "text", "file": map[string]any{"filePath": cp, "content": "KEY=[REDACTED:acme/test/NOXKEY_TEST_SECRET]\n"}}})
	h = decodeAnswer(t, ask(t, post, vaultGuard(t), nil, env))["hookSpecificOutput"].(map[string]any)
	if got := h["updatedToolOutput"].(map[string]any)["file"].(map[string]any)["filePath"]; got != secretFile {
		t.Errorf("the copy's path was not mapped back: %v", got)
	}
	if _, err := os.Stat(cp); !os.IsNotExist(err) {
		t.Error("the copy outlived the Read")
	}
	clean := filepath.Join(work, "README")
	os.WriteFile(clean, []byte("nothing here\n"), 0o600)
	pre, _ = json.Marshal(map[string]any{"hook_event_name": "PreToolUse", "tool_name": "Read", "tool_input": map[string]any{"file_path": clean}})
	if out, _ := claudeWith(pre, vaultGuard(t), nil, env); len(out) != 0 {
		t.Errorf("a clean file: %s", out)
	}
}
