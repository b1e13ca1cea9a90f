package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A project's .claude/settings.json with the user's own hooks and keys.
const foreignClaudeSettings = `{
  "permissions": {"allow": ["Bash(git status)"], "deny": ["Read(.env)"]},
  "model": "claude-sonnet",
  "hooks": {
    "PreToolUse": [
      {"matcher": "Bash", "hooks": [{"type": "command", "command": "/usr/local/bin/audit-bash", "timeout": 5}]}
    ],
    "Stop": [{"hooks": [{"type": "command", "command": "notify-send done"}]}]
  }
}
`

func TestHooksInstallClaudeMergesIdempotentlyAndUninstallsExactly(t *testing.T) {
	h := newHome(t)
	project := t.TempDir()
	settings := filepath.Join(project, ".claude", "settings.json")
	os.MkdirAll(filepath.Dir(settings), 0o755)
	os.WriteFile(settings, []byte(foreignClaudeSettings), 0o644)
	hookBin := filepath.Join(binDir, "noxkey-hook")

	inProject := func(args ...string) result {
		t.Helper()
		cwd, _ := os.Getwd()
		defer os.Chdir(cwd)
		os.Chdir(project)
		return h.run(t, "", args...)
	}
	if r := inProject("hooks", "install", "--agent", "claude", "--scope", "project"); r.code != 0 {
		t.Fatalf("install: %d %s", r.code, r.stderr)
	}
	var doc map[string]any
	b, _ := os.ReadFile(settings)
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc["model"] != "claude-sonnet" || doc["permissions"] == nil {
		t.Fatal("foreign keys lost")
	}
	hooksObj := doc["hooks"].(map[string]any)
	for _, ev := range []string{"PreToolUse", "PostToolUse", "PostToolUseFailure", "UserPromptSubmit"} {
		if !strings.Contains(string(mustJSON(hooksObj[ev])), "'"+hookBin+"' claude") {
			t.Errorf("%s: noxkey's handler missing: %s", ev, mustJSON(hooksObj[ev]))
		}
	}
	if !strings.Contains(string(b), "/usr/local/bin/audit-bash") || !strings.Contains(string(b), "notify-send done") {
		t.Fatal("foreign hooks lost")
	}
	if _, err := os.Stat(settings + ".noxkey-backup"); err != nil {
		t.Error("no backup of the previous file")
	}
	// A second install changes nothing.
	before, _ := os.ReadFile(settings)
	if r := inProject("hooks", "install", "--agent", "claude", "--scope", "project"); r.code != 0 || !strings.Contains(r.stderr, "nothing to change") {
		t.Fatalf("second install: %d %s", r.code, r.stderr)
	}
	after, _ := os.ReadFile(settings)
	if string(before) != string(after) {
		t.Fatal("a second install changed the file")
	}
	if r := inProject("hooks", "status", "--agent", "claude", "--scope", "project"); !strings.Contains(r.stdout, ": installed") {
		t.Errorf("status: %q", r.stdout)
	}
	// Uninstall leaves exactly the user's settings (as JSON).
	if r := inProject("hooks", "uninstall", "--agent", "claude", "--scope", "project"); r.code != 0 {
		t.Fatalf("uninstall: %d %s", r.code, r.stderr)
	}
	got, _ := os.ReadFile(settings)
	if string(normJSON(t, got)) != string(normJSON(t, []byte(foreignClaudeSettings))) {
		t.Fatalf("uninstall did not restore the user's settings:\n%s", got)
	}
	if r := inProject("hooks", "status", "--agent", "claude", "--scope", "project"); !strings.Contains(r.stdout, "not installed") {
		t.Errorf("status after uninstall: %q", r.stdout)
	}
}

func TestHooksInstallRefusesAFileItCannotParse(t *testing.T) {
	h := newHome(t)
	userSettings := filepath.Join(h.env[1][len("HOME="):], ".claude", "settings.json")
	os.MkdirAll(filepath.Dir(userSettings), 0o700)
	bad := []byte("{ \"hooks\": { // a comment JSON does not allow\n } }")
	os.WriteFile(userSettings, bad, 0o600)
	r := h.run(t, "", "hooks", "install", "--agent", "claude")
	if r.code != 1 || !strings.Contains(r.stderr, "is not a JSON object") || !strings.Contains(r.stderr, "nothing was changed") {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if got, _ := os.ReadFile(userSettings); string(got) != string(bad) {
		t.Fatal("the unparsable file was changed")
	}
	// user scope goes to $HOME/.claude/settings.json, created 0600 when absent.
	os.Remove(userSettings)
	if r := h.run(t, "", "hooks", "install", "--agent", "claude"); r.code != 0 {
		t.Fatalf("install: %s", r.stderr)
	}
	if fi, err := os.Stat(userSettings); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("user settings: %v", err)
	}
	if r := h.run(t, "", "hooks", "install", "--agent", "nosuch"); r.code != 1 || !strings.Contains(r.stderr, "known: claude") {
		t.Errorf("unknown agent: %d %s", r.code, r.stderr)
	}
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

func normJSON(t *testing.T, b []byte) []byte {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return mustJSON(v)
}
