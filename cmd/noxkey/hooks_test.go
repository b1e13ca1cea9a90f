package main

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/noxkey/noxkey/hooks/relay"
)

// A project's .claude/settings.local.json with the user's own hooks and keys.
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
	settings := filepath.Join(project, ".claude", "settings.local.json")
	os.MkdirAll(filepath.Dir(settings), 0o755)
	os.WriteFile(settings, []byte(foreignClaudeSettings), 0o644)
	hookBin := filepath.Join(binDir, "noxkey-hook")

	h.cwd = project
	inProject := func(args ...string) result { t.Helper(); return h.run(t, "", args...) }
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
	// Bash output is filtered by Claude Code's shell prefix, not by
	// rewriting commands: PreToolUse is for Bash and Read only.
	env, _ := doc["env"].(map[string]any)
	if env["CLAUDE_CODE_SHELL_PREFIX"] != hookBin+" "+relay.ShellFlag {
		t.Errorf("shell prefix: %v", env)
	}
	if m := string(mustJSON(hooksObj["PreToolUse"])); !strings.Contains(m, `"matcher":"Bash|Read"`) || strings.Contains(m, `"matcher":"*"`) {
		t.Errorf("PreToolUse: %s", m)
	}
	// The previous file is kept in noxkey's data directory, not in the
	// project's working tree; the file keeps its mode.
	if backups, _ := filepath.Glob(filepath.Join(h.dir, "hooks-backup", "*settings.local.json.*")); len(backups) != 1 {
		t.Errorf("backups: %v", backups)
	} else if b, _ := os.ReadFile(backups[0]); string(b) != foreignClaudeSettings {
		t.Error("the backup is not the previous file")
	}
	if left, _ := filepath.Glob(filepath.Join(project, ".claude", "*noxkey*")); len(left) != 0 {
		t.Errorf("files left in the project: %v", left)
	}
	if fi, _ := os.Stat(settings); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v", fi.Mode())
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

