package hooks

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
)

// Cursor answers a Cursor hook payload (docs/agents/README.md):
//   - preToolUse, Shell: updated_input with the command wrapped through
//     the guard. Never permission "allow": in Cursor that auto-approves;
//   - beforeReadFile: deny when the content (Cursor sends it) holds a
//     secret: it cannot be redacted there;
//   - postToolUse, MCP tools: updated_mcp_tool_output, redacted. Cursor
//     cannot replace any other tool's output;
//   - beforeSubmitPrompt: continue false for a prompt holding a secret.
func Cursor(payload []byte, c *Core) ([]byte, int) {
	p, err := decode(payload)
	if err != nil {
		return answer(map[string]any{"permission": "deny", "continue": false, "user_message": "noxkey-hook cursor: " + err.Error()})
	}
	event, _ := p["hook_event_name"].(string)
	tool, _ := p["tool_name"].(string)
	in := asMap(p["tool_input"])
	cwd, _ := p["cwd"].(string)
	switch event {
	case "preToolUse":
		cmd, _ := in["command"].(string)
		d := c.Decide(Event{Kind: PreTool, Tool: tool, Shell: tool == "Shell" && cmd != "", Command: cmd})
		switch d.Verdict {
		case Rewrite:
			return answer(map[string]any{"updated_input": withCommand(in, "command", d.Command)})
		case Block:
			return answer(map[string]any{"permission": "deny", "user_message": d.Reason, "agent_message": d.Reason})
		}
	case "beforeReadFile":
		path, _ := p["file_path"].(string)
		var content []byte
		if s, ok := p["content"].(string); ok {
			content = []byte(s)
		}
		d := c.Decide(Event{Kind: FileRead, Path: path, Content: content, Cwd: cwd})
		if d.Verdict == Block {
			return answer(map[string]any{"permission": "deny", "user_message": d.Reason, "agent_message": d.Reason})
		}
		return answer(map[string]any{}) // no decision: never "allow"
	case "postToolUse":
		if !strings.HasPrefix(tool, "MCP:") && !strings.HasPrefix(tool, "mcp__") {
			return answer(map[string]any{}) // Cursor offers no replacement for other tools
		}
		out := p["tool_output"]
		if s, ok := out.(string); ok { // a JSON string of the result
			var v any
			if json.Unmarshal([]byte(s), &v) == nil {
				out = v
			}
		}
		d := c.Decide(Event{Kind: PostTool, Tool: tool, Output: out})
		switch d.Verdict {
		case Redact:
			return answer(map[string]any{"updated_mcp_tool_output": d.Output, "additional_context": d.Reason})
		case Block:
			return answer(map[string]any{"updated_mcp_tool_output": "[noxkey: output withheld] " + d.Reason})
		}
	case "beforeSubmitPrompt":
		prompt, _ := p["prompt"].(string)
		if d := c.Decide(Event{Kind: Prompt, Prompt: prompt}); d.Verdict == Block {
			return answer(map[string]any{"continue": false, "user_message": d.Reason})
		}
		return answer(map[string]any{"continue": true})
	}
	// Valid JSON without a decision: with failClosed, an empty answer
	// would block.
	return answer(map[string]any{})
}

// CursorHasNoxkey reports whether noxkey's own Cursor hooks are installed
// (user or a workspace's project scope): then the Claude-format entry
// Cursor also runs stands down, so nothing is scanned twice.
func CursorHasNoxkey(roots []string) bool {
	home, _ := os.UserHomeDir()
	files := []string{filepath.Join(home, ".cursor", "hooks.json")}
	for _, r := range roots {
		files = append(files, filepath.Join(r, ".cursor", "hooks.json"))
	}
	for _, f := range files {
		// the handler line minus its opening quote: any path ending in noxkey-hook
		if b, err := os.ReadFile(f); err == nil && bytes.Contains(b, []byte(HandlerCommand("noxkey-hook", "cursor")[1:])) {
			return true
		}
	}
	return false
}
