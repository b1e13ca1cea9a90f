package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/noxkey/noxkey/handoff"
	"github.com/noxkey/noxkey/handoff/daemon"
)

// realSignatures removes the test home's blank overrides: the daemon
// then uses the built-in agent signatures.
func (h *home) realSignatures(t *testing.T) {
	t.Helper()
	h.stopDaemon(t)
	if err := os.RemoveAll(filepath.Join(h.dir, "agents")); err != nil {
		t.Fatal(err)
	}
}

// agentTree builds programs named like an agent's processes and returns
// the argv prefix that runs a script under them: `claude` is a link to
// bash (the native binary's comm), `node .../codex` and `node .../gemini`
// are bash running a script by that name, as npm's launchers do.
func agentTree(t *testing.T, agent string) []string {
	t.Helper()
	dir := t.TempDir()
	bash, _ := exec.LookPath("bash")
	switch agent {
	case "claude":
		os.Symlink(bash, filepath.Join(dir, "claude"))
		// Not the last command alone: bash would exec it and vanish.
		return []string{filepath.Join(dir, "claude"), "-c", `"$@"; exit $?`, "claude"}
	case "codex", "gemini":
		os.Symlink(bash, filepath.Join(dir, "node"))
		script := filepath.Join(dir, agent)
		os.WriteFile(script, []byte("\"$@\"\nexit $?\n"), 0o755)
		return []string{filepath.Join(dir, "node"), script}
	}
	t.Fatalf("no tree for %s", agent)
	return nil
}

