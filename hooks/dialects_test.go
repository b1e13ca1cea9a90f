package hooks

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noxkey/noxkey/guard"
	"github.com/noxkey/noxkey/hooks/relay"
)

const hookPath = "/opt/noxkey/bin/noxkey-hook"

func core(t *testing.T) *Core {
	return &Core{G: vaultGuard(t), Hook: hookPath}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func noSecret(t *testing.T, out []byte) {
	t.Helper()
	if bytes.Contains(out, []byte(fixtureSecret)) {
		t.Fatalf("the answer holds the secret")
	}
}

// Codex, on its captured payloads.
func TestCodexDialect(t *testing.T) {
	c := core(t)
	out, code := Codex(fixture(t, "codex-PostToolUse-Bash.stdin.json"), c)
	noSecret(t, out)
	a := decodeAnswer(t, out)
	if code != 0 || a["decision"] != "block" || a["reason"] != "key is [REDACTED:acme/test/NOXKEY_TEST_SECRET]\n" {
		t.Fatalf("PostToolUse: %s", out)
	}
	// The command runs as the model wrote it: PostToolUse covers the model.
	if out, _ = Codex(fixture(t, "codex-PreToolUse-Bash.stdin.json"), c); len(out) != 0 {
		t.Fatalf("PreToolUse answered without filter_live_output: %s", out)
	}
	// With filter_live_output, and bypassPermissions (approval never):
	// allow with the command run through the guard, streams merged.
	c.G.LiveOutput = true
	out, _ = Codex(fixture(t, "codex-PreToolUse-Bash.stdin.json"), c)
	hso := decodeAnswer(t, out)["hookSpecificOutput"].(map[string]any)
	cmd := hso["updatedInput"].(map[string]any)["command"].(string)
	if hso["permissionDecision"] != "allow" || cmd != "exec '"+hookPath+"' --shell --merge 'echo \"key is $NOXKEY_TEST_SECRET\"'" {
		t.Fatalf("PreToolUse: %s", out)
	}
	// A session that asks for approval: deny, showing the filtered form.
	var p map[string]any
	json.Unmarshal(fixture(t, "codex-PreToolUse-Bash.stdin.json"), &p)
	p["permission_mode"] = "default"
	out, _ = Codex(mustJSON(t, p), c)
	hso = decodeAnswer(t, out)["hookSpecificOutput"].(map[string]any)
	if hso["permissionDecision"] != "deny" || !strings.Contains(hso["permissionDecisionReason"].(string), "exec '"+hookPath+"' --shell --merge ") {
		t.Fatalf("PreToolUse with approvals: %s", out)
	}
	// The filtered form itself is left to the user's approval.
	p["tool_input"] = map[string]any{"command": relay.Command("ls", hookPath, true, true)}
	if out, _ := Codex(mustJSON(t, p), c); len(out) != 0 {
		t.Fatalf("a wrapped command was answered: %s", out)
	}
	out, _ = Codex(mustJSON(t, map[string]any{"hook_event_name": "UserPromptSubmit", "prompt": "use " + fixtureSecret}), c)
	noSecret(t, out)
	if a := decodeAnswer(t, out); a["decision"] != "block" || !strings.Contains(a["reason"].(string), "acme/test/NOXKEY_TEST_SECRET") {
		t.Fatalf("prompt: %s", out)
	}
	// Fail closed without the guard.
	out, _ = Codex(fixture(t, "codex-PostToolUse-Bash.stdin.json"), &Core{Err: os.ErrNotExist})
	noSecret(t, out)
	if a := decodeAnswer(t, out); a["decision"] != "block" || !strings.Contains(a["reason"].(string), "noxkey guard rebuild") {
		t.Fatalf("no guard: %s", out)
	}
}

// Gemini CLI, on its captured payloads.
func TestGeminiDialect(t *testing.T) {
	c := core(t)
	out, _ := Gemini(fixture(t, "gemini-AfterTool-run_shell_command.stdin.json"), c)
	noSecret(t, out)
	a := decodeAnswer(t, out)
	if a["decision"] != "deny" || !strings.Contains(a["reason"].(string), "Output: key is [REDACTED:acme/test/NOXKEY_TEST_SECRET]") {
		t.Fatalf("AfterTool: %s", out)
	}
	// The command runs as the model wrote it, unless filter_live_output.
	if out, _ = Gemini(fixture(t, "gemini-BeforeTool-run_shell_command.stdin.json"), c); len(out) != 0 {
		t.Fatalf("BeforeTool answered without filter_live_output: %s", out)
	}
	c.G.LiveOutput = true
	out, _ = Gemini(fixture(t, "gemini-BeforeTool-run_shell_command.stdin.json"), c)
	cmd := decodeAnswer(t, out)["hookSpecificOutput"].(map[string]any)["tool_input"].(map[string]any)["command"].(string)
	if !relay.IsCommand(cmd, hookPath) || strings.Contains(cmd, "$(") || strings.Contains(cmd, "`") || strings.Contains(cmd, "<(") {
		t.Fatalf("BeforeTool rewrite uses what Gemini's shell refuses: %q", cmd)
	}
	c.G.LiveOutput = false
	out, _ = Gemini(mustJSON(t, map[string]any{"hook_event_name": "BeforeAgent", "prompt": "here: " + fixtureSecret}), c)
	noSecret(t, out)
	if decodeAnswer(t, out)["decision"] != "deny" {
		t.Fatalf("BeforeAgent: %s", out)
	}
	// Clean output: no decision.
	clean := bytes.ReplaceAll(fixture(t, "gemini-AfterTool-run_shell_command.stdin.json"), []byte(fixtureSecret), []byte("nothing-here"))
	if out, _ := Gemini(clean, c); len(out) != 0 {
		t.Fatalf("clean AfterTool answered %s", out)
	}
}

// Cursor: golden tests on payloads built from the documented format.
func TestCursorDialect(t *testing.T) {
	c := core(t)
	base := map[string]any{"conversation_id": "c1", "generation_id": "g1", "cursor_version": "2026.09.18-9a7762b", "workspace_roots": []any{"/w"}}
	with := func(kv ...any) []byte {
		m := map[string]any{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return mustJSON(t, m)
	}
	out, _ := Cursor(with("hook_event_name", "preToolUse", "tool_name", "Shell", "tool_input", map[string]any{"command": "cat .env", "working_directory": "/w"}), c)
	a := decodeAnswer(t, out)
	in := a["updated_input"].(map[string]any)
	if in["command"] != "'"+hookPath+"' --shell 'cat .env'" || in["working_directory"] != "/w" || a["permission"] != nil {
		t.Fatalf("preToolUse: %s", out)
	}
	out, _ = Cursor(with("hook_event_name", "beforeReadFile", "file_path", "/w/.env", "content", "KEY="+fixtureSecret+"\n"), c)
	noSecret(t, out)
	if a := decodeAnswer(t, out); a["permission"] != "deny" || !strings.Contains(a["user_message"].(string), ".env holds the secret acme/test/NOXKEY_TEST_SECRET") {
		t.Fatalf("beforeReadFile: %s", out)
	}
	out, _ = Cursor(with("hook_event_name", "beforeReadFile", "file_path", "/w/a.txt", "content", "nothing"), c)
	if a := decodeAnswer(t, out); len(a) != 0 {
		t.Fatalf("clean beforeReadFile must decide nothing (never allow): %s", out)
	}
	mcp := `{"content":[{"type":"text","text":"token ` + fixtureSecret + `"}]}`
	out, _ = Cursor(with("hook_event_name", "postToolUse", "tool_name", "MCP:vault_read", "tool_output", mcp), c)
	noSecret(t, out)
	up := decodeAnswer(t, out)["updated_mcp_tool_output"].(map[string]any)
	if up["content"].([]any)[0].(map[string]any)["text"] != "token [REDACTED:acme/test/NOXKEY_TEST_SECRET]" {
		t.Fatalf("postToolUse MCP: %s", out)
	}
	out, _ = Cursor(with("hook_event_name", "postToolUse", "tool_name", "Shell", "tool_output", `{"stdout":"`+fixtureSecret+`"}`), c)
	if a := decodeAnswer(t, out); len(a) != 0 {
		t.Fatalf("Cursor cannot replace Shell output; the answer must not pretend: %s", out)
	}
	out, _ = Cursor(with("hook_event_name", "beforeSubmitPrompt", "prompt", "key "+fixtureSecret), c)
	noSecret(t, out)
	if a := decodeAnswer(t, out); a["continue"] != false {
		t.Fatalf("beforeSubmitPrompt: %s", out)
	}
	if bytes.Contains(out, []byte(`"allow"`)) {
		t.Fatal("Cursor must never get permission allow")
	}
}

// Copilot CLI in both payload dialects.
func TestCopilotDialects(t *testing.T) {
	c := core(t)
	// postToolUse: the redacted text replaces the result, its type kept.
	post := mustJSON(t, map[string]any{"sessionId": "s", "cwd": "/w", "toolName": "bash", "toolArgs": map[string]any{"command": "cat .env"},
		"toolResult": map[string]any{"resultType": "success", "textResultForLlm": "KEY=" + fixtureSecret + "\n<shellId: 0 completed with exit code 1>"}})
	out, _ := CopilotEvent(post, c, "postToolUse")
	noSecret(t, out)
	mr, _ := decodeAnswer(t, out)["modifiedResult"].(map[string]any)
	if mr["textResultForLlm"] != "KEY=[REDACTED:acme/test/NOXKEY_TEST_SECRET]\n<shellId: 0 completed with exit code 1>" || mr["resultType"] != "success" {
		t.Fatalf("postToolUse: %s", out)
	}
	pascalPost := mustJSON(t, map[string]any{"hook_event_name": "PostToolUse", "tool_name": "view", "tool_input": map[string]any{"path": "x"},
		"tool_result": map[string]any{"result_type": "success", "text_result_for_llm": "1. token: " + fixtureSecret}})
	out, _ = CopilotEvent(pascalPost, c, "")
	noSecret(t, out)
	if mr, _ := decodeAnswer(t, out)["modifiedResult"].(map[string]any); mr["textResultForLlm"] != "1. token: [REDACTED:acme/test/NOXKEY_TEST_SECRET]" {
		t.Fatalf("PascalCase postToolUse: %s", out)
	}
	// Nothing to redact: no answer. No guard, or a bad payload: withheld.
	clean := mustJSON(t, map[string]any{"toolName": "bash", "toolResult": map[string]any{"resultType": "success", "textResultForLlm": "hello"}})
	if out, _ := CopilotEvent(clean, c, "postToolUse"); len(out) != 0 {
		t.Fatalf("clean postToolUse answered %s", out)
	}
	for _, tc := range []struct {
		payload []byte
		c       *Core
	}{{post, &Core{Err: os.ErrNotExist}}, {[]byte("{not json"), c}} {
		out, code := CopilotEvent(tc.payload, tc.c, "postToolUse")
		noSecret(t, out)
		mr, _ := decodeAnswer(t, out)["modifiedResult"].(map[string]any)
		if code != 0 || mr == nil || !strings.Contains(mr["textResultForLlm"].(string), "output withheld") {
			t.Fatalf("fail closed: exit %d %s", code, out)
		}
	}
	// preToolUse: the command as written, unless filter_live_output.
	camel := mustJSON(t, map[string]any{"sessionId": "s", "timestamp": 1795888017449, "cwd": "/w", "toolName": "bash", "toolArgs": `{"command":"cat .env","description":"x"}`})
	if out, _ := CopilotEvent(camel, c, "preToolUse"); len(out) != 0 {
		t.Fatalf("preToolUse answered without filter_live_output: %s", out)
	}
	c.G.LiveOutput = true
	out, _ = CopilotEvent(camel, c, "preToolUse")
	a := decodeAnswer(t, out)
	var args map[string]any
	json.Unmarshal([]byte(a["modifiedArgs"].(string)), &args)
	if args["command"] != "'"+hookPath+"' --shell --merge 'cat .env'" || args["description"] != "x" || a["permissionDecision"] != nil {
		t.Fatalf("camelCase preToolUse: %s", out)
	}
	pascal := mustJSON(t, map[string]any{"hook_event_name": "PreToolUse", "session_id": "s", "cwd": "/w", "tool_name": "bash", "tool_input": map[string]any{"command": "env"}})
	out, _ = CopilotEvent(pascal, c, "")
	if !relay.IsCommand(decodeAnswer(t, out)["modifiedArgs"].(map[string]any)["command"].(string), hookPath) {
		t.Fatalf("PascalCase preToolUse: %s", out)
	}
	c.G.LiveOutput = false
	out, _ = CopilotEvent(camel, &Core{Err: os.ErrNotExist, Hook: hookPath}, "preToolUse")
	if decodeAnswer(t, out)["permissionDecision"] != "deny" {
		t.Fatalf("preToolUse without a guard: %s", out)
	}
	out, _ = CopilotEvent(mustJSON(t, map[string]any{"sessionId": "s", "prompt": "key " + fixtureSecret}), c, "userPromptSubmitted")
	noSecret(t, out)
	if decodeAnswer(t, out)["decision"] != "block" {
		t.Fatalf("prompt: %s", out)
	}
	if out, _ := CopilotEvent(mustJSON(t, map[string]any{"toolName": "view", "toolArgs": `{"path":"x"}`}), c, "preToolUse"); len(out) != 0 {
		t.Fatalf("a non-shell tool was answered: %s", out)
	}
}

// Windsurf can only block: exit 2, the reason on stderr.
func TestWindsurfDialect(t *testing.T) {
	c := core(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, ".env"), []byte("TOKEN="+fixtureSecret+"\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "README"), []byte("nothing\n"), 0o600)
	run := func(cmd string) ([]byte, int) {
		return Windsurf(mustJSON(t, map[string]any{"agent_action_name": "pre_run_command", "trajectory_id": "t", "tool_info": map[string]any{"command_line": cmd, "cwd": dir}}), c)
	}
	for _, cmd := range []string{"env", "printenv", "export -p", "declare -p", "set", "cat /proc/self/environ", "ls; env | sort",
		"echo $NOXKEY_TEST_SECRET", `curl -H "Authorization: ${NOXKEY_TEST_SECRET}" x`, "cat .env", "grep TOKEN .env", "echo " + fixtureSecret,
		`noxkey run --prefix acme -- true; echo $NOXKEY_TEST_SECRET`, `noxkey run --prefix acme -- sh -c 'true' | echo "$NOXKEY_TEST_SECRET"`} {
		out, code := run(cmd)
		noSecret(t, out)
		if code != 2 || !strings.HasPrefix(string(out), "noxkey") {
			t.Errorf("%q: exit %d %q; want blocked", strings.ReplaceAll(cmd, fixtureSecret, "<secret>"), code, out)
		}
	}
	for _, cmd := range []string{"ls -la", "cat README", "go test ./...", "echo $NOXKEY_TEST_SECRETS_DIR", "settings", "env_setup.sh",
		`noxkey run --env acme/test/NOXKEY_TEST_SECRET -- sh -c 'curl -H "Authorization: $NOXKEY_TEST_SECRET" x'`, "noxkey run --prefix acme -- env"} {
		if out, code := run(cmd); code != 0 {
			t.Errorf("%q blocked: %s", cmd, out)
		}
	}
	out, code := Windsurf(mustJSON(t, map[string]any{"agent_action_name": "pre_read_code", "tool_info": map[string]any{"file_path": filepath.Join(dir, ".env")}}), c)
	if code != 2 || !strings.Contains(string(out), ".env holds the secret") {
		t.Errorf("pre_read_code: %d %s", code, out)
	}
	out, code = Windsurf(mustJSON(t, map[string]any{"agent_action_name": "pre_user_prompt", "tool_info": map[string]any{"user_prompt": "x " + fixtureSecret}}), c)
	noSecret(t, out)
	if code != 2 {
		t.Errorf("pre_user_prompt: %d %s", code, out)
	}
}

// TestCursorRunsClaudeHooksOnce: Cursor also runs Claude Code's hooks;
// the Claude entry stands down only when Cursor's own noxkey hooks are
// installed (user or workspace scope).
func TestCursorRunsClaudeHooksOnce(t *testing.T) {
	home, ws := t.TempDir(), t.TempDir()
	t.Setenv("HOME", home)
	if CursorHasNoxkey([]string{ws}) {
		t.Fatal("nothing installed, yet it stands down")
	}
	os.MkdirAll(filepath.Join(ws, ".cursor"), 0o700)
	os.WriteFile(filepath.Join(ws, ".cursor", "hooks.json"), []byte(`{"version":1,"hooks":{"preToolUse":[{"command":"'/x/noxkey-hook' cursor"}]}}`), 0o600)
	if !CursorHasNoxkey([]string{ws}) {
		t.Fatal("a workspace install was not seen")
	}
	// A Claude-format payload from Cursor with that workspace: the Claude
	// entry answers {} (Cursor's own hooks decide), even for a prompt
	// holding a secret.
	out, _ := claude([]byte(`{"hook_event_name":"UserPromptSubmit","cursor_version":"1.7.0","workspace_roots":["`+ws+`"],"prompt":"`+fixtureSecret+`"}`), vaultGuard(t), nil)
	if string(out) != "{}\n" {
		t.Fatalf("the Claude entry did not stand down: %s", out)
	}
}

// TestCoreLoadsTheGuardOnlyWhenNeeded: a tool call the hook leaves alone
// costs no index load; the first call that needs it loads it once.
func TestCoreLoadsTheGuardOnlyWhenNeeded(t *testing.T) {
	g, loads := vaultGuard(t), 0
	c := &Core{Hook: hookPath, Load: func() (*guard.Guard, error) { loads++; return g, nil }}
	out, _ := CopilotEvent(mustJSON(t, map[string]any{"toolName": "view", "toolArgs": `{"path":"x"}`}), c, "preToolUse")
	if len(out) != 0 || loads != 0 {
		t.Fatalf("a tool left alone loaded the guard %d times (answer %s)", loads, out)
	}
	Codex(fixture(t, "codex-PostToolUse-Bash.stdin.json"), c)
	Codex(fixture(t, "codex-PostToolUse-Bash.stdin.json"), c)
	if loads != 1 {
		t.Fatalf("loaded %d times, want once", loads)
	}
}

// opencode's plugin protocol: output replaced after any tool, bash left as
// written (unless filter_live_output), a prompt refused, fail closed.
func TestOpencodeDialect(t *testing.T) {
	c := core(t)
	out, _ := Opencode(mustJSON(t, map[string]any{"event": "after", "tool": "read", "output": "<file>\n00001| token: " + fixtureSecret + "\n</file>"}), c)
	noSecret(t, out)
	if a := decodeAnswer(t, out); a["output"] != "<file>\n00001| token: [REDACTED:acme/test/NOXKEY_TEST_SECRET]\n</file>" {
		t.Fatalf("after: %s", out)
	}
	if out, _ := Opencode(mustJSON(t, map[string]any{"event": "after", "tool": "bash", "output": "clean"}), c); string(out) != "{}\n" {
		t.Fatalf("clean after: %s", out)
	}
	before := mustJSON(t, map[string]any{"event": "before", "tool": "bash", "args": map[string]any{"command": "cat .env", "description": "d"}})
	if out, _ := Opencode(before, c); string(out) != "{}\n" {
		t.Fatalf("before without filter_live_output: %s", out)
	}
	c.G.LiveOutput = true
	if out, _ := Opencode(before, c); decodeAnswer(t, out)["command"] != "'"+hookPath+"' --shell --merge 'cat .env'" {
		t.Fatalf("before with filter_live_output: %s", out)
	}
	c.G.LiveOutput = false
	out, _ = Opencode(mustJSON(t, map[string]any{"event": "prompt", "prompt": "use " + fixtureSecret}), c)
	noSecret(t, out)
	if b, _ := decodeAnswer(t, out)["block"].(string); !strings.Contains(b, "acme/test/NOXKEY_TEST_SECRET") {
		t.Fatalf("prompt: %s", out)
	}
	for _, p := range [][]byte{[]byte("{not json"), mustJSON(t, map[string]any{"event": "later"})} {
		if out, _ := Opencode(p, c); decodeAnswer(t, out)["block"] == nil {
			t.Fatalf("%s: %s", p, out)
		}
	}
	out, _ = Opencode(mustJSON(t, map[string]any{"event": "after", "tool": "read", "output": "x " + fixtureSecret}), &Core{Err: os.ErrNotExist})
	noSecret(t, out)
	if b, _ := decodeAnswer(t, out)["block"].(string); !strings.Contains(b, "noxkey guard rebuild") {
		t.Fatalf("no guard: %s", out)
	}
}

// droid: Execute rewritten with no permission decision, Read and Grep of
// a secret file denied, a prompt blocked.
func TestDroidDialect(t *testing.T) {
	c := core(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, ".env"), []byte("TOKEN="+fixtureSecret+"\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "README"), []byte("nothing\n"), 0o600)
	pre := func(tool string, in map[string]any) map[string]any {
		out, _ := Droid(mustJSON(t, map[string]any{"hook_event_name": "PreToolUse", "cwd": dir, "tool_name": tool, "tool_input": in}), c)
		noSecret(t, out)
		if len(out) == 0 {
			return nil
		}
		return decodeAnswer(t, out)["hookSpecificOutput"].(map[string]any)
	}
	h := pre("Execute", map[string]any{"command": "cat .env", "summary": "s"})
	if in := h["updatedInput"].(map[string]any); in["command"] != "'"+hookPath+"' --shell --merge 'cat .env'" || in["summary"] != "s" || h["permissionDecision"] != nil {
		t.Fatalf("Execute: %v", h)
	}
	if h := pre("Read", map[string]any{"file_path": ".env"}); h["permissionDecision"] != "deny" {
		t.Fatalf("Read of .env: %v", h)
	}
	if h := pre("Read", map[string]any{"file_path": "README"}); h != nil {
		t.Fatalf("Read of README: %v", h)
	}
	if h := pre("Grep", map[string]any{"pattern": "TOKEN"}); h["permissionDecision"] != "deny" || !strings.Contains(h["permissionDecisionReason"].(string), "through Execute") {
		t.Fatalf("Grep of the folder: %v", h)
	}
	if h := pre("Grep", map[string]any{"pattern": "x", "path": "README"}); h != nil {
		t.Fatalf("Grep of README: %v", h)
	}
	out, _ := Droid(mustJSON(t, map[string]any{"hook_event_name": "UserPromptSubmit", "prompt": "k " + fixtureSecret}), c)
	noSecret(t, out)
	if decodeAnswer(t, out)["decision"] != "block" {
		t.Fatalf("prompt: %s", out)
	}
	h = pre("Execute", map[string]any{"command": relay.Command("ls", hookPath, true, false)})
	if h != nil {
		t.Fatalf("a rewritten command was rewritten again: %v", h)
	}
}

// TestFilesTooLargeToCheckAreRefused: a file past the 64 MiB the hook
// reads is refused, never scanned in part (a secret could sit past the
// end of what was read).
func TestFilesTooLargeToCheckAreRefused(t *testing.T) {
	big := filepath.Join(t.TempDir(), "big.log")
	f, _ := os.Create(big)
	f.Truncate(maxReadFile + 1)
	f.Close()
	c := &Core{G: vaultGuard(t)}
	if d := c.Decide(Event{Kind: FileRead, Path: big}); d.Verdict != Block || !strings.Contains(d.Reason, "big.log is larger than 64 MiB") {
		t.Errorf("read: %+v", d)
	}
	if r := c.CommandExposure("cat "+big, ""); !strings.Contains(r, "larger than 64 MiB") {
		t.Errorf("a command reading it: %q", r)
	}
	if d := c.Decide(Event{Kind: FileRead, Path: big, CopyDir: t.TempDir()}); d.Verdict != Block {
		t.Errorf("a Read that would be redirected: %+v", d)
	}
}
