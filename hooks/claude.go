package hooks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/noxkey/noxkey/guard"
	"github.com/noxkey/noxkey/hooks/relay"
)

// ClaudePayload is one Claude Code hook payload, decoded once: the
// hook's entry point reads its event to decide whether to load the guard,
// then answers it, without parsing a large payload again.
type ClaudePayload struct {
	Event string // hook_event_name
	Tool  string // tool_name, with Cursor's "Shell" read as "Bash"
	m     map[string]any
	err   error
}

// ParseClaude decodes a payload (numbers kept as written).
func ParseClaude(payload []byte) *ClaudePayload {
	p := &ClaudePayload{}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	if p.err = dec.Decode(&p.m); p.err != nil {
		return p
	}
	p.Event, _ = p.m["hook_event_name"].(string)
	p.Tool, _ = p.m["tool_name"].(string)
	if p.Tool == "Shell" { // Cursor's name for the shell tool when it runs Claude-format hooks
		p.Tool = "Bash"
	}
	return p
}

// NeedsGuard reports whether the payload needs the guard at all, so a
// hook for tools it leaves alone answers without loading the index. A
// Read PreToolUse needs it (the redirect is only safe when the index
// loads), and so does a Bash one: a command whose output would be
// withheld is refused before it runs, with the reason.
func (p *ClaudePayload) NeedsGuard() bool {
	if p.err != nil || p.Event == "" {
		return false
	}
	return p.Event != "PreToolUse" || p.Tool == "Bash" || p.Tool == "Read"
}

// ClaudeEventPrefix finds hook_event_name in the start of a payload too
// large to read whole, so the refusal can block in the right way.
func ClaudeEventPrefix(prefix []byte) string {
	for _, ev := range []string{"PostToolUseFailure", "PostToolUse", "UserPromptSubmit", "PreToolUse"} {
		if bytes.Contains(prefix, []byte(`"hook_event_name":"`+ev+`"`)) || bytes.Contains(prefix, []byte(`"hook_event_name": "`+ev+`"`)) {
			return ev
		}
	}
	return ""
}

// ClaudeEnv is what the Claude dialect needs of its surroundings.
type ClaudeEnv struct {
	// ShellPrefix is CLAUDE_CODE_SHELL_PREFIX as the hook sees it; a Bash
	// command runs only when it is noxkey-hook's (relay.Prefix).
	ShellPrefix string
	// Hook is the absolute path of noxkey-hook, for Cursor, which has no
	// shell prefix: its Shell commands are rewritten (relay.Command).
	Hook string
	// RedactedDir is the private runtime directory for redacted copies of
	// files a Read would open ("" leaves Read to PostToolUse).
	RedactedDir string
	// Cursor is set when Cursor runs this Claude-format hook (CURSOR_VERSION
	// in the environment); a cursor_version field in the payload says so too.
	Cursor bool
}

// ClaudeAnswer answers one decoded Claude Code hook payload. g is nil
// when the guard could not be opened (gerr says why); the answer then
// blocks in the way the event allows. It returns the JSON to print (possibly empty: no
// decision) and the exit status.
//
//   - PostToolUse: every string leaf of tool_response is redacted and, if
//     anything changed, returned as hookSpecificOutput.updatedToolOutput
//     with the same shape (Claude Code ignores a value of another shape).
//   - PostToolUseFailure: the output cannot be replaced; additionalContext
//     names the secrets so the model is told not to repeat them.
//   - UserPromptSubmit: a prompt holding a vault secret is blocked.
//   - PreToolUse: a Read of a file holding a secret is pointed at a
//     redacted copy; a Bash command runs as it is (its output is filtered
//     by CLAUDE_CODE_SHELL_PREFIX), and is denied when that prefix is not
//     noxkey-hook's; other tools are left alone (no decision).
func ClaudeAnswer(p *ClaudePayload, g *guard.Guard, gerr error, env ClaudeEnv) ([]byte, int) {
	out, code := claudeAnswer(p, g, gerr, env)
	if code != 0 || len(out) == 0 {
		return out, code
	}
	if env.Cursor || p.m["cursor_version"] != nil {
		tool, _ := p.m["tool_name"].(string)
		return cursorize(out, tool)
	}
	return out, code
}

// cursorize adds to a Claude-format answer the fields Cursor reads when it
// runs Claude Code hooks (docs/agents/README.md, Cursor): it understands the nested
// hookSpecificOutput, and these make each decision explicit in its own
// words. It never adds permission "allow": in Cursor that auto-approves.
func cursorize(out []byte, tool string) ([]byte, int) {
	var a map[string]any
	if json.Unmarshal(out, &a) != nil {
		return out, 0
	}
	hso, _ := a["hookSpecificOutput"].(map[string]any)
	if in, ok := hso["updatedInput"]; ok {
		a["updated_input"] = in
	}
	if hso["permissionDecision"] == "deny" {
		a["permission"] = "deny"
		a["user_message"], a["agent_message"] = hso["permissionDecisionReason"], hso["permissionDecisionReason"]
	}
	if a["decision"] == "block" {
		a["continue"], a["user_message"] = false, a["reason"]
	}
	if up, ok := hso["updatedToolOutput"]; ok && (strings.HasPrefix(tool, "MCP:") || strings.HasPrefix(tool, "mcp__")) {
		a["updated_mcp_tool_output"] = up
	}
	if c, ok := hso["additionalContext"]; ok {
		a["additional_context"] = c
	}
	return claudeJSON(a)
}

