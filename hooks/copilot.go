package hooks

import "encoding/json"

// Copilot answers a GitHub Copilot CLI hook payload (docs/agents/README.md) in both of its dialects: camelCase events (toolName,
// toolArgs, toolResult) and PascalCase ones (VS Code style: tool_name,
// tool_input, tool_result). event is the event name noxkey was installed
// for (the camelCase payload does not carry one).
//   - postToolUse: modifiedResult {textResultForLlm, resultType} with the
//     redacted text, for every tool; Copilot CLI gives the model exactly
//     that, for failing commands too (they are "success" results). It lets
//     the original through on a non-zero exit, a timeout or bad JSON, so
//     every failure here still answers JSON that withholds the output;
//   - preToolUse, bash: the command as the model wrote it (postToolUse
//     covers what the model sees); with guard.toml's filter_live_output,
//     modifiedArgs with the command run through the guard; a deny when the
//     guard cannot run;
//   - userPromptSubmitted: decision "block" for a prompt holding a secret.
func Copilot(payload []byte, c *Core) ([]byte, int) {
	return CopilotEvent(payload, c, "")
}

// CopilotEvent is Copilot with the event named by the installed command.
func CopilotEvent(payload []byte, c *Core, event string) ([]byte, int) {
	c.Merge, c.LiveOnly = true, true // one stream to the model; its shell session is kept
	p, err := decode(payload)
	if err != nil {
		if event == "postToolUse" || event == "PostToolUse" {
			return copilotWithheld("noxkey-hook copilot: " + err.Error())
		}
		return answer(map[string]any{"permissionDecision": "deny", "permissionDecisionReason": "noxkey-hook copilot: " + err.Error()})
	}
	if e, ok := p["hook_event_name"].(string); ok {
		event = e
	}
	tool, _ := p["toolName"].(string)
	argsKey, resultKey, textKey, typeKey := "toolArgs", "toolResult", "textResultForLlm", "resultType"
	if tool == "" {
		tool, _ = p["tool_name"].(string)
		argsKey, resultKey, textKey, typeKey = "tool_input", "tool_result", "text_result_for_llm", "result_type"
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
		d := c.Decide(Event{Kind: PreTool, Tool: tool, Shell: (tool == "bash" || tool == "Bash") && cmd != "", Command: cmd})
		switch d.Verdict {
		case Rewrite:
			var mod any = withCommand(in, "command", d.Command)
			if stringArgs {
				b, _ := json.Marshal(mod)
				mod = string(b)
			}
			return answer(map[string]any{"modifiedArgs": mod})
		case Block:
			return answer(map[string]any{"permissionDecision": "deny", "permissionDecisionReason": d.Reason})
		}
	case "postToolUse", "PostToolUse":
		res := asMap(p[resultKey])
		text, _ := res[textKey].(string)
		rt, _ := res[typeKey].(string)
		if rt == "" {
			rt = "success"
		}
		d := c.Decide(Event{Kind: PostTool, Tool: tool, Output: text})
		switch d.Verdict {
		case Redact:
			return answer(map[string]any{"modifiedResult": map[string]any{"textResultForLlm": d.Text, "resultType": rt}})
		case Block:
			return copilotWithheld(d.Reason)
		}
	case "userPromptSubmitted", "UserPromptSubmit":
		prompt, _ := p["prompt"].(string)
		if d := c.Decide(Event{Kind: Prompt, Prompt: prompt}); d.Verdict == Block {
			return answer(map[string]any{"decision": "block", "reason": d.Reason})
		}
	}
	return nil, 0
}

// copilotWithheld replaces a tool's result with why it is withheld.
func copilotWithheld(reason string) ([]byte, int) {
	return answer(map[string]any{"modifiedResult": map[string]any{
		"textResultForLlm": "[noxkey: output withheld] " + reason, "resultType": "failure"}})
}
