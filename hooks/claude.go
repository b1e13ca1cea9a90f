package hooks

import (
	"bytes"
	"path/filepath"
	"strings"

	"github.com/noxkey/noxkey/guard"
	"github.com/noxkey/noxkey/hooks/relay"
)

// Claude answers a Claude Code hook payload (docs/agents/README.md):
//   - PostToolUse: every string leaf of tool_response is redacted and, if
//     anything changed, returned as updatedToolOutput with the same shape
//     (Claude Code ignores a value of another shape). A Read of a redacted
//     copy has the copy's path mapped back to the file's;
//   - PostToolUseFailure: the output cannot be replaced; additionalContext
//     names the secrets so the model is told not to repeat them;
//   - UserPromptSubmit: decision "block" for a prompt holding a secret;
//   - PreToolUse: a Read of a file holding a secret is pointed at a
//     redacted copy (updatedInput); a Bash command runs as written (its
//     output is filtered by CLAUDE_CODE_SHELL_PREFIX), and is denied when
//     that prefix is not noxkey-hook's or the guard cannot run; other
//     tools are left alone.
//
// Cursor runs Claude-format hooks too (cursor_version in the payload, or
// CURSOR_VERSION): its Shell commands are rewritten through the guard, as
// it has no shell prefix, and the answers carry Cursor's own fields; when
// noxkey's own Cursor hooks are installed, this one stands down.
func Claude(payload []byte, c *Core) ([]byte, int) {
	p, err := decode(payload)
	if err != nil {
		return answer(claudeStop("noxkey-hook: " + err.Error() + "; noxkey-hook claude must be run by Claude Code"))
	}
	event, _ := p["hook_event_name"].(string)
	tool, _ := p["tool_name"].(string)
	cursor := c.Cursor || p["cursor_version"] != nil
	if cursor {
		if CursorHasNoxkey(workspaceRoots(p)) {
			return answer(map[string]any{}) // its own noxkey hooks answer
		}
		if _, ok := p["tool_response"]; !ok && p["tool_output"] != nil {
			p["tool_response"] = p["tool_output"] // the output as a JSON string
		}
	}
	a := claudeDecide(p, event, tool, cursor, c)
	if a == nil {
		return nil, 0
	}
	if cursor {
		cursorFields(a, tool)
	}
	return answer(a)
}

// claudeDecide maps the payload to an Event, asks c, and returns the
// answer object (nil: no decision).
func claudeDecide(p map[string]any, event, tool string, cursor bool, c *Core) map[string]any {
	in := asMap(p["tool_input"])
	cwd, _ := p["cwd"].(string)
	deny := func(reason string) map[string]any {
		return hso("PreToolUse", "permissionDecision", "deny", "permissionDecisionReason", reason)
	}
	switch event {
	case "PreToolUse":
		switch {
		case tool == "Read":
			dir := ""
			if c.CopyDir != nil {
				dir = c.CopyDir()
			}
			if dir == "" {
				return nil // left to PostToolUse
			}
			path, _ := in["file_path"].(string)
			d := c.Decide(Event{Kind: FileRead, Tool: tool, Path: path, Cwd: cwd, CopyDir: dir})
			switch d.Verdict {
			case Redirect:
				return hso("PreToolUse", "updatedInput", withCommand(in, "file_path", d.Path), "additionalContext", d.Reason)
			case Block:
				return deny(d.Reason)
			}
		case (tool == "Bash" || tool == "Shell") && cursor:
			cmd, _ := in["command"].(string)
			d := c.Decide(Event{Kind: PreTool, Tool: tool, Shell: cmd != "", Command: cmd})
			switch d.Verdict {
			case Rewrite: // no permission decision: "allow" would skip the user's rules
				return hso("PreToolUse", "updatedInput", withCommand(in, "command", d.Command))
			case Block:
				return deny(d.Reason)
			}
		case tool == "Bash":
			// The command runs as written through the shell prefix, which
			// filters its output: refused when the guard cannot run or the
			// prefix is not noxkey-hook's.
			if !c.loaded() {
				return deny(c.failReason())
			}
			if !filtersShell(c.ShellPrefix) {
				return deny("noxkey: Claude Code's CLAUDE_CODE_SHELL_PREFIX is not noxkey-hook's, so command output would reach the model unfiltered; run: noxkey hooks install --agent claude")
			}
		}
		return nil
	case "PostToolUse":
		resp, ok := p["tool_response"]
		if !ok {
			if !c.loaded() {
				return claudeStop(c.failReason()) // the output's shape is unknown: stop rather than let it through
			}
			return nil
		}
		mapped := false
		if cp, _ := in["file_path"].(string); tool == "Read" && cp != "" && c.CopyDir != nil {
			if orig, ok := originalOf(cp, c.CopyDir()); ok {
				resp, mapped = replaceString(resp, cp, orig), true
			}
		}
		d := c.Decide(Event{Kind: PostTool, Tool: tool, Output: resp})
		switch d.Verdict {
		case Redact:
			return hso("PostToolUse", "updatedToolOutput", d.Output, "additionalContext", d.Reason)
		case Block:
			return hso("PostToolUse", "updatedToolOutput", replaceLeaves(resp, "[noxkey: output withheld: "+d.Reason+"]"))
		}
		if mapped {
			return hso("PostToolUse", "updatedToolOutput", resp,
				"additionalContext", "noxkey redacted secrets from this file before it was read; commands can use them by their variable names.")
		}
		return nil
	case "PostToolUseFailure":
		d := c.Decide(Event{Kind: ToolFailed, Tool: tool, Output: p["error"]})
		if d.Verdict == Note || d.Verdict == Block {
			return hso("PostToolUseFailure", "additionalContext", d.Reason)
		}
		return nil
	case "UserPromptSubmit":
		prompt, ok := p["prompt"].(string)
		d := c.Decide(Event{Kind: Prompt, Prompt: prompt})
		if !ok && !c.loaded() { // no prompt read (a payload too large): refuse
			d = Decision{Verdict: Block, Reason: c.failReason()}
		}
		if d.Verdict == Block {
			a := hso("UserPromptSubmit", "suppressOriginalPrompt", true)
			a["decision"], a["reason"], a["suppressOriginalPrompt"] = "block", d.Reason, true
			return a
		}
		return nil
	}
	if !c.loaded() {
		return claudeStop(c.failReason())
	}
	return nil
}

