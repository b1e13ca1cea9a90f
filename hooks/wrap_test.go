package hooks

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/noxkey/noxkey/guard"
	"github.com/noxkey/noxkey/guard/arm/armtest"
)

const wrapSecret = "sk_wrap_Zq8xW3nK5pLs7dFh2Tm9"

// hide marks where the secret is in text a failing test prints, without it.
func hide(s string) string { return strings.ReplaceAll(s, wrapSecret, "<the secret>") }

var hookBin string

// buildHook builds noxkey-hook and a NOXKEY_HOME whose index holds wrapSecret.
func buildHook(t *testing.T) (bin, home string) {
	t.Helper()
	if hookBin == "" {
		dir, err := os.MkdirTemp("", "nkh")
		if err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("go", "build", "-o", dir, "../cmd/noxkey-hook").CombinedOutput()
		if err != nil {
			t.Fatalf("build: %v %s", err, out)
		}
		hookBin = filepath.Join(dir, "noxkey-hook")
	}
	home = filepath.Join(t.TempDir(), "nk")
	os.MkdirAll(home, 0o700)
	ix, _, err := guard.Build([]guard.Secret{{Name: "acme/w/TOKEN", Value: []byte(wrapSecret)}}, armtest.Key(t),
		guard.Options{Settings: &guard.Settings{Placeholder: guard.DefaultPlaceholder, Fingerprint: guard.Fingerprint(home, nil)}})
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.WriteFile(filepath.Join(home, "guard.idx")); err != nil {
		t.Fatal(err)
	}
	return hookBin, home
}

func requireShell(t *testing.T, name string) string {
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s missing: .ci/run installs it", name)
		}
		t.Skipf("%s is not installed", name)
	}
	return p
}

// runShell runs script with shell -c in dir and returns stdout, stderr, status.
func runShell(t *testing.T, shell, home, dir, script string) (string, string, int) {
	cmd := exec.Command(shell, "-c", script)
	cmd.Dir = dir
	cmd.Env = []string{"NOXKEY_HOME=" + home, "PATH=/usr/local/bin:/usr/bin:/bin", "TOKEN=" + wrapSecret, "HOME=" + home, "TMPDIR=" + home}
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	cmd.Run()
	return o.String(), e.String(), cmd.ProcessState.ExitCode()
}

// TestWrappedCommandBehavesLikeTheOriginal runs each command plain and
// wrapped in real bash, zsh and dash: the same status, the same stdout and
// stderr but for the redacted secret, and shell state (cd, variables) that
// persists after the command as it does without the wrapper.
func TestWrappedCommandBehavesLikeTheOriginal(t *testing.T) {
	bin, home := buildHook(t)
	cases := []struct {
		name, cmd, after string
	}{
		{"echo secret", `echo "key is $TOKEN"`, ""},
		{"stderr and status 3", `echo "out $TOKEN"; echo "err $TOKEN" >&2; (exit 3)`, ""},
		{"exit N keeps output", `echo "before exit $TOKEN"; exit 7`, ""},
		{"cd persists", `mkdir -p sub && cd sub`, `pwd`},
		{"variables persist", `X=from-command`, `echo "X=$X"`},
		{"failing command", `false`, `echo "status was $?"`},
		{"env wholesale", `env | grep '^TOKEN='`, ""},
		{"heredoc", "cat <<'EOF'\nline $TOKEN\nEOF", ""},
		{"background job", `(sleep 0.1; echo "bg $TOKEN") & wait`, ""},
	}
	for _, shName := range []string{"bash", "zsh", "dash"} {
		sh := requireShell(t, shName)
		for _, tc := range cases {
			for _, mode := range relayModes {
				t.Run(shName+"/"+mode+"/"+tc.name, func(t *testing.T) {
					dir := t.TempDir()
					plain := tc.cmd
					wrapped := WrapCommand(tc.cmd, bin, relayFor(t, mode, bin, home))
					if tc.after != "" {
						plain += "\n" + tc.after
						wrapped += tc.after + "\n"
					}
					po, pe, ps := runShell(t, sh, home, dir, plain)
					os.RemoveAll(filepath.Join(dir, "sub"))
					wo, we, ws := runShell(t, sh, home, dir, wrapped)
					red := func(s string) string { return strings.ReplaceAll(s, wrapSecret, "[REDACTED:acme/w/TOKEN]") }
					if ws != ps || wo != red(po) || we != red(pe) {
						t.Fatalf("plain: %d %q %q\nwrapped: %d %q %q", ps, red(po), red(pe), ws, red(wo), red(we))
					}
					if strings.Contains(wo+we, wrapSecret) {
						t.Fatal("the secret got through")
					}
					waitFor(t, "the relay to clean up", func() bool {
						left, _ := filepath.Glob(filepath.Join(home, "noxkey.*"))
						return len(left) == 0
					})
				})
			}
		}
	}
}

// relayModes: the wrapped command starts its relay, or finds one that the
// hook prestarted.
var relayModes = []string{"started", "prestarted"}