// A shell prefix the user set is theirs: install refuses to replace it,
// says why and what to do, and changes nothing. An older install's
// PreToolUse handler for every tool is replaced by the one for Read.
func TestHooksInstallClaudeShellPrefix(t *testing.T) {
	h := newHome(t)
	project := t.TempDir()
	h.cwd = project
	settings := filepath.Join(project, ".claude", "settings.local.json")
	os.MkdirAll(filepath.Dir(settings), 0o755)
	theirs := `{"env": {"CLAUDE_CODE_SHELL_PREFIX": "/usr/local/bin/audit-shell", "FOO": "1"}}` + "\n"
	os.WriteFile(settings, []byte(theirs), 0o644)
	r := h.run(t, "", "hooks", "install", "--agent", "claude", "--scope", "project")
	if r.code == 0 || !strings.Contains(r.stderr, "CLAUDE_CODE_SHELL_PREFIX") || !strings.Contains(r.stderr, "nothing was changed") {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if got, _ := os.ReadFile(settings); string(got) != theirs {
		t.Fatal("the user's prefix was changed")
	}
	hookBin := filepath.Join(binDir, "noxkey-hook")
	old := `{"env": {"FOO": "1", "CLAUDE_CODE_SHELL_PREFIX": "/old/place/noxkey-hook --shell"}, "hooks": {"PreToolUse": [{"matcher": "*", "hooks": [{"type": "command", "command": "'/old/place/noxkey-hook' claude"}]}]}}`
	os.WriteFile(settings, []byte(old), 0o644)
	if r := h.run(t, "", "hooks", "install", "--agent", "claude", "--scope", "project"); r.code != 0 {
		t.Fatalf("install over an older one: %s", r.stderr)
	}
	got, _ := os.ReadFile(settings)
	var doc struct {
		Hooks map[string]any
	}
	json.Unmarshal(got, &doc)
	if pre := string(mustJSON(doc.Hooks["PreToolUse"])); strings.Contains(string(got), "/old/place") || strings.Contains(pre, `"*"`) || !strings.Contains(string(got), hookBin+" --shell") || !strings.Contains(string(got), `"FOO": "1"`) {
		t.Fatalf("after install over an older one:\n%s", got)
	}
	if r := h.run(t, "", "hooks", "uninstall", "--agent", "claude", "--scope", "project"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	if got, _ := os.ReadFile(settings); string(normJSON(t, got)) != `{"env":{"FOO":"1"}}` {
		t.Fatalf("after uninstall: %s", got)
	}
}

// TestHooksUninstallLeavesNoFileItCreated: install into a project that
// has no agent settings, then uninstall: no file is left behind, and no
// backup is in the project.
func TestHooksUninstallLeavesNoFileItCreated(t *testing.T) {
	h := newHome(t)
	project := t.TempDir()
	h.cwd = project
	if r := h.run(t, "", "hooks", "install", "--agent", "all", "--scope", "project"); r.code != 0 {
		t.Fatalf("install: %s", r.stderr)
	}
	if r := h.run(t, "", "hooks", "uninstall", "--agent", "all", "--scope", "project"); r.code != 0 {
		t.Fatalf("uninstall: %s", r.stderr)
	}
	filepath.WalkDir(project, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			t.Errorf("left behind: %s", p)
		}
		return nil
	})
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

// foreign is a project with the user's own hooks for every agent.
var foreign = map[string]string{
	".claude/settings.local.json": foreignClaudeSettings,
	".codex/hooks.json": `{"hooks": {"PostToolUse": [{"matcher": "^Bash$", "hooks": [{"type": "command", "command": "/usr/bin/codex-audit", "timeout": 10}]}]}}
`,
	".gemini/settings.json": `{"theme": "dark", "hooks": {"BeforeTool": [{"matcher": "write_file", "hooks": [{"name": "lint", "type": "command", "command": "npx lint", "timeout": 5000}]}]}}
`,
	".cursor/hooks.json": `{
  // the team's audit hook: keep this comment
  "version": 1,
  "hooks": {
    "afterFileEdit": [{"command": "./format.sh"}],
    "preToolUse": [{"command": "./audit.sh", "matcher": "Shell"}]
  }
}
`,
	".github/hooks/team.json": `{"version": 1, "hooks": {"preToolUse": [{"type": "command", "bash": "./team.sh"}]}}
`,
	".windsurf/hooks.json": `{"hooks": {"pre_run_command": [{"command": "python3 guard.py", "show_output": true}]}}
`,
}

// TestHooksInstallAllKeepsForeignHooks is the Done-when: install
// for every agent into a project that has foreign hooks for each.
func TestHooksInstallAllKeepsForeignHooks(t *testing.T) {
	h := newHome(t)
	project := t.TempDir()
	for p, body := range foreign {
		os.MkdirAll(filepath.Join(project, filepath.Dir(p)), 0o755)
		os.WriteFile(filepath.Join(project, p), []byte(body), 0o644)
	}
	h.cwd = project
	inProject := func(args ...string) result { t.Helper(); return h.run(t, "", args...) }
	r := inProject("hooks", "install", "--agent", "all", "--scope", "project")
	if r.code != 0 {
		t.Fatalf("install all: %d %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "/hooks") || !strings.Contains(r.stderr, "trust") {
		t.Errorf("the Codex trust instruction is missing: %s", r.stderr)
	}
	// Files meant to be committed name noxkey-hook alone (PATH finds this
	// one), so a teammate's agent runs theirs; Claude Code's local file
	// holds the absolute path.
	hook := "'noxkey-hook'"
	ours := map[string][]string{
		".claude/settings.local.json": {"'" + filepath.Join(binDir, "noxkey-hook") + "' claude"},
		".codex/hooks.json":           {hook + " codex"},
		".gemini/settings.json":       {hook + " gemini", `"name": "noxkey-after-tool"`, `"timeout": 30000`},
		".cursor/hooks.json":          {hook + " cursor", `"failClosed": true`, `"beforeReadFile"`},
		".github/hooks/noxkey.json":   {hook + " copilot postToolUse", hook + " copilot preToolUse", hook + " copilot userPromptSubmitted", `"timeoutSec": 30`, `"version": 1`},
		".factory/settings.json":      {hook + " droid", `"matcher": "Execute|Read|Grep"`},
		".opencode/plugins/noxkey.js": {`const HOOK = "noxkey-hook"`, "tool.execute.after", "noxkey hooks install --agent opencode"},
		".windsurf/hooks.json":        {hook + " windsurf", `"pre_read_code"`},
	}
	for p, wants := range ours {
		b, err := os.ReadFile(filepath.Join(project, p))
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		for _, w := range wants {
			if !strings.Contains(strings.ReplaceAll(string(b), `": `, `":`), strings.ReplaceAll(w, `": `, `":`)) {
				t.Errorf("%s lacks %s:\n%s", p, w, b)
			}
		}
	}
	for p, body := range foreign {
		b, _ := os.ReadFile(filepath.Join(project, p))
		var orig map[string]any
		json.Unmarshal([]byte(strings.Replace(body, "// the team's audit hook: keep this comment", "", 1)), &orig)
		if !containsAll(t, decodeLoose(t, b), orig) {
			t.Errorf("%s: a foreign key or hook was lost:\n%s", p, b)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(project, ".cursor/hooks.json")); !strings.Contains(string(b), "// the team's audit hook: keep this comment") {
		t.Errorf("the comment in Cursor's hooks.json was dropped:\n%s", b)
	}
	// Idempotent.
	r = inProject("hooks", "install", "--agent", "all", "--scope", "project")
	if strings.Count(r.stderr, "nothing to change") != 8 {
		t.Errorf("second install changed something: %s", r.stderr)
	}
	st := inProject("hooks", "status", "--agent", "all", "--scope", "project").stdout
	if strings.Count(st, ": installed (") != 8 || strings.Count(st, "(noxkey-hook, on PATH: "+filepath.Join(binDir, "noxkey-hook")+")") != 7 {
		t.Errorf("status:\n%s", st)
	}
	// Uninstall leaves exactly the foreign hooks.
	if r := inProject("hooks", "uninstall", "--agent", "all", "--scope", "project"); r.code != 0 {
		t.Fatalf("uninstall: %s", r.stderr)
	}
	for p, body := range foreign {
		b, _ := os.ReadFile(filepath.Join(project, p))
		if string(normJSON(t, stripComments(b))) != string(normJSON(t, stripComments([]byte(body)))) {
			t.Errorf("%s after uninstall:\n%s", p, b)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(project, ".github/hooks/noxkey.json")); strings.Contains(string(b), "noxkey-hook") {
		t.Errorf("copilot file still holds noxkey: %s", b)
	}
	if _, err := os.Stat(filepath.Join(project, ".opencode/plugins/noxkey.js")); err == nil {
		t.Error("the opencode plugin is still there")
	}
	// A plugin file noxkey did not write is neither replaced nor removed.
	theirs := filepath.Join(project, ".opencode/plugins/noxkey.js")
	os.WriteFile(theirs, []byte("export const Mine = async () => ({})\n"), 0o644)
	if r := inProject("hooks", "install", "--agent", "opencode", "--scope", "project"); r.code == 0 || !strings.Contains(r.stderr, "is not noxkey's") {
		t.Errorf("install over the user's plugin: %d %s", r.code, r.stderr)
	}
	if r := inProject("hooks", "uninstall", "--agent", "opencode", "--scope", "project"); r.code == 0 {
		t.Error("uninstall removed the user's plugin")
	}
	if b, _ := os.ReadFile(theirs); string(b) != "export const Mine = async () => ({})\n" {
		t.Errorf("the user's plugin changed: %s", b)
	}
}

func stripComments(b []byte) []byte {
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "//") {
			out = append(out, l)
		}
	}
	return []byte(strings.Join(out, "\n"))
}

func decodeLoose(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(stripComments(b), &m); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b)
	}
	return m
}

