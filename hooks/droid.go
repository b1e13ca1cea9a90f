package hooks

import (
	"io/fs"
	"path/filepath"
	"strings"
)

// Droid answers a Factory droid hook payload (Claude Code's format;
// docs/agents/README.md). Droid's PostToolUse cannot replace a tool's result,
// so everything happens before a tool runs:
//   - PreToolUse, Execute: updatedInput with the command run through the
//     guard (stderr merged, as droid shows one stream). No
//     permissionDecision: droid then still applies the rewrite, and "allow"
//     would skip the user's own permission settings;
//   - PreToolUse, Read: deny when the file holds a secret; Grep: deny when
//     a file it would search (its file, or up to grepScanFiles files under
//     its folder) holds one: run grep through Execute instead, which is
//     filtered;
//   - UserPromptSubmit: decision "block" for a prompt holding a secret.
func Droid(payload []byte, c *Core) ([]byte, int) {
	c.Merge = true
	p, err := decode(payload)
	if err != nil {
		return answer(map[string]any{"hookSpecificOutput": map[string]any{"hookEventName": "PreToolUse",
			"permissionDecision": "deny", "permissionDecisionReason": "noxkey-hook droid: " + err.Error()}})
	}
	event, _ := p["hook_event_name"].(string)
	tool, _ := p["tool_name"].(string)
	in := asMap(p["tool_input"])
	cwd, _ := p["cwd"].(string)
	deny := func(reason string) ([]byte, int) {
		return answer(map[string]any{"hookSpecificOutput": map[string]any{"hookEventName": "PreToolUse",
			"permissionDecision": "deny", "permissionDecisionReason": reason}})
	}
	switch event {
	case "PreToolUse":
		switch tool {
		case "Execute":
			cmd, _ := in["command"].(string)
			d := c.Decide(Event{Kind: PreTool, Tool: tool, Shell: cmd != "", Command: cmd})
			switch d.Verdict {
			case Rewrite:
				return answer(map[string]any{"hookSpecificOutput": map[string]any{"hookEventName": "PreToolUse",
					"updatedInput": withCommand(in, "command", d.Command)}})
			case Block:
				return deny(d.Reason)
			}
		case "Read":
			path, _ := in["file_path"].(string)
			if d := c.Decide(Event{Kind: FileRead, Path: path, Cwd: cwd}); d.Verdict == Block {
				return deny(d.Reason)
			}
		case "Grep":
			path, _ := in["path"].(string)
			if path == "" {
				path = cwd
			} else if !filepath.IsAbs(path) {
				path = filepath.Join(cwd, path)
			}
			for _, f := range grepFiles(path) {
				if d := c.Decide(Event{Kind: FileRead, Path: f}); d.Verdict == Block {
					return deny(strings.Replace(d.Reason, ", so it is not read.", ", so Grep, whose output droid cannot filter, is not run. Search with grep through Execute instead (its output is filtered).", 1))
				}
			}
		}
	case "UserPromptSubmit":
		prompt, _ := p["prompt"].(string)
		if d := c.Decide(Event{Kind: Prompt, Prompt: prompt}); d.Verdict == Block {
			return answer(map[string]any{"decision": "block", "reason": d.Reason})
		}
	}
	return nil, 0
}

// grepScanFiles bounds the files Droid checks under a Grep's folder.
const grepScanFiles = 2000

// grepFiles lists the regular files a Grep of path would search: path
// itself, or up to grepScanFiles files under it, skipping .git and
// node_modules.
func grepFiles(path string) []string {
	var out []string
	filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() && p != path && (d.Name() == ".git" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.Type().IsRegular() {
			out = append(out, p)
		}
		if len(out) >= grepScanFiles {
			return filepath.SkipAll
		}
		return nil
	})
	return out
}
