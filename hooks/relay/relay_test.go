package relay_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/noxkey/noxkey/guard"
	"github.com/noxkey/noxkey/guard/arm/armtest"
	"github.com/noxkey/noxkey/guard/config"
	"github.com/noxkey/noxkey/hooks/relay"
)

const secret = "rly_live_9fK2mQ7xW4pZ8vB1nC6tY3hJ"

const placeholder = "[REDACTED:acme/relay/TOKEN]"

var hook string // the noxkey-hook built for this package's tests

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "relay-test")
	if err != nil {
		panic(err)
	}
	b := exec.Command("go", "build", "-o", dir, "../../cmd/noxkey-hook")
	b.Stderr = os.Stderr
	if err := b.Run(); err != nil {
		panic(err)
	}
	hook = filepath.Join(dir, "noxkey-hook")
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// home writes a guard index holding secret as acme/relay/TOKEN.
func home(t testing.TB) string {
	t.Helper()
	nk := filepath.Join(t.TempDir(), "nk")
	os.MkdirAll(nk, 0o700)
	cfg, err := config.LoadConfig(nk)
	if err != nil {
		t.Fatal(err)
	}
	st, err := cfg.Settings()
	if err != nil {
		t.Fatal(err)
	}
	ix, _, err := guard.Build([]guard.Secret{{Name: "acme/relay/TOKEN", Value: []byte(secret)}}, armtest.Key(t), guard.Options{Settings: st})
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.WriteFile(filepath.Join(nk, "guard.idx")); err != nil {
		t.Fatal(err)
	}
	return nk
}

// outcome is what a run left: its output (both streams, in the order the
// agent would see them), exit status, working directory and duration.
type outcome struct {
	out, cwd string
	status   string
	took     time.Duration
	pgid     int
}

// way is how an agent runs a command: Claude Code hands a script to
// `SHELL -c` with stdout and stderr in one append-mode file and keeps the
// working directory with `pwd -P >| FILE`; Codex runs `SHELL -c COMMAND`
// and shows the model both streams as one.
type way struct {
	name     string
	original func(sh, cmd, cwdFile string) []string
	noxkey   func(sh, cmd, cwdFile string) []string
}

func claudeScript(cmd, cwdFile string) string {
	return "eval " + quote(cmd) + " < /dev/null && pwd -P >| " + quote(cwdFile)
}