// hso is a Claude Code answer with hookSpecificOutput for event and the
// given key-value pairs.
func hso(event string, kv ...any) map[string]any {
	h := map[string]any{"hookEventName": event}
	for i := 0; i+1 < len(kv); i += 2 {
		h[kv[i].(string)] = kv[i+1]
	}
	return map[string]any{"hookSpecificOutput": h}
}

// claudeStop stops Claude Code: for a payload it cannot answer otherwise.
func claudeStop(reason string) map[string]any {
	return map[string]any{"continue": false, "stopReason": reason}
}

// cursorFields adds to a Claude-format answer the fields Cursor reads when
// it runs Claude Code hooks: it understands the nested hookSpecificOutput,
// and these make each decision explicit in its own words. Never
// permission "allow": in Cursor that auto-approves.
func cursorFields(a map[string]any, tool string) {
	h, _ := a["hookSpecificOutput"].(map[string]any)
	if in, ok := h["updatedInput"]; ok {
		a["updated_input"] = in
	}
	if h["permissionDecision"] == "deny" {
		a["permission"] = "deny"
		a["user_message"], a["agent_message"] = h["permissionDecisionReason"], h["permissionDecisionReason"]
	}
	if a["decision"] == "block" {
		a["continue"], a["user_message"] = false, a["reason"]
	}
	if up, ok := h["updatedToolOutput"]; ok && (strings.HasPrefix(tool, "MCP:") || strings.HasPrefix(tool, "mcp__")) {
		a["updated_mcp_tool_output"] = up
	}
	if c, ok := h["additionalContext"]; ok {
		a["additional_context"] = c
	}
}

// workspaceRoots are the workspace roots of a Cursor payload.
func workspaceRoots(p map[string]any) []string {
	var out []string
	roots, _ := p["workspace_roots"].([]any)
	for _, r := range roots {
		if s, ok := r.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// filtersShell reports whether a CLAUDE_CODE_SHELL_PREFIX runs commands
// through noxkey-hook.
func filtersShell(prefix string) bool {
	hook, ok := strings.CutSuffix(prefix, " "+relay.ShellFlag)
	return ok && filepath.IsAbs(hook) && filepath.Base(hook) == "noxkey-hook"
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

// redactedContext is the note that goes with a redacted output: what was
// redacted, and the variables commands can use instead.
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