// containsAll reports whether every key of want is in got, recursively;
// arrays: every element of want appears in got.
func containsAll(t *testing.T, got, want any) bool {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return false
		}
		for k, v := range w {
			if !containsAll(t, g[k], v) {
				return false
			}
		}
		return true
	case []any:
		g, ok := got.([]any)
		if !ok {
			return false
		}
		for _, wv := range w {
			found := false
			for _, gv := range g {
				if containsAll(t, gv, wv) {
					found = true
					break
				}
			}
			if !found {
				return false
			}
		}
		return true
	}
	return string(mustJSON(got)) == string(mustJSON(want))
}

// TestDoctor: it reports a healthy setup, then each problem with its fix.
func TestDoctor(t *testing.T) {
	h := newVault(t)
	h.ok(t, secret("sk_live_doctor_value_55")+"\n", "set", "acme/api/KEY")
	if out := h.ok(t, "", "doctor"); !strings.Contains(out, "ok    guard index") || !strings.Contains(out, "all good") {
		t.Fatalf("healthy: %s", out)
	}
	// An index older than the vault.
	future := time.Now().Add(time.Hour)
	os.Chtimes(h.vault(), future, future)
	r := h.run(t, "", "doctor")
	if r.code != 1 || !strings.Contains(r.stdout, "older than the vault") || !strings.Contains(r.stdout, "noxkey guard rebuild") {
		t.Errorf("stale index: %d %s", r.code, r.stdout)
	}
	h.ok(t, "", "guard", "rebuild")
	os.Chtimes(filepath.Join(h.dir, "guard.idx"), future.Add(time.Minute), future.Add(time.Minute))
	// Hooks whose noxkey-hook is gone.
	gone := filepath.Join(t.TempDir(), "noxkey-hook")
	os.WriteFile(gone, []byte("#!/bin/sh\n"), 0o755)
	h.ok(t, "", "hooks", "install", "--agent", "gemini", "--hook-path", gone)
	os.Remove(gone)
	r = h.run(t, "", "doctor")
	if r.code != 1 || !strings.Contains(r.stdout, "FIX   gemini hooks") || !strings.Contains(r.stdout, "is missing") {
		t.Errorf("missing hook binary: %d %s", r.code, r.stdout)
	}
	// --json: the same checks, machine-readable, the same exit status.
	r = h.run(t, "", "doctor", "--json")
	var rep struct {
		Problems int
		Checks   []struct{ Level, What, Detail string }
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || r.code != 1 || rep.Problems < 1 {
		t.Fatalf("doctor --json: exit %d %v %s", r.code, err, r.stdout)
	}
	found := false
	for _, c := range rep.Checks {
		found = found || c.Level == "fix" && c.What == "gemini hooks" && strings.Contains(c.Detail, "is missing")
	}
	if !found {
		t.Errorf("doctor --json lacks the gemini fix: %s", r.stdout)
	}
	// A vault open to others.
	os.Chmod(h.vault(), 0o644)
	if r := h.run(t, "", "doctor"); !strings.Contains(r.stdout, "chmod 600") {
		t.Errorf("vault mode: %s", r.stdout)
	}
}

// TestProjectHooksWithoutNoxkeyHookOnPATH: when PATH does not find the
// noxkey-hook being installed, a shared project file gets its absolute
// path (it still works here) and the user is told why and what to do.
func TestProjectHooksWithoutNoxkeyHookOnPATH(t *testing.T) {
	h := newHome(t)
	h.cwd = t.TempDir()
	h.env = append(withoutEnv(h.env, "PATH"), "PATH=/usr/bin:/bin")
	r := h.exec(t, "noxkey", "", "hooks", "install", "--agent", "codex", "--scope", "project")
	if r.code != 0 || !strings.Contains(r.stderr, "will hold this machine's path "+filepath.Join(binDir, "noxkey-hook")) || !strings.Contains(r.stderr, "put "+binDir+" on PATH") {
		t.Fatalf("install: exit %d %q", r.code, r.stderr)
	}
	b, _ := os.ReadFile(filepath.Join(h.cwd, ".codex/hooks.json"))
	if !strings.Contains(string(b), "'"+filepath.Join(binDir, "noxkey-hook")+"' codex") {
		t.Errorf(".codex/hooks.json:\n%s", b)
	}
}