// runArgs runs argv with the home's environment plus extra.
func (h *home) runArgs(t *testing.T, extra []string, argv ...string) result {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(append([]string{}, h.env...), extra...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.Run()
	r := result{out.String(), errb.String(), cmd.ProcessState.ExitCode()}
	outputsMu.Lock()
	outputs = append(outputs, r.stdout, r.stderr)
	outputsMu.Unlock()
	return r
}

func whoamiJSON(t *testing.T, r result) *handoff.Verdict {
	t.Helper()
	var v handoff.Verdict
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
		t.Fatalf("whoami --json: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	return &v
}

// TestDetectionUnderRealProcessTrees runs the CLI under processes built to
// look like each agent, with a clean environment, and under the captured
// agent environments; and as a plain detached shell.
func TestDetectionUnderRealProcessTrees(t *testing.T) {
	h := newVault(t)
	h.realSignatures(t)
	for _, agent := range []string{"claude", "codex", "gemini"} {
		r := h.runArgs(t, nil, append(agentTree(t, agent), "sh", "-c", "noxkey whoami --json")...)
		if v := whoamiJSON(t, r); !v.Agent || v.Name != agent {
			t.Errorf("process tree of %s: %+v", agent, v)
		}
		env := fixtureEnv(t, agent)
		r = h.runArgs(t, env, "sh", "-c", "noxkey whoami --json")
		if v := whoamiJSON(t, r); !v.Agent || v.Name != agent {
			t.Errorf("captured environment of %s: %+v", agent, v)
		}
	}
	// A plain shell, detached from this test's own ancestors (which may
	// be an agent: these tests can run inside one) and re-parented to
	// init: a script, cron job or CI step. No terminal, and human.
	out := filepath.Join(t.TempDir(), "whoami.json")
	r := h.runArgs(t, nil, "setsid", "-f", "sh", "-c", "noxkey whoami --json > "+out+".tmp; mv "+out+".tmp "+out)
	if r.code != 0 {
		t.Fatalf("setsid: %s", r.stderr)
	}
	b := waitFile(t, out)
	var v handoff.Verdict
	json.Unmarshal(b, &v)
	if v.Agent || v.TTY {
		t.Errorf("a detached plain shell: %+v", v)
	}
	// With a terminal and CLAUDECODE=1 (an IDE's terminal): human.
	p := openPTY(t)
	cmd := exec.Command("sh", "-c", "noxkey whoami --json > "+out)
	cmd.Env = append(append([]string{}, h.env...), "CLAUDECODE=1")
	p.attach(cmd)
	cmd.Stdout = nil
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(out)
	json.Unmarshal(b, &v)
	if !v.TTY || (v.Agent && v.Name == "claude" && strings.Contains(strings.Join(v.Signals, " "), "CLAUDECODE=1 with no terminal")) {
		t.Errorf("IDE terminal: %+v", v)
	}
}

func waitFile(t *testing.T, path string) []byte {
	t.Helper()
	for i := 0; i < 500; i++ {
		if b, err := os.ReadFile(path); err == nil {
			return b
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s never appeared", path)
	return nil
}

// fixtureEnv is the captured environment of an agent's shell, with the
// test's own PATH and HOME.
func fixtureEnv(t *testing.T, agent string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "handoff", "testdata", agent+"-shell-env.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, l := range strings.Split(string(b), "\n") {
		l = strings.TrimPrefix(l, "Output: ")
		k, _, ok := strings.Cut(l, "=")
		if !ok || k == "PATH" || k == "HOME" || strings.ContainsAny(k, " <") {
			continue
		}
		env = append(env, l)
	}
	return env
}

var handoffValues = map[string]string{
	"QUOTES":    `it's "both" ''kinds"`,
	"DOLLAR":    "$HOME ${PATH} $(id) $$ `id`",
	"BACKSLASH": `\ \\ \' \n trailing\`,
	"NEWLINES":  "line1\nline2\n\nline4",
	"BANG":      "!! !$ history!",
	"UNICODE":   "päss wörd ✓ 秘密 🔑",
	"BIG":       strings.Repeat("0123456789abcdef'\"$`\\\n", 1490),
}

// TestAgentHandoffInRealShells: under a Claude Code process tree, bash,
// zsh, dash and fish each eval `noxkey get`; the printed line is one
// source line without the value, the variable equals the value byte for
// byte, and the script is gone.
func TestAgentHandoffInRealShells(t *testing.T) {
	h := newVault(t)
	var names []string
	for name, v := range handoffValues {
		h.ok(t, secret(v)+"\n", "set", "acme/api/"+name)
		names = append(names, name)
	}
	h.ok(t, "", "unlock")
	h.realSignatures(t)
	h.ok(t, "", "unlock")
	for _, shell := range []string{"bash", "zsh", "dash", "fish"} {
		t.Run(shell, func(t *testing.T) {
			requireTool(t, shell)
			dir := t.TempDir()
			var script strings.Builder
			for _, n := range names {
				if shell == "fish" {
					script.WriteString("set out (noxkey get acme/api/" + n + "); or exit 9\n")
					script.WriteString("printf '%s\\n' $out >> " + dir + "/printed\n")
					script.WriteString("eval $out\n")
					script.WriteString("printf '%s' \"$" + n + "\" > " + dir + "/" + n + "\n")
				} else {
					script.WriteString("out=$(noxkey get acme/api/" + n + ") || exit 9\n")
					script.WriteString("printf '%s\\n' \"$out\" >> " + dir + "/printed\n")
					script.WriteString("eval \"$out\"\n")
					script.WriteString("printf '%s' \"$" + n + "\" > " + dir + "/" + n + "\n")
				}
			}
			argv := append(agentTree(t, "claude"), shell, "-c", script.String())
			if shell == "fish" {
				argv = append(agentTree(t, "claude"), shell, "--no-config", "-c", script.String())
			}
			r := h.runArgs(t, nil, argv...)
			if r.code != 0 {
				t.Fatalf("%s: exit %d: %s", shell, r.code, r.stderr)
			}
			printed, _ := os.ReadFile(filepath.Join(dir, "printed"))
			lines := strings.Split(strings.TrimSpace(string(printed)), "\n")
			if len(lines) != len(names) {
				t.Fatalf("%d lines printed for %d gets", len(lines), len(names))
			}
			want := "source '"
			if shell == "dash" {
				want = ". '"
			}
			for _, l := range lines {
				if !strings.HasPrefix(l, want) {
					t.Errorf("%s printed %q, want a %s... line", shell, l, want)
				}
				path := strings.TrimSuffix(strings.TrimPrefix(l, want), "'")
				if _, err := os.Lstat(path); !os.IsNotExist(err) {
					t.Errorf("the handoff script %s is still there", path)
				}
			}
			for _, n := range names {
				if bytes.Contains(printed, []byte(handoffValues[n][:6])) {
					t.Errorf("the printed text holds part of %s", n)
				}
				got, _ := os.ReadFile(filepath.Join(dir, n))
				if string(got) != handoffValues[n] {
					t.Errorf("%s: %s is %d bytes after the handoff, want %d", shell, n, len(got), len(handoffValues[n]))
				}
			}
		})
	}
}

func TestHandoffScriptExpires(t *testing.T) {
	h := newVault(t)
	h.ok(t, secret("sk_live_expiring_value_42")+"\n", "set", "acme/api/KEY")
	os.WriteFile(filepath.Join(h.dir, "config.toml"), []byte("handoff_ttl = \"1s\"\n"), 0o600)
	h.ok(t, "", "unlock")
	h.realSignatures(t)
	h.ok(t, "", "unlock")
	r := h.runArgs(t, []string{"CLAUDE_CODE_CHILD_SESSION=1"}, "bash", "-c", "noxkey get acme/api/KEY")
	path := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(r.stdout), "source '"), "'")
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("handoff script %q: %v %v", path, st, err)
	}
	for i := 0; i < 100; i++ {
		if _, err := os.Stat(path); os.IsNotExist(err) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("the unsourced handoff script outlived its 1 s TTL by 10 s")
}

// TestAgentRefusals: bulk and plaintext commands end with exactly the
// refusal line and exit 4; ls, peek, whoami and status are allowed; a
// locked vault is never unlocked for an agent.
func TestAgentRefusals(t *testing.T) {
	h := newVault(t)
	h.ok(t, secret("sk_live_refusal_value_77")+"\n", "set", "acme/api/KEY")
	h.realSignatures(t)
	agent := []string{"CLAUDE_CODE_CHILD_SESSION=1"}
	// Locked, and an agent: it is told to ask the user, even though a
	// passphrase file is in its environment.
	r := h.runArgs(t, agent, filepath.Join(binDir, "noxkey"), "get", "acme/api/KEY")
	if r.code != exitLocked || !strings.Contains(r.stderr, "ask the user to run `noxkey unlock` in their own terminal") {
		t.Fatalf("locked get by an agent: exit %d %q", r.code, r.stderr)
	}
	h.ok(t, "", "unlock")
	bundle := filepath.Join(t.TempDir(), "b.age")
	for _, args := range [][]string{
		{"get", "--raw", "acme/api/KEY"}, {"get", "--copy", "acme/api/KEY"},
		{"load", "acme"}, {"export", "acme"}, {"bundle", "-o", bundle, "acme"}, {"inject", "-i", "/dev/null"},
		{"scrub", t.TempDir()},
	} {
		r := h.runArgs(t, agent, append([]string{filepath.Join(binDir, "noxkey")}, args...)...)
		if r.code != 4 || r.stderr != "This command is not available to AI agents.\n"+refusalHint+"\n" || r.stdout != "" {
			t.Errorf("%v by an agent: exit %d, stdout %q, stderr %q", args, r.code, r.stdout, r.stderr)
		}
	}
	if _, err := os.Stat(bundle); !os.IsNotExist(err) {
		t.Error("a refused bundle wrote a file")
	}
	// Allowed, through the unlocked daemon: no passphrase needed.
	saved := h.env
	h.env = withoutEnv(h.env, "NOXKEY_PASSPHRASE_FILE")
	for _, args := range [][]string{{"ls"}, {"peek", "acme/api/KEY"}, {"history", "acme/api/KEY"}, {"whoami"}, {"status"}, {"get", "acme/api/KEY"}} {
		r := h.runArgs(t, agent, append([]string{filepath.Join(binDir, "noxkey")}, args...)...)
		if r.code != 0 || strings.Contains(r.stdout, "sk_live_refusal") {
			t.Errorf("%v by an agent: exit %d %q", args, r.code, r.stderr)
		}
		if args[0] == "ls" && !strings.Contains(r.stdout, "acme/api/KEY") {
			t.Errorf("ls by an agent: %q", r.stdout)
		}
		if args[0] == "peek" && !strings.Contains(r.stdout, "sk_l") {
			t.Errorf("peek by an agent: %q", r.stdout)
		}
	}
	h.env = saved
	log := h.ok(t, "", "log")
	if !strings.Contains(log, "refused  agent:claude") || !strings.Contains(log, "get/handoff  handoff  agent:claude") || strings.Contains(log, "get/print  handoff") {
		t.Errorf("audit log:\n%s", log)
	}
	// Filters: by path prefix, by caller, by time.
	if got := h.ok(t, "", "log", "acme/api"); !strings.Contains(got, "acme/api/KEY") || strings.Contains(got, "unlock") {
		t.Errorf("log acme/api:\n%s", got)
	}
	if got := h.ok(t, "", "log", "acme/ap"); strings.Contains(got, "acme/api/KEY") {
		t.Errorf("log acme/ap matched acme/api/KEY:\n%s", got)
	}
	if got := h.ok(t, "", "log", "--agent", "human"); strings.Contains(got, "agent:claude") || !strings.Contains(got, "human") {
		t.Errorf("log --agent human:\n%s", got)
	}
	if got := h.ok(t, "", "log", "--agent", "claude"); strings.Contains(got, " human ") || !strings.Contains(got, "agent:claude") {
		t.Errorf("log --agent claude:\n%s", got)
	}
	if got := h.ok(t, "", "log", "--since", "1ns"); got != "" {
		t.Errorf("log --since 1ns:\n%s", got)
	}
	raw, _ := os.ReadFile(filepath.Join(h.dir, "audit.log"))
	if bytes.Contains(raw, []byte("sk_live_refusal")) {
		t.Error("the audit log holds the value")
	}
}

// TestHumanEvalOfGetNeverRunsTheValue: the README's
// eval "$(noxkey get PATH)", typed by a human in bash, zsh, dash and fish,
// sets the variable to a value full of shell syntax and runs none of it.
func TestHumanEvalOfGetNeverRunsTheValue(t *testing.T) {
	h := newVault(t)
	pwned := filepath.Join(t.TempDir(), "PWNED")
	v := "sk_x;touch " + pwned + " $(touch " + pwned + ") `touch " + pwned + "` 'q\"\\ \n2nd line"
	h.ok(t, v, "set", "acme/api/EVIL")
	for _, sh := range []struct{ name, script string }{
		{"bash", `eval "$(noxkey get acme/api/EVIL)"; printf %s "$EVIL"`},
		{"zsh", `eval "$(noxkey get acme/api/EVIL)"; printf %s "$EVIL"`},
		{"dash", `eval "$(noxkey get acme/api/EVIL)"; printf %s "$EVIL"`},
		{"fish", `eval (noxkey get --shell fish acme/api/EVIL | string collect); printf %s "$EVIL"`},
	} {
		if _, err := exec.LookPath(sh.name); err != nil {
			t.Logf("no %s", sh.name)
			continue
		}
		r := h.runArgs(t, nil, sh.name, "-c", sh.script)
		if r.stdout != v {
			t.Errorf("%s: the variable holds %d bytes, want %d (exit %d, %s)", sh.name, len(r.stdout), len(v), r.code, r.stderr)
		}
		if _, err := os.Stat(pwned); err == nil {
			t.Fatalf("%s ran part of the value", sh.name)
		}
	}
}

// TestHumanGetRawCopy: a human gets the export line, --raw the value
// without newline, --copy on the clipboard (a stand-in xsel), cleared
// after the delay.
func TestHumanGetRawCopy(t *testing.T) {
	h := newVault(t)
	v := secret("sk_live_human_value_314")
	h.ok(t, v+"\n", "set", "acme/api/KEY")
	if got := h.ok(t, "", "get", "acme/api/KEY"); got != "export KEY='"+v+"'\n" {
		t.Errorf("get: %d bytes", len(got))
	}
	if got := h.ok(t, "", "get", "--raw", "acme/api/KEY"); got != v {
		t.Errorf("get --raw: %d bytes", len(got))
	}
	bin := t.TempDir()
	clip := filepath.Join(t.TempDir(), "clipboard")
	os.WriteFile(filepath.Join(bin, "xsel"), []byte(`#!/bin/sh
case "$2" in
--input) cat > `+clip+` ;;
--output) cat `+clip+` ;;
esac
`), 0o755)
	env := []string{"PATH=" + bin + ":" + binDir + ":/usr/bin:/bin", "DISPLAY=:0", "NOXKEY_CLIPBOARD_CLEAR_AFTER=500ms"}
	r := h.runArgs(t, env, filepath.Join(binDir, "noxkey"), "get", "--copy", "acme/api/KEY")
	if r.code != 0 || r.stdout != "" {
		t.Fatalf("get --copy: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	if b, _ := os.ReadFile(clip); string(b) != v {
		t.Fatal("the clipboard does not hold the value")
	}
	for i := 0; i < 100; i++ {
		if b, _ := os.ReadFile(clip); len(b) == 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("the clipboard was not cleared")
}

// TestRunFiltersAndPassesThrough: noxkey run puts the value in the
// environment, filters stdout and stderr, keeps the exit status and dies
// of the child's signal.
func TestRunFiltersAndPassesThrough(t *testing.T) {
	h := newVault(t)
	v := secret("sk_live_run_value_2718")
	h.ok(t, v+"\n", "set", "acme/api/KEY")
	sum := sha256.Sum256([]byte(v))
	r := h.run(t, "", "run", "--env", "acme/api/KEY", "--", "sh", "-c", `printf '%s' "$KEY" | sha256sum; echo "out $KEY"; echo "err $KEY" >&2; exit 3`)
	if r.code != 3 {
		t.Fatalf("exit %d, want the child's 3: %s", r.code, r.stderr)
	}
	// A command that cannot start exits as a shell says it: 127 not found,
	// 126 not runnable.
	notExec := filepath.Join(t.TempDir(), "script")
	os.WriteFile(notExec, []byte("echo hi\n"), 0o600)
	for _, tc := range []struct {
		cmd  string
		code int
	}{{"no-such-command-nx", 127}, {"/nonexistent/x", 127}, {notExec, 126}} {
		if r := h.run(t, "", "run", "--env", "acme/api/KEY", "--", tc.cmd); r.code != tc.code || !strings.Contains(r.stderr, "noxkey: run: ") {
			t.Errorf("%s: exit %d, want %d: %s", tc.cmd, r.code, tc.code, r.stderr)
		}
	}
	if !strings.Contains(r.stdout, hex.EncodeToString(sum[:])) {
		t.Error("the child's KEY is not the value")
	}
	if !strings.Contains(r.stdout, "out [REDACTED:acme/api/KEY]") || !strings.Contains(r.stderr, "err [REDACTED:acme/api/KEY]") || strings.Contains(r.stdout+r.stderr, v) {
		t.Errorf("not filtered: %q %q", r.stdout, r.stderr)
	}
	// --env VAR=PATH names the variable, as op run maps names.
	r = h.run(t, "", "run", "--env", "STRIPE=acme/api/KEY", "--", "sh", "-c", `printf '%s' "$STRIPE" | sha256sum; echo "key=${KEY:-unset}"`)
	if r.code != 0 || !strings.Contains(r.stdout, hex.EncodeToString(sum[:])) || !strings.Contains(r.stdout, "key=unset") {
		t.Errorf("--env VAR=PATH: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := h.run(t, "", "run", "--env", "9X=acme/api/KEY", "--", "true"); r.code != exitUsage || !strings.Contains(r.stderr, "not an environment variable name") {
		t.Errorf("--env 9X=PATH: exit %d %s", r.code, r.stderr)
	}
	// As an agent too, with --prefix.
	h.realSignatures(t)
	h.ok(t, "", "unlock")
	r = h.runArgs(t, []string{"CLAUDE_CODE_CHILD_SESSION=1"}, filepath.Join(binDir, "noxkey"), "run", "--prefix", "acme", "--", "sh", "-c", `echo "$KEY"`)
	if r.code != 0 || r.stdout != "[REDACTED:acme/api/KEY]\n" {
		t.Errorf("agent run: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	// Killed by a signal: noxkey dies of the same signal.
	cmd := exec.Command(filepath.Join(binDir, "noxkey"), "run", "--env", "acme/api/KEY", "--", "sh", "-c", "kill -TERM $$")
	cmd.Env = h.env
	cmd.Run()
	if ws := cmd.ProcessState.Sys().(syscall.WaitStatus); !ws.Signaled() || ws.Signal() != syscall.SIGTERM {
		t.Errorf("child killed by SIGTERM: noxkey ended with %v", cmd.ProcessState)
	}
	// A signal sent to noxkey reaches the child.
	cmd = exec.Command(filepath.Join(binDir, "noxkey"), "run", "--env", "acme/api/KEY", "--", "sh", "-c", `trap 'echo got-term; exit 42' TERM; echo ready; while :; do sleep 0.05; done`)
	cmd.Env = h.env
	outPath := filepath.Join(t.TempDir(), "run.out")
	outFile, _ := os.Create(outPath)
	defer outFile.Close()
	cmd.Stdout = outFile
	out := func() string { b, _ := os.ReadFile(outPath); return string(b) }
	cmd.Start()
	for i := 0; i < 200 && !strings.Contains(out(), "ready"); i++ {
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
	if cmd.ProcessState.ExitCode() != 42 || !strings.Contains(out(), "got-term") {
		t.Errorf("SIGTERM to noxkey run: %v %q", cmd.ProcessState, out())
	}
}

// TestRunKeepsTheTerminal: with a terminal, the child has one too and
// its output is still filtered.
func TestRunKeepsTheTerminal(t *testing.T) {
	h := newVault(t)
	v := secret("sk_live_tty_value_1618")
	h.ok(t, v+"\n", "set", "acme/api/KEY")
	h.ok(t, "", "unlock")
	p := openPTY(t)
	cmd := exec.Command(filepath.Join(binDir, "noxkey"), "run", "--env", "acme/api/KEY", "--", "sh", "-c", `test -t 0 && test -t 1 && echo child-has-tty; echo "v=$KEY"`)
	cmd.Env = h.env
	p.attach(cmd)
	cmd.Stdout, cmd.Stderr = p.slave, p.slave
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v: %q", err, p.screen())
	}
	time.Sleep(100 * time.Millisecond)
	s := p.screen()
	if !strings.Contains(s, "child-has-tty") || !strings.Contains(s, "v=[REDACTED:acme/api/KEY]") || strings.Contains(s, v) {
		t.Errorf("terminal shows %q", s)
	}
}

// TestSystemdUnitsAndSocketActivation: `daemon install` writes the units
// from configs/systemd with this binary's path, and the daemon serves a
// socket passed the way systemd passes it (fd 3, LISTEN_PID, LISTEN_FDS).
func TestSystemdUnitsAndSocketActivation(t *testing.T) {
	h := newVault(t)
	units := t.TempDir()
	h.ok(t, "", "daemon", "install", "--dir", units)
	svc, _ := os.ReadFile(filepath.Join(units, "noxkey.service"))
	sock, _ := os.ReadFile(filepath.Join(units, "noxkey.socket"))
	if !strings.Contains(string(svc), "ExecStart="+filepath.Join(binDir, "noxkey")+" daemon") || !strings.Contains(string(sock), "SocketMode=0600") {
		t.Fatalf("units:\n%s\n%s", svc, sock)
	}
	// Socket activation: the listener is created here, as systemd would.
	os.MkdirAll(filepath.Join(h.dir, "run"), 0o700)
	path := filepath.Join(h.dir, "run", "noxkey.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	ul := ln.(*net.UnixListener)
	ul.SetUnlinkOnClose(false) // the socket file stays, as systemd's does
	f, _ := ul.File()
	ul.Close()
	cmd := exec.Command("sh", "-c", `LISTEN_PID=$$ LISTEN_FDS=1 exec noxkey daemon`)
	cmd.Env = h.env
	cmd.ExtraFiles = []*os.File{f}
	var derr bytes.Buffer
	cmd.Stderr = &derr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	defer cmd.Process.Kill()
	var st string
	for i := 0; i < 250; i++ {
		if st = h.run(t, "", "status").stdout; strings.Contains(st, "running, pid") {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(st, fmt.Sprintf("running, pid %d", cmd.Process.Pid)) {
		t.Fatalf("the socket-activated daemon did not answer: %s; daemon: %s", st, derr.String())
	}
	h.ok(t, "", "daemon", "stop")
	cmd.Wait()
}

// TestLogFollow: `noxkey log --follow` prints an access made after it started.
func TestLogFollow(t *testing.T) {
	h := newVault(t)
	h.ok(t, secret("sk_live_follow_value_99")+"\n", "set", "acme/api/KEY")
	cmd := exec.Command(filepath.Join(binDir, "noxkey"), "log", "--follow")
	cmd.Env = h.env
	outPath := filepath.Join(t.TempDir(), "log.out")
	outFile, _ := os.Create(outPath)
	defer outFile.Close()
	cmd.Stdout = outFile // a file, read while the command writes it
	out := func() string { b, _ := os.ReadFile(outPath); return string(b) }
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	h.ok(t, "", "get", "acme/api/KEY")
	for i := 0; i < 250 && !strings.Contains(out(), "get/print    ok"); i++ {
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	if !strings.Contains(out(), "get/print    ok       human") || strings.Contains(out(), "sk_live_follow") {
		t.Fatalf("log --follow printed %q", out())
	}
}

// TestUnlockAsksOnTheTerminal: with no passphrase file, unlock asks on
// the human's terminal with echo off, and the daemon is then unlocked.
func TestUnlockAsksOnTheTerminal(t *testing.T) {
	h := newVault(t)
	h.ok(t, secret("sk_live_unlock_tty_value_8")+"\n", "set", "acme/api/KEY")
	h.env = withoutEnv(h.env, "NOXKEY_PASSPHRASE_FILE")
	p := openPTY(t)
	cmd, errb := p.startNoxkey(t, h, "unlock")
	p.answer(t, "Vault passphrase: ", 1, passphrase)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("unlock: %v %s", err, errb.String())
	}
	if strings.Contains(p.screen(), passphrase) {
		t.Error("the passphrase was echoed")
	}
	if st := h.ok(t, "", "status"); !strings.Contains(st, "unlocked, 1 secrets") {
		t.Fatalf("status after a terminal unlock: %s", st)
	}
	h.ok(t, "", "lock")
	if r := h.run(t, "", "status"); r.code != exitLocked || !strings.Contains(r.stdout, "locked (run: noxkey unlock)") {
		t.Fatalf("status after lock: exit %d %s", r.code, r.stdout)
	}
}

// TestWritesGoThroughTheUnlockedDaemon: with the daemon unlocked, set, rm
// and import ask no passphrase; the guard index follows each write.
func TestWritesGoThroughTheUnlockedDaemon(t *testing.T) {
	h := newVault(t)
	h.ok(t, secret("sk_live_first_value_1111")+"\n", "set", "acme/api/FIRST")
	h.ok(t, "", "unlock")
	h.env = withoutEnv(h.env, "NOXKEY_PASSPHRASE_FILE")
	// A second unlock asks nothing (there is no passphrase to give it).
	if r := h.run(t, "", "unlock"); r.code != 0 || !strings.Contains(r.stderr, "already unlocked") {
		t.Fatalf("unlock of an unlocked vault: exit %d %s", r.code, r.stderr)
	}
	// Completion of secret paths comes from the unlocked daemon.
	if r := h.run(t, "", "get", "--generate-shell-completion"); r.code != 0 || !strings.Contains(r.stdout, "acme/api/FIRST") {
		t.Fatalf("completion: exit %d %q %s", r.code, r.stdout, r.stderr)
	}
	// So does a guard rebuild: the daemon rebuilds with the key it holds.
	if r := h.run(t, "", "guard", "rebuild"); r.code != 0 || !strings.Contains(r.stderr, "rebuilt by the unlocked daemon") {
		t.Fatalf("guard rebuild with an unlocked daemon: exit %d %s", r.code, r.stderr)
	}
	v := secret("sk_live_second_value_2222")
	h.ok(t, v+"\n", "set", "acme/api/SECOND")
	if got := h.ok(t, "", "get", "--raw", "acme/api/SECOND"); got != v {
		t.Fatal("get after a daemon write returned another value")
	}
	if r := h.hook(t, "x "+v+" y\n", "filter"); r.stdout != "x [REDACTED:acme/api/SECOND] y\n" {
		t.Fatalf("the index did not follow the daemon's write: %q", r.stdout)
	}
	env := filepath.Join(t.TempDir(), "x.env")
	os.WriteFile(env, []byte("THIRD="+secret("sk_live_third_value_3333")+"\n"), 0o600)
	h.ok(t, "", "import", "--prefix", "acme/imp", env)
	h.ok(t, "", "rm", "acme/api/FIRST")
	ls := h.ok(t, "", "ls", "acme")
	if strings.Contains(ls, "acme/api/FIRST") || !strings.Contains(ls, "acme/imp/THIRD") || !strings.Contains(ls, "acme/api/SECOND") {
		t.Fatalf("ls after daemon writes:\n%s", ls)
	}
	// Locked again: a write needs the passphrase, and without one it fails cleanly.
	h.ok(t, "", "lock")
	if r := h.run(t, "", "get", "--generate-shell-completion"); r.code != 0 || r.stdout != "" || r.stderr != "" {
		t.Fatalf("completion on a locked vault must print nothing and ask nothing: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := h.run(t, "another_value_4444\n", "set", "acme/api/FOURTH"); r.code != exitLocked {
		t.Fatalf("set with a locked daemon and no passphrase: exit %d %s", r.code, r.stderr)
	}
}

// TestLogShowsAPartialLastLine: a last line the writer has not finished
// is shown (as unreadable) and log ends, instead of waiting for it.
func TestLogShowsAPartialLastLine(t *testing.T) {
	h := newVault(t)
	os.WriteFile(filepath.Join(h.dir, "audit.log"), []byte(`{"op":"get","result":"ok","caller":"human","pid":1}`+"\n"+`{"op":"ge`), 0o600)
	r := h.run(t, "", "log")
	if r.code != 0 || !strings.Contains(r.stdout, "get") || !strings.Contains(r.stdout, "unreadable line") {
		t.Fatalf("exit %d: %q", r.code, r.stdout)
	}
}

// TestNoTerminalIsAgentFromConfig: config.toml's no_terminal_is_agent
// reaches the daemon: a detached shell with no terminal is then an agent.
func TestNoTerminalIsAgentFromConfig(t *testing.T) {
	h := newVault(t)
	os.WriteFile(filepath.Join(h.dir, "config.toml"), []byte("no_terminal_is_agent = true\n"), 0o600)
	out := filepath.Join(t.TempDir(), "whoami.json")
	r := h.runArgs(t, nil, "setsid", "-f", "sh", "-c", "noxkey whoami --json > "+out+".tmp; mv "+out+".tmp "+out)
	if r.code != 0 {
		t.Fatalf("setsid: %s", r.stderr)
	}
	var v handoff.Verdict
	json.Unmarshal(waitFile(t, out), &v)
	if !v.Agent || v.Name != "unknown" || v.TTY {
		t.Fatalf("a detached shell with the policy on: %+v", v)
	}
}

// TestUnusedValuesAreLoggedFailed: when the CLI refuses to use values the
// daemon already sent (two secrets with one NAME), the audit log says
// "failed" with the reason after the daemon's "ok"; a command that cannot
// start is refused before any value is asked for, so nothing is logged.
func TestUnusedValuesAreLoggedFailed(t *testing.T) {
	h := newVault(t)
	h.ok(t, secret("sk_live_unused_value_a1")+"\n", "set", "acme/a/KEY")
	h.ok(t, secret("sk_live_unused_value_b2")+"\n", "set", "acme/b/KEY")
	h.ok(t, "", "unlock")
	for _, args := range [][]string{{"run", "--prefix", "acme", "--", "true"}, {"export", "acme"}} {
		if r := h.run(t, "", args...); r.code != 1 || !strings.Contains(r.stderr, "both") {
			t.Fatalf("%v: exit %d %q", args, r.code, r.stderr)
		}
	}
	if r := h.run(t, "", "run", "--env", "acme/a/KEY", "--", "/nonexistent/deploy"); r.code != 127 {
		t.Fatalf("run of a missing command: exit %d %q", r.code, r.stderr)
	}
	raw, _ := os.ReadFile(filepath.Join(h.dir, "audit.log"))
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		var e daemon.Entry
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("audit line %q: %v", line, err)
		}
		if e.Op == daemon.OpEnv {
			got = append(got, e.Mode+" "+e.Result+" "+strings.Join(e.Paths, ",")+" "+e.Note)
		}
	}
	want := []string{
		"run ok acme/a/KEY,acme/b/KEY ",
		"run failed acme/a/KEY,acme/b/KEY acme/a/KEY and acme/b/KEY both become KEY; name one of them with --env VAR=PATH",
		"export ok acme/a/KEY,acme/b/KEY ",
		"export failed acme/a/KEY,acme/b/KEY acme/a/KEY and acme/b/KEY both have the NAME KEY; choose a narrower prefix",
	}
	if !slices.Equal(got, want) {
		t.Errorf("audit log env lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if bytes.Contains(raw, []byte("sk_live_unused")) {
		t.Error("the audit log holds a value")
	}
	if log := h.ok(t, "", "log", "acme/b"); !strings.Contains(log, "env/export   failed") || !strings.Contains(log, "(acme/a/KEY and acme/b/KEY both have the NAME KEY") {
		t.Errorf("noxkey log:\n%s", log)
	}
}

// TestDirenv: the README's .envrc lines work under the real direnv. A
// human's `eval "$(noxkey load PREFIX)"` exports every secret under the
// prefix; an agent's `eval "$(noxkey get PATH)"` sources its handoff
// script, so the agent's command gets the variable and direnv's output
// names it without its value.
func TestDirenv(t *testing.T) {
	direnv := requireTool(t, "direnv")
	h := newVault(t)
	v := secret("sk_live_direnv_value_8642")
	h.ok(t, v+"\n", "set", "acme/api/KEY")
	want := fmt.Sprintf("%x", sha256.Sum256([]byte(v)))
	for _, tc := range []struct {
		name, envrc string
		extra       []string
	}{
		{"human", `eval "$(noxkey load acme/api)"`, nil},
		{"agent", `eval "$(noxkey get acme/api/KEY)"`, []string{"CLAUDE_CODE_CHILD_SESSION=1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.extra != nil {
				h.realSignatures(t)
				h.ok(t, "", "unlock") // an agent cannot unlock
			}
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, ".envrc"), []byte(tc.envrc+"\n"), 0o644)
			extra := append([]string{"XDG_DATA_HOME=" + t.TempDir(), "XDG_CONFIG_HOME=" + t.TempDir()}, tc.extra...)
			if r := h.runArgs(t, extra, direnv, "allow", dir); r.code != 0 {
				t.Fatalf("direnv allow: %d %s", r.code, r.stderr)
			}
			r := h.runArgs(t, extra, direnv, "exec", dir, "sh", "-c", `printf %s "$KEY" | sha256sum`)
			if r.code != 0 || !strings.HasPrefix(r.stdout, want) {
				t.Fatalf("direnv exec: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
			}
		})
	}
}

// TestDaemonKeepsNoInheritedDescriptor: a daemon started by a noxkey that
// was given an extra pipe (as direnv gives the shell running .envrc) does
// not keep it, so the pipe's reader sees EOF once noxkey has exited.
func TestDaemonKeepsNoInheritedDescriptor(t *testing.T) {
	h := newVault(t)
	h.stopDaemon(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cmd := exec.Command(filepath.Join(binDir, "noxkey"), "unlock")
	cmd.Env = h.env
	cmd.ExtraFiles = []*os.File{w} // fd 3, not close-on-exec
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("unlock: %v %s", err, out)
	}
	w.Close()
	if r := h.run(t, "", "status"); r.code != 0 {
		t.Fatalf("no daemon serves the vault: exit %d %s", r.code, r.stderr)
	}
	r.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := r.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("the pipe's reader got %d bytes, %v: the daemon still holds its write end", n, err)
	}
}
