package hooks

// Opencode answers what noxkey's opencode plugin (configs/agents/opencode.js)
// sends: {"event":"before","tool","args"} before a tool runs and
// {"event":"after","tool","output"} after it. It answers {"output"} to
// replace what the model sees (tool.execute.after sets output.output, for
// every tool), {"command"} to change what runs (only with guard.toml's
// filter_live_output: the after answer covers the model), or {"block"}: the
// plugin throws before a tool, and withholds the output after one. {}
// leaves the call alone. The plugin blocks when noxkey-hook gives no
// answer it can read.
func Opencode(payload []byte, c *Core) ([]byte, int) {
	c.Merge, c.LiveOnly = true, true // opencode shows the model one stream
	p, err := decode(payload)
	if err != nil {
		return answer(map[string]any{"block": "noxkey-hook opencode: " + err.Error()})
	}
	tool, _ := p["tool"].(string)
	switch p["event"] {
	case "before":
		cmd, _ := asMap(p["args"])["command"].(string)
		d := c.Decide(Event{Kind: PreTool, Tool: tool, Shell: tool == "bash" && cmd != "", Command: cmd})
		switch d.Verdict {
		case Rewrite:
			return answer(map[string]any{"command": d.Command})
		case Block:
			return answer(map[string]any{"block": d.Reason})
		}
	case "after":
		d := c.Decide(Event{Kind: PostTool, Tool: tool, Output: p["output"]})
		switch d.Verdict {
		case Redact:
			return answer(map[string]any{"output": d.Text})
		case Block:
			return answer(map[string]any{"block": d.Reason})
		}
	case "prompt":
		prompt, _ := p["prompt"].(string)
		if d := c.Decide(Event{Kind: Prompt, Prompt: prompt}); d.Verdict == Block {
			return answer(map[string]any{"block": d.Reason})
		}
	default:
		return answer(map[string]any{"block": "noxkey-hook opencode: unknown event; reinstall the plugin: noxkey hooks install --agent opencode"})
	}
	return []byte("{}\n"), 0
}
