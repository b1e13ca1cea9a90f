package hooks

import "os"

// Windsurf answers a Windsurf Cascade hook payload (docs/agents/README.md). Cascade hooks can only block, by exit status 2 with the
// reason on stderr; the returned bytes are that reason.
//   - pre_run_command: blocks a command that holds a secret, uses a
//     secret's variable, reads a file holding one, or prints the whole
//     environment (Cascade cannot filter what a command prints);
//   - pre_read_code: blocks reading a file that holds a secret;
//   - pre_user_prompt: blocks a prompt that holds a secret.
func Windsurf(payload []byte, c *Core) ([]byte, int) {
	p, err := decode(payload)
	if err != nil {
		return []byte("noxkey-hook windsurf: " + err.Error() + "\n"), 2
	}
	event, _ := p["agent_action_name"].(string)
	info := asMap(p["tool_info"])
	block := func(reason string) ([]byte, int) { return []byte(reason + "\n"), 2 }
	switch event {
	case "pre_run_command":
		cmd, _ := info["command_line"].(string)
		cwd, _ := info["cwd"].(string)
		if why := c.CommandExposure(cmd, cwd); why != "" {
			return block(why)
		}
	case "pre_read_code":
		path, _ := info["file_path"].(string)
		if fi, err := os.Stat(path); err == nil && fi.IsDir() {
			return nil, 0
		}
		if d := c.Decide(Event{Kind: FileRead, Path: path}); d.Verdict == Block {
			return block(d.Reason)
		}
	case "pre_user_prompt":
		prompt, _ := info["user_prompt"].(string)
		if d := c.Decide(Event{Kind: Prompt, Prompt: prompt}); d.Verdict == Block {
			return block(d.Reason)
		}
	}
	return nil, 0
}