var ways = []way{
	{
		name:     "claude",
		original: func(sh, cmd, cwd string) []string { return []string{sh, "-c", claudeScript(cmd, cwd)} },
		noxkey:   func(sh, cmd, cwd string) []string { return []string{hook, relay.ShellFlag, claudeScript(cmd, cwd)} },
	},
	{
		name:     "codex",
		original: func(sh, cmd, _ string) []string { return []string{sh, "-c", cmd} },
		noxkey:   func(sh, cmd, _ string) []string { return []string{sh, "-c", relay.Command(cmd, hook, true, true)} },
	},
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// run runs argv the way an agent does, in its own process group, with
// stdout and stderr into one append-mode file, waits settle after it
// returns, and kills what it left running.
func run(t *testing.T, argv []string, env []string, dir, cwdFile string, settle time.Duration) outcome {
	t.Helper()
	outFile := filepath.Join(t.TempDir(), "out")
	f, err := os.OpenFile(outFile, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	c := exec.Command(argv[0], argv[1:]...)
	c.Env, c.Dir, c.Stdout, c.Stderr = env, dir, f, f
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	os.Remove(cwdFile)
	start := time.Now()
	err = c.Start()
	if err != nil {
		t.Fatal(err)
	}
	c.Wait()
	o := outcome{took: time.Since(start), pgid: c.Process.Pid}
	f.Close()
	ws := c.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		o.status = "signal " + ws.Signal().String()
	} else {
		o.status = fmt.Sprintf("exit %d", ws.ExitStatus())
	}
	time.Sleep(settle)
	syscall.Kill(-o.pgid, syscall.SIGKILL)
	b, _ := os.ReadFile(outFile)
	o.out = string(b)
	cwd, _ := os.ReadFile(cwdFile)
	o.cwd = string(cwd)
	return o
}

// fidelity is every command that must behave exactly as without noxkey.
var fidelity = []struct {
	name, cmd string
	settle    time.Duration // wait after return for what background jobs print
	shells    string        // only these shells ("" all)
}{
	{name: "dev server in the background", cmd: "python3 -m http.server 0 >/dev/null 2>&1 & sleep .5; echo started"},
	{name: "sleep in the background", cmd: "sleep 3 &"},
	{name: "subshell printing late", cmd: "(sleep 1; echo late) &", settle: 1500 * time.Millisecond},
	{name: "trailing backslash", cmd: `echo hi \`},
	{name: "dangling &&", cmd: "true &&"},
	{name: "dangling pipe", cmd: "echo pipe |"},
	{name: "unterminated heredoc", cmd: "cat <<EOF\nhello"},
	{name: "unterminated quote", cmd: "echo 'open"},
	{name: "descriptor 7", cmd: "exec 7>/dev/null; echo x"},
	{name: "descriptors 8 and 9 are not open", cmd: `echo "$TOKEN" >&8; echo "$TOKEN" >&9; echo after`},
	{name: "descriptors 3 to 9 in use", cmd: "exec 3>&1 4>&1 5>&1 6>&1 7>&1 8>&1 9>&1; echo a >&3; echo b >&9"},
	{name: "named descriptor", cmd: "exec {fd}>&1; echo named >&$fd", shells: "bash zsh"},
	{name: "stdout then stderr", cmd: "echo out; echo err >&2; echo out2; echo err2 >&2"},
	{name: "heredoc", cmd: "cat <<'EOF'\nline $HOME\nEOF\necho done"},
	{name: "exit status", cmd: "echo before; exit 3"},
	{name: "set -e", cmd: "set -e; false; echo not reached"},
	{name: "cd", cmd: "cd /tmp && pwd"},
	{name: "trap on exit", cmd: "trap 'echo bye' EXIT; echo hi"},
	{name: "exec sh -c", cmd: "exec sh -c 'echo in sh; exit 4'"},
	{name: "read from /dev/null", cmd: `read x </dev/null; echo "[$x] $?"`},
	{name: "function", cmd: "f() { echo fn $1; }; f one"},
	{name: "kill -9 $$", cmd: "echo before; kill -9 $$"},
	{name: "set -C", cmd: "set -C; echo a > f.txt; echo b > f.txt; cat f.txt"},
	{name: "umask", cmd: "umask 027; umask; touch u.txt; ls -l u.txt | cut -c1-10"},
	{name: "command not found", cmd: "no_such_command_nx; echo $?"},
}

var shells = []string{"bash", "zsh", "dash"}

// lateBy is how much longer a command may take through noxkey: room for
// the relay's own processes to start on a slow machine (their cost is
// BenchmarkShellOverhead's to measure), and half the shortest wait on a
// background job here (1 s), which a relay that waited for one would add.
const lateBy = 500 * time.Millisecond

// TestCommandsRunAsWithoutNoxkey runs each command the way each agent
// does, in bash, zsh and dash, without noxkey and through it, and
// compares the output, exit status, working directory and duration.
func TestCommandsRunAsWithoutNoxkey(t *testing.T) {
	nk := home(t)
	for _, shName := range shells {
		sh, err := exec.LookPath(shName)
		if err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is not installed: .ci/run installs it", shName)
			}
			t.Logf("skipping %s: not installed", shName)
			continue
		}
		for _, w := range ways {
			for _, tc := range fidelity {
				if tc.shells != "" && !strings.Contains(tc.shells, shName) {
					continue
				}
				t.Run(shName+"/"+w.name+"/"+tc.name, func(t *testing.T) {
					dir := t.TempDir()
					cwdFile := filepath.Join(t.TempDir(), "cwd")
					env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "LANG=C.UTF-8", "SHELL=" + sh,
						"NOXKEY_HOME=" + nk, "TOKEN=" + secret}
					var a, b outcome
					for try := 0; try < 2; try++ {
						a = run(t, w.original(sh, tc.cmd, cwdFile), env, dir, cwdFile, tc.settle)
						os.Remove(filepath.Join(dir, "f.txt"))
						os.Remove(filepath.Join(dir, "u.txt"))
						b = run(t, w.noxkey(sh, tc.cmd, cwdFile), env, dir, cwdFile, tc.settle)
						os.Remove(filepath.Join(dir, "f.txt"))
						os.Remove(filepath.Join(dir, "u.txt"))
						if b.took <= a.took+lateBy {
							break
						}
					}
					if a.out != b.out {
						t.Errorf("output differs:\nwithout: %q\nwith:    %q", hide(a.out), hide(b.out))
					}
					if a.status != b.status || a.cwd != b.cwd {
						t.Errorf("without: %s cwd %q; with: %s cwd %q", a.status, a.cwd, b.status, b.cwd)
					}
					if b.took > a.took+lateBy {
						t.Errorf("took %v without noxkey, %v with it", a.took, b.took)
					}
				})
			}
		}
	}
}

func hide(s string) string { return strings.ReplaceAll(s, secret, "<secret>") }

// TestOutputIsFiltered: what the command prints, on either stream, in the
// foreground or from a background job after the command returned, reaches
// the agent redacted.
func TestOutputIsFiltered(t *testing.T) {
	nk := home(t)
	cases := []struct{ name, cmd string }{
		{"stdout and stderr", `echo "out $TOKEN"; echo "err $TOKEN" >&2; exit 3`},
		{"background job after the command returned", `(sleep .5; echo "late $TOKEN") &`},
		{"double fork away from the shell", `(setsid sh -c 'sleep .5; echo "detached $TOKEN"' &); echo started`},
		// A value split across the shell's exit: the start is printed
		// before it, the rest by a background job after it.
		{"value split across the shell's exit", `a=${TOKEN%${TOKEN#??????????}}; printf 'split %s' "$a"; (sleep .5; printf '%s end\n' "${TOKEN#??????????}") &`},
		{"value split in time in the foreground", `a=${TOKEN%${TOKEN#??????????}}; printf 'slow %s' "$a"; sleep .5; printf '%s end\n' "${TOKEN#??????????}"`},
	}
	for _, w := range ways {
		for _, tc := range cases {
			t.Run(w.name+"/"+tc.name, func(t *testing.T) {
				dir := t.TempDir()
				cwdFile := filepath.Join(t.TempDir(), "cwd")
				env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "SHELL=/bin/sh", "NOXKEY_HOME=" + nk, "TOKEN=" + secret}
				o := run(t, w.noxkey("/bin/sh", tc.cmd, cwdFile), env, dir, cwdFile, time.Second)
				if strings.Contains(o.out, secret) || strings.Contains(o.out, secret[:10]) {
					t.Fatalf("the secret or its start reached the agent: %q", hide(o.out))
				}
				if !strings.Contains(o.out, placeholder) {
					t.Fatalf("no redacted output: %q", o.out)
				}
				if o.took > 400*time.Millisecond && !strings.Contains(tc.cmd, "sleep .5; printf") {
					t.Errorf("the command took %v: a background job held it", o.took)
				}
			})
		}
	}
}

// TestUnarmedWithholdsOutput: without a usable guard the output is
// withheld with a reason, and the command's exit status is kept.
func TestUnarmedWithholdsOutput(t *testing.T) {
	nk := filepath.Join(t.TempDir(), "nk")
	os.MkdirAll(nk, 0o700)
	dir := t.TempDir()
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "SHELL=/bin/sh", "NOXKEY_HOME=" + nk, "TOKEN=" + secret}
	o := run(t, []string{hook, relay.ShellFlag, `echo "x $TOKEN"; exit 5`}, env, dir, filepath.Join(dir, "cwd"), 0)
	if strings.Contains(o.out, secret) || !strings.Contains(o.out, "output withheld") || o.status != "exit 5" {
		t.Fatalf("status %s, output %q", o.status, hide(o.out))
	}
}

// TestMergedStreamsKeepTheirOrder: a stream that writes little at a time
// is interleaved with the other exactly as written.
func TestMergedStreamsKeepTheirOrder(t *testing.T) {
	nk := home(t)
	dir := t.TempDir()
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "SHELL=/bin/sh", "NOXKEY_HOME=" + nk}
	cmd := `i=0; while [ $i -lt 200 ]; do echo "o$i"; echo "e$i" >&2; i=$((i+1)); done`
	var want bytes.Buffer
	for i := 0; i < 200; i++ {
		want.WriteString(fmt.Sprintf("o%d\ne%d\n", i, i))
	}
	o := run(t, []string{"/bin/sh", "-c", relay.Command(cmd, hook, true, true)}, env, dir, filepath.Join(dir, "cwd"), 0)
	if o.out != want.String() {
		t.Fatalf("order not kept: %q", o.out[:min(200, len(o.out))])
	}
}

