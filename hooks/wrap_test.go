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
)

const wrapSecret = "sk_wrap_Zq8xW3nK5pLs7dFh2Tm9"

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
	ix, _, err := guard.Build([]guard.Secret{{Name: "acme/w/TOKEN", Value: []byte(wrapSecret)}}, bytes.Repeat([]byte{5}, 32),
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
			t.Run(shName+"/"+tc.name, func(t *testing.T) {
				dir := t.TempDir()
				plain := tc.cmd
				wrapped := WrapCommand(tc.cmd, bin)
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
				if left, _ := filepath.Glob(filepath.Join(home, "noxkey.*")); len(left) > 0 {
					t.Errorf("FIFOs left behind: %v", left)
				}
			})
		}
	}
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
		cmd := exec.Command(sh, "-c", WrapCommand(`echo first; while [ ! -e go ]; do sleep 0.05; done; echo second`, bin))
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
				t.Errorf("%s: first read %q", shName, line)
			}
		case <-time.After(20 * time.Second):
			t.Errorf("%s: no output before the command ended: it is held back", shName)
		}
		os.WriteFile(filepath.Join(dir, "go"), nil, 0o600)
		rest, _ := io.ReadAll(out)
		if string(rest) != "second\n" {
			t.Errorf("%s: rest %q", shName, rest)
		}
		cmd.Wait()
	}
}