// relayFor returns the relayDir argument of WrapCommand for mode.
func relayFor(t *testing.T, mode, bin, home string) string {
	t.Helper()
	if mode != "prestarted" {
		return ""
	}
	cmd := exec.Command(bin, "relay", "--prestart", home)
	cmd.Env = []string{"NOXKEY_HOME=" + home}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("relay --prestart: %v", err)
	}
	return strings.TrimSpace(string(out))
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// TestPrestartedRelayIsUsedOrFallenBackFrom: a prestarted relay serves the
// command with no relay started by the shell (shown with a hook path that
// does not exist); one whose directory is gone, or that cannot write where
// the shell's stdout goes (a file written at an offset: a second open
// would not share it), is fallen back from, and the output is the same.
func TestPrestartedRelayIsUsedOrFallenBackFrom(t *testing.T) {
	bin, home := buildHook(t)
	for _, shName := range []string{"bash", "zsh", "dash"} {
		sh := requireShell(t, shName)
		t.Run(shName, func(t *testing.T) {
			dir := relayFor(t, "prestarted", bin, home)
			o, e, status := runShell(t, sh, home, t.TempDir(), WrapCommand(`echo "key $TOKEN"; exit 4`, "/nonexistent/noxkey-hook", dir))
			if o != "key [REDACTED:acme/w/TOKEN]\n" || e != "" || status != 4 {
				t.Fatalf("prestarted relay: %d %q %q", status, hide(o), hide(e))
			}

			gone := relayFor(t, "prestarted", bin, home)
			os.RemoveAll(gone)
			if o, _, status := runShell(t, sh, home, t.TempDir(), WrapCommand(`echo "key $TOKEN"`, bin, gone)); o != "key [REDACTED:acme/w/TOKEN]\n" || status != 0 {
				t.Fatalf("relay directory gone: %d %q", status, hide(o))
			}

			// A file written at an offset cannot be shared (fall back); one
			// in append mode, as Claude Code gives its commands, can (the
			// fallback's hook path does not exist there).
			for _, tc := range []struct {
				flag int
				hook string
			}{{os.O_WRONLY, bin}, {os.O_WRONLY | os.O_APPEND, "/nonexistent/noxkey-hook"}} {
				file := filepath.Join(t.TempDir(), "out")
				os.WriteFile(file, []byte("before\n"), 0o600)
				f, err := os.OpenFile(file, tc.flag, 0)
				if err != nil {
					t.Fatal(err)
				}
				f.Seek(0, io.SeekEnd)
				cmd := exec.Command(sh, "-c", WrapCommand(`echo "key $TOKEN"; echo "err $TOKEN" >&2`, tc.hook, relayFor(t, "prestarted", bin, home))+"echo after\n")
				cmd.Env = []string{"NOXKEY_HOME=" + home, "PATH=/usr/bin:/bin", "TOKEN=" + wrapSecret, "TMPDIR=" + home}
				cmd.Stdout, cmd.Stderr = f, f
				if err := cmd.Run(); err != nil {
					t.Fatalf("flags %o: %v", tc.flag, err)
				}
				f.Close()
				got, _ := os.ReadFile(file)
				if !strings.HasPrefix(string(got), "before\n") || !strings.HasSuffix(string(got), "after\n") || strings.Contains(string(got), wrapSecret) ||
					!strings.Contains(string(got), "key [REDACTED:acme/w/TOKEN]\n") || !strings.Contains(string(got), "err [REDACTED:acme/w/TOKEN]\n") || len(got) != len("before\nkey [REDACTED:acme/w/TOKEN]\nerr [REDACTED:acme/w/TOKEN]\nafter\n") {
					t.Fatalf("stdout a file (flags %o): %q", tc.flag, hide(string(got)))
				}
			}
		})
	}
	waitFor(t, "the relays to clean up", func() bool {
		left, _ := filepath.Glob(filepath.Join(home, "noxkey.*"))
		return len(left) == 0
	})
}

// TestWrappedOutputStreams: the first line comes out while the command is
// still running: the command waits for a file that the test creates only
// after it has read that line (a held-back output would deadlock, and the
// test's deadline would fail it).
func TestWrappedOutputStreams(t *testing.T) {
	bin, home := buildHook(t)
	for _, shName := range []string{"bash", "zsh"} {
		sh := requireShell(t, shName)
		dir := t.TempDir()
		cmd := exec.Command(sh, "-c", WrapCommand(`echo first; while [ ! -e go ]; do sleep 0.05; done; echo second`, bin, relayFor(t, "prestarted", bin, home)))
		cmd.Dir = dir
		cmd.Env = []string{"NOXKEY_HOME=" + home, "PATH=/usr/bin:/bin"}
		out, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		got := make(chan string, 1)
		go func() {
			buf := make([]byte, 64)
			n, _ := out.Read(buf)
			got <- string(buf[:n])
		}()
		select {
		case line := <-got:
			if line != "first\n" {
				t.Errorf("%s: first read %q", shName, hide(line))
			}
		case <-time.After(20 * time.Second):
			t.Errorf("%s: no output before the command ended: it is held back", shName)
		}
		os.WriteFile(filepath.Join(dir, "go"), nil, 0o600)
		rest, _ := io.ReadAll(out)
		if string(rest) != "second\n" {
			t.Errorf("%s: rest %q", shName, hide(string(rest)))
		}
		cmd.Wait()
	}
}
