package main

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noxkey/noxkey/guard"
)

const notArmed = "noxkey's guard is not armed since this machine started: ask the user to run 'noxkey unlock' in a terminal"

// TestEveryDialectFailsClosedUnarmed: with an index whose key is not armed
// (a copied data directory, or a reboot since noxkey unlock), every
// dialect blocks what it would have scanned, with the sentence the agent
// relays to the user, and lets through what has nothing to scan.
func TestEveryDialectFailsClosedUnarmed(t *testing.T) {
	home := filepath.Join(t.TempDir(), "nk")
	os.MkdirAll(home, 0o700)
	const secret = "NXK-DUMMY-SECRET-8c1f2e9a7b"
	key := make([]byte, 32)
	rand.Read(key) // never armed
	ix, _, err := guard.Build([]guard.Secret{{Name: "acme/test/NOXKEY_TEST_SECRET", Value: []byte(secret)}}, key, guard.Options{Settings: settings(t, home)})
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.WriteFile(filepath.Join(home, "guard.idx")); err != nil {
		t.Fatal(err)
	}
	fixture := func(name string) string {
		b, err := os.ReadFile("../../hooks/testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	js := func(v any) string {
		b, _ := json.Marshal(v)
		return string(b)
	}
	cases := []struct {
		name    string
		args    []string
		stdin   string
		blocked bool   // the answer must carry the sentence
		where   string // a piece of the answer's blocking form
	}{
		{"claude PostToolUse", []string{"claude"}, fixture("claude-PostToolUse-Bash.stdin.json"), true, `"updatedToolOutput"`},
		{"claude PostToolUseFailure", []string{"claude"}, fixture("claude-PostToolUseFailure-Bash.stdin.json"), true, `"additionalContext"`},
		{"claude UserPromptSubmit", []string{"claude"}, js(map[string]any{"hook_event_name": "UserPromptSubmit", "prompt": "use " + secret}), true, `"decision":"block"`},
		{"claude PostToolUse, empty output", []string{"claude"}, js(map[string]any{"hook_event_name": "PostToolUse", "tool_name": "Bash", "tool_response": map[string]any{"stdout": "", "stderr": "", "interrupted": false, "isImage": false}}), false, ""},
		{"claude UserPromptSubmit, empty", []string{"claude"}, js(map[string]any{"hook_event_name": "UserPromptSubmit", "prompt": ""}), false, ""},
		{"codex PostToolUse", []string{"codex"}, fixture("codex-PostToolUse-Bash.stdin.json"), true, `"decision":"block"`},
		{"codex UserPromptSubmit", []string{"codex"}, js(map[string]any{"hook_event_name": "UserPromptSubmit", "prompt": "use " + secret}), true, `"decision":"block"`},
		{"gemini AfterTool", []string{"gemini"}, fixture("gemini-AfterTool-run_shell_command.stdin.json"), true, `"decision":"deny"`},
		{"cursor postToolUse", []string{"cursor"}, js(map[string]any{"hook_event_name": "postToolUse", "tool_name": "MCP:vault", "tool_output": `{"text":"` + secret + `"}`, "workspace_roots": []any{"/w"}}), true, ""},
		{"cursor beforeSubmitPrompt", []string{"cursor"}, js(map[string]any{"hook_event_name": "beforeSubmitPrompt", "prompt": "key " + secret}), true, `"continue":false`},
		{"copilot userPromptSubmitted", []string{"copilot", "userPromptSubmitted"}, js(map[string]any{"sessionId": "s", "prompt": "key " + secret}), true, ""},
		{"windsurf pre_user_prompt", []string{"windsurf"}, js(map[string]any{"agent_action_name": "pre_user_prompt", "tool_info": map[string]any{"user_prompt": "x " + secret}}), true, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cmd := exec.Command(filepath.Join(binDir, "noxkey-hook"), c.args...)
			cmd.Env = []string{"NOXKEY_HOME=" + home, "PATH=/usr/bin:/bin"}
			cmd.Stdin = strings.NewReader(c.stdin)
			var o, e bytes.Buffer
			cmd.Stdout, cmd.Stderr = &o, &e
			cmd.Run()
			answer := o.String() + e.String()
			if strings.Contains(answer, secret) {
				t.Fatal("the answer holds the secret")
			}
			if !c.blocked {
				if cmd.ProcessState.ExitCode() != 0 || strings.TrimSpace(o.String()) != "" {
					t.Fatalf("nothing to scan was not let through: exit %d, %q", cmd.ProcessState.ExitCode(), answer)
				}
				return
			}
			if !strings.Contains(answer, notArmed) || !strings.Contains(answer, c.where) {
				t.Fatalf("exit %d, answer %q: want %s with the sentence", cmd.ProcessState.ExitCode(), answer, c.where)
			}
			if strings.Contains(answer, "noxkey guard rebuild") {
				t.Fatalf("the answer gives the wrong way out: %q", answer)
			}
		})
	}
	t.Run("filter", func(t *testing.T) {
		for _, in := range []string{"key " + secret + "\n", ""} {
			cmd := exec.Command(filepath.Join(binDir, "noxkey-hook"), "filter")
			cmd.Env = []string{"NOXKEY_HOME=" + home}
			cmd.Stdin = strings.NewReader(in)
			var o, e bytes.Buffer
			cmd.Stdout, cmd.Stderr = &o, &e
			cmd.Run()
			code := cmd.ProcessState.ExitCode()
			switch {
			case in == "" && (code != 0 || o.Len() != 0):
				t.Errorf("empty input: exit %d, %q", code, o.String())
			case in != "" && (code != 2 || o.Len() != 0 || !strings.Contains(e.String(), notArmed)):
				t.Errorf("input: exit %d, stdout %q, stderr %q", code, o.String(), e.String())
			}
		}
	})
}
