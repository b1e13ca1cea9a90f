package hooks

// Codex answers a Codex CLI hook payload (docs/agents/README.md):
//   - PostToolUse: when anything was redacted, decision "block" with the
//     redacted output as reason; Codex replaces the tool result with it,
//     for any exit status (e2e/codex/codex_test.go);
//   - PreToolUse, Bash: the command as the model wrote it: PostToolUse
//     covers what the model sees. With guard.toml's filter_live_output,
//     the command is rewritten to run through the guard (stderr merged
//     into stdout in order, as Codex shows them). Codex applies
//     updatedInput only with permissionDecision "allow", which must never
//     widen what runs unasked: so only when the session already runs
//     without approval (permission_mode bypassPermissions); otherwise
//     deny, showing the filtered command to run instead;
//   - UserPromptSubmit: decision "block" for a prompt holding a secret.
func Codex(payload []byte, c *Core) ([]byte, int) {
	p, err := decode(payload)
	if err != nil {
		return answer(map[string]any{"decision": "block", "reason": "noxkey-hook codex: " + err.Error()})
	}
	c.Merge, c.LiveOnly, c.Fresh = true, true, true // bash -c per command
	event, _ := p["hook_event_name"].(string)
	tool, _ := p["tool_name"].(string)
	in := asMap(p["tool_input"])
	switch event {
	case "PreToolUse":
		cmd, _ := in["command"].(string)
		d := c.Decide(Event{Kind: PreTool, Tool: tool, Shell: tool == "Bash" && cmd != "", Command: cmd})
		switch d.Verdict {
		case Rewrite:
			if p["permission_mode"] == "bypassPermissions" {
				return answer(map[string]any{"hookSpecificOutput": map[string]any{
					"hookEventName": "PreToolUse", "permissionDecision": "allow",
					"updatedInput": withCommand(in, "command", d.Command)}})
			}
			return answer(map[string]any{"hookSpecificOutput": map[string]any{
				"hookEventName": "PreToolUse", "permissionDecision": "deny",
				"permissionDecisionReason": "noxkey: run this command with its output filtered by noxkey instead, exactly as follows:\n" + d.Command}})
		case Block:
			return answer(map[string]any{"hookSpecificOutput": map[string]any{
				"hookEventName": "PreToolUse", "permissionDecision": "deny", "permissionDecisionReason": d.Reason}})
		}
	case "PostToolUse":
		d := c.Decide(Event{Kind: PostTool, Tool: tool, Output: p["tool_response"]})
		switch d.Verdict {
		case Redact:
			return answer(map[string]any{"decision": "block", "reason": d.Text,
				"hookSpecificOutput": map[string]any{"hookEventName": "PostToolUse", "additionalContext": d.Reason}})
		case Block:
			return answer(map[string]any{"decision": "block", "reason": "[noxkey: output withheld] " + d.Reason})
		}
	case "UserPromptSubmit":
		prompt, _ := p["prompt"].(string)
		if d := c.Decide(Event{Kind: Prompt, Prompt: prompt}); d.Verdict == Block {
			return answer(map[string]any{"decision": "block", "reason": d.Reason})
		}
	}
	return nil, 0
}