func claudeAnswer(pl *ClaudePayload, g *guard.Guard, gerr error, env ClaudeEnv) ([]byte, int) {
	if pl.err != nil {
		return claudeStop(fmt.Sprintf("noxkey-hook: the hook payload is not JSON (%v); noxkey-hook claude must be run by Claude Code", pl.err))
	}
	p, event, tool := pl.m, pl.Event, pl.Tool
	if _, ok := p["tool_response"]; !ok && p["tool_output"] != nil {
		p["tool_response"] = p["tool_output"] // Cursor: the output as a JSON string
	}
	cursor := env.Cursor || p["cursor_version"] != nil
	if event == "PreToolUse" && gerr == nil && !(tool == "Bash" && (!cursor || env.Hook != "")) && !(tool == "Read" && env.RedactedDir != "") {
		return nil, 0 // other tools are left alone: no index needed
	}
	if g == nil {
		if claudeNothingToScan(event, p) {
			return nil, 0 // an empty output or prompt passes, armed or not
		}
		return claudeFailClosed(event, p, fmt.Sprintf("noxkey-hook: %v", gerr))
	}
	switch event {
	case "PreToolUse":
		if tool == "Read" {
			return claudeRedirectRead(p, g, env.RedactedDir)
		}
		if cursor {
			return claudeRewriteShell(p, env.Hook)
		}
		if !filtersShell(env.ShellPrefix) {
			return claudeJSON(map[string]any{"hookSpecificOutput": map[string]any{
				"hookEventName": "PreToolUse", "permissionDecision": "deny", "permissionDecisionReason": "noxkey: Claude Code's CLAUDE_CODE_SHELL_PREFIX is not noxkey-hook's, so command output would reach the model unfiltered; run: noxkey hooks install --agent claude",
			}})
		}
		return nil, 0 // the command as written: the user's permission rules judge it
	case "PostToolUse":
		resp, ok := p["tool_response"]
		if !ok {
			return nil, 0
		}
		mapped := false
		if in, _ := p["tool_input"].(map[string]any); tool == "Read" && in != nil {
			if cp, _ := in["file_path"].(string); cp != "" {
				if orig, ok := originalOf(cp, env.RedactedDir); ok {
					resp, mapped = replaceString(resp, cp, orig), true
				}
			}
		}
		red, ms := redactLeaves(resp, g)
		if mapped && len(ms) == 0 {
			return claudeJSON(map[string]any{"hookSpecificOutput": map[string]any{
				"hookEventName": "PostToolUse", "updatedToolOutput": red,
				"additionalContext": "noxkey redacted secrets from this file before it was read; commands can use them by their variable names.",
			}})
		}
		if len(ms) == 0 {
			return nil, 0
		}
		return claudeJSON(map[string]any{"hookSpecificOutput": map[string]any{
			"hookEventName":     "PostToolUse",
			"updatedToolOutput": red,
			"additionalContext": redactedContext(ms),
		}})
	case "PostToolUseFailure":
		errText, _ := p["error"].(string)
		_, ms := g.Redact([]byte(errText))
		if len(ms) == 0 {
			return nil, 0
		}
		return claudeJSON(map[string]any{"hookSpecificOutput": map[string]any{
			"hookEventName": "PostToolUseFailure",
			"additionalContext": "noxkey: this failed command's output held the secret(s) " + strings.Join(guard.Names(ms), ", ") +
				". Do not repeat, store or transmit that value; use the environment variable by name instead.",
		}})
	case "UserPromptSubmit":
		prompt, _ := p["prompt"].(string)
		ms := g.Index.FindAll([]byte(prompt))
		if len(ms) == 0 {
			return nil, 0
		}
		return claudeJSON(map[string]any{
			"decision":               "block",
			"reason":                 promptReason(ms),
			"suppressOriginalPrompt": true,
			"hookSpecificOutput":     map[string]any{"hookEventName": "UserPromptSubmit", "suppressOriginalPrompt": true},
		})
	}
	return nil, 0
}

