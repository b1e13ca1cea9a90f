package hooks

// Gemini answers a Gemini CLI hook payload (docs/agents/README.md):
//   - AfterTool: when anything was redacted, decision "deny" with the
//     redacted model-facing output (tool_response.llmContent) as reason;
//     Gemini CLI then gives the model "Tool result blocked: <reason>", for
//     any tool and exit status (e2e/gemini/gemini_test.go);
//   - BeforeTool, run_shell_command: the command as the model wrote it, so
//     a clean result reaches the model byte for byte as without noxkey
//     (a rewrite also makes Gemini CLI add a note that the input was
//     modified). With guard.toml's filter_live_output, the command is
//     rewritten (hookSpecificOutput.tool_input) to run through the guard,
//     which filters its live output too;
//   - BeforeAgent: decision "deny" for a prompt holding a secret.
func Gemini(payload []byte, c *Core) ([]byte, int) {
	p, err := decode(payload)
	if err != nil {
		return answer(map[string]any{"decision": "deny", "reason": "noxkey-hook gemini: " + err.Error()})
	}
	event, _ := p["hook_event_name"].(string)
	tool, _ := p["tool_name"].(string)
	in := asMap(p["tool_input"])
	c.Merge, c.LiveOnly, c.Fresh = true, true, true // bash -c per command
	switch event {
	case "BeforeTool":
		cmd, _ := in["command"].(string)
		d := c.Decide(Event{Kind: PreTool, Tool: tool, Shell: tool == "run_shell_command" && cmd != "", Command: cmd})
		switch d.Verdict {
		case Rewrite:
			return answer(map[string]any{"hookSpecificOutput": map[string]any{"hookEventName": "BeforeTool", "tool_input": map[string]any{"command": d.Command}}})
		case Block:
			return answer(map[string]any{"decision": "deny", "reason": d.Reason})
		}
	case "AfterTool":
		out := p["tool_response"]
		if m := asMap(out); m != nil && m["llmContent"] != nil {
			out = m["llmContent"] // what the model gets
		}
		d := c.Decide(Event{Kind: PostTool, Tool: tool, Output: out})
		switch d.Verdict {
		case Redact:
			return answer(map[string]any{"decision": "deny", "reason": d.Text})
		case Block:
			return answer(map[string]any{"decision": "deny", "reason": "[noxkey: output withheld] " + d.Reason})
		}
	case "BeforeAgent":
		prompt, _ := p["prompt"].(string)
		if d := c.Decide(Event{Kind: Prompt, Prompt: prompt}); d.Verdict == Block {
			return answer(map[string]any{"decision": "deny", "reason": d.Reason})
		}
	}
	return nil, 0
}
