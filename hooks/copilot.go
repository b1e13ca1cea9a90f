package hooks

import "encoding/json"

// Copilot answers a GitHub Copilot CLI hook payload (README.md, the
// agents table) in both of its dialects: camelCase events (toolName,
// toolArgs) and PascalCase ones (VS Code style: tool_name, tool_input).
// event is the event name noxkey was installed for (the camelCase
// payload does not carry one).
//   - preToolUse, bash: modifiedArgs with the command wrapped through the
//     guard, and no permissionDecision (never widen what runs);
//   - userPromptSubmitted: decision "block" for a prompt holding a secret.
//
// A command hook cannot replace a tool's output in Copilot CLI.
func Copilot(payload []byte, c *Core) ([]byte, int) {
	return CopilotEvent(payload, c, "")
}

// CopilotEvent is Copilot with the event named by the installed command.
func CopilotEvent(payload []byte, c *Core, event string) ([]byte, int) {
	p, err := decode(payload)
	if err != nil {
		return answer(map[string]any{"permissionDecision": "deny", "permissionDecisionReason": "noxkey-hook copilot: " + err.Error()})
	}
	c.Merge = true // one stream to the model
	if e, ok := p["hook_event_name"].(string); ok {
		event = e
	}
	tool, _ := p["toolName"].(string)
	argsKey := "toolArgs"
	if tool == "" {
		tool, _ = p["tool_name"].(string)
		argsKey = "tool_input"
	}
	switch event {
	case "preToolUse", "PreToolUse":
		args := p[argsKey]
		stringArgs := false
		if s, ok := args.(string); ok { // toolArgs can be a JSON string
			var m map[string]any
			if json.Unmarshal([]byte(s), &m) == nil {
				args, stringArgs = m, true
			}
		}
		in := asMap(args)
		cmd, _ := in["command"].(string)
		d := c.Decide(Event{Kind: PreTool, Tool: tool, Shell: tool == "bash" && cmd != "", Command: cmd})
		switch d.Verdict {
		case Rewrite:
			var mod any = withCommand(in, "command", d.Command)
			if stringArgs {
				b, _ := json.Marshal(mod)
				mod = string(b)
			}
			out := map[string]any{"modifiedArgs": mod}
			if argsKey == "tool_input" {
				out["hookSpecificOutput"] = map[string]any{"hookEventName": "PreToolUse", "updatedInput": withCommand(in, "command", d.Command)}
			}
			return answer(out)
		case Block:
			return answer(map[string]any{"permissionDecision": "deny", "permissionDecisionReason": d.Reason})
		}
	case "userPromptSubmitted", "UserPromptSubmit":
		prompt, _ := p["prompt"].(string)
		if d := c.Decide(Event{Kind: Prompt, Prompt: prompt}); d.Verdict == Block {
			return answer(map[string]any{"decision": "block", "reason": d.Reason})
		}
	}
	return nil, 0
}