// claudeRedirectRead points a Read of a file holding a secret at a
// redacted copy: Claude Code sends a large file's text to the model API
// (token counting) before PostToolUse could replace it. PostToolUse maps
// the copy's path back and removes the copy.
func claudeRedirectRead(p map[string]any, g *guard.Guard, dir string) ([]byte, int) {
	in, ok := p["tool_input"].(map[string]any)
	if !ok {
		return nil, 0
	}
	path, _ := in["file_path"].(string)
	if path == "" {
		return nil, 0
	}
	if !filepath.IsAbs(path) {
		cwd, _ := p["cwd"].(string)
		path = filepath.Join(cwd, path)
	}
	cp, ms, err := redactedCopy(path, g, dir)
	if err != nil {
		return claudeJSON(map[string]any{"hookSpecificOutput": map[string]any{
			"hookEventName": "PreToolUse", "permissionDecision": "deny",
			"permissionDecisionReason": "noxkey: " + err.Error() + "; the file may hold a secret, so it is not read",
		}})
	}
	if cp == "" {
		return nil, 0
	}
	updated := make(map[string]any, len(in))
	for k, v := range in {
		updated[k] = v
	}
	updated["file_path"] = cp
	return claudeJSON(map[string]any{"hookSpecificOutput": map[string]any{
		"hookEventName":     "PreToolUse",
		"updatedInput":      updated,
		"additionalContext": "noxkey: " + filepath.Base(path) + " holds " + strings.Join(guard.Names(ms), ", ") + "; it is read with those values redacted.",
	}})
}

// claudeRewriteShell routes a Cursor Shell command's output through the
// guard (relay.Command) by updatedInput, keeping every other input field.
// It gives no permission decision: "allow" would skip the user's rules.
func claudeRewriteShell(p map[string]any, hook string) ([]byte, int) {
	in, ok := p["tool_input"].(map[string]any)
	if !ok {
		return nil, 0
	}
	cmd, ok := in["command"].(string)
	if !ok || relay.IsCommand(cmd, hook) {
		return nil, 0
	}
	return claudeJSON(map[string]any{"hookSpecificOutput": map[string]any{
		"hookEventName": "PreToolUse",
		"updatedInput":  withCommand(in, "command", relay.Command(cmd, hook, false, false)),
	}})
}

// filtersShell reports whether a CLAUDE_CODE_SHELL_PREFIX runs commands
// through noxkey-hook.
func filtersShell(prefix string) bool {
	hook, ok := strings.CutSuffix(prefix, " "+relay.ShellFlag)
	return ok && filepath.IsAbs(hook) && filepath.Base(hook) == "noxkey-hook"
}

// claudeFailClosed blocks in the way each event allows when the guard
// cannot run.
func claudeFailClosed(event string, p map[string]any, why string) ([]byte, int) {
	fix := FailReason(why)
	switch event {
	case "PreToolUse":
		return claudeJSON(map[string]any{"hookSpecificOutput": map[string]any{
			"hookEventName": "PreToolUse", "permissionDecision": "deny", "permissionDecisionReason": fix}})
	case "PostToolUse":
		resp, ok := p["tool_response"]
		if !ok {
			return claudeStop(fix) // the output's shape is unknown: stop rather than let it through
		}
		return claudeJSON(map[string]any{"hookSpecificOutput": map[string]any{
			"hookEventName":     "PostToolUse",
			"updatedToolOutput": replaceLeaves(resp, "[noxkey: output withheld: "+fix+"]"),
		}})
	case "UserPromptSubmit":
		return claudeJSON(map[string]any{"decision": "block", "reason": fix})
	case "PostToolUseFailure":
		return claudeJSON(map[string]any{"hookSpecificOutput": map[string]any{
			"hookEventName": "PostToolUseFailure", "additionalContext": fix}})
	}
	return claudeStop(fix)
}

// claudeNothingToScan reports whether a payload carries no text to scan.
func claudeNothingToScan(event string, p map[string]any) bool {
	switch event {
	case "PostToolUse":
		resp, ok := p["tool_response"]
		return ok && emptyLeaves(resp)
	case "PostToolUseFailure":
		return p["error"] == nil || p["error"] == ""
	case "UserPromptSubmit":
		return p["prompt"] == ""
	}
	return false
}

// claudeStop stops Claude Code: for a payload whose event is unknown.
func claudeStop(reason string) ([]byte, int) {
	return claudeJSON(map[string]any{"continue": false, "stopReason": reason})
}

func claudeJSON(v any) ([]byte, int) {
	b, err := json.Marshal(v)
	if err != nil {
		// No JSON can be produced: exit 2 is Claude Code's blocking error.
		return []byte("noxkey-hook: cannot encode the answer: " + err.Error() + "\n"), 2
	}
	return append(b, '\n'), 0
}

func redactedContext(ms []guard.Match) string {
	names := guard.Names(ms)
	var vars []string
	for _, n := range names {
		if strings.Contains(n, "/") { // a vault path, not a pattern rule id
			vars = append(vars, "$"+lastSegment(n))
		}
	}
	s := "noxkey redacted " + strings.Join(names, ", ") + " from this tool output."
	if len(vars) > 0 {
		s += " Commands can use the value as " + strings.Join(vars, ", ") + " (by name; never print it)."
	}
	return s
}

func lastSegment(p string) string { return p[strings.LastIndexByte(p, '/')+1:] }