// BenchmarkShellOverhead times a trivial command run by bash plain and
// through noxkey-hook --shell (the guard loaded, one pipe, the filter):
// added-µs is the difference of the medians, what each command pays.
func BenchmarkShellOverhead(b *testing.B) {
	nk := home(b)
	bash, err := exec.LookPath("bash")
	if err != nil {
		b.Skip("no bash")
	}
	env := []string{"NOXKEY_HOME=" + nk, "PATH=/usr/bin:/bin", "SHELL=" + bash}
	runIt := func(argv ...string) time.Duration {
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Env = env
		start := time.Now()
		out, err := cmd.Output()
		if err != nil || string(out) != "hello\n" {
			b.Fatalf("%v %q", err, out)
		}
		return time.Since(start)
	}
	var plain, through []time.Duration
	for i := 0; i < b.N; i++ {
		plain = append(plain, runIt(bash, "-c", "echo hello"))
		through = append(through, runIt(hook, relay.ShellFlag, "echo hello"))
	}
	slices.Sort(plain)
	slices.Sort(through)
	b.ReportMetric(float64(plain[len(plain)/2].Microseconds()), "plain-µs")
	b.ReportMetric(float64(through[len(through)/2].Microseconds()), "noxkey-µs")
	b.ReportMetric(float64((through[len(through)/2] - plain[len(plain)/2]).Microseconds()), "added-µs")
}
