package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
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
	"github.com/noxkey/noxkey/internal/testio"
)

var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "noxkey-hook-bin")
	if err != nil {
		panic(err)
	}
	for _, pkg := range []string{"./", "./testdata/floor"} {
		b := exec.Command("go", "build", "-o", dir, pkg)
		b.Stderr = os.Stderr
		if err := b.Run(); err != nil {
			panic(err)
		}
	}
	for _, bin := range []string{"noxkey-hook", "floor"} {
		if err := fromDisk(filepath.Join(dir, bin)); err != nil {
			panic(err)
		}
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// homeWithSecrets writes a guard index of n generated secrets into a new
// NOXKEY_HOME and returns it.
func homeWithSecrets(t testing.TB, n int) string {
	t.Helper()
	home := filepath.Join(t.TempDir(), "nk")
	os.MkdirAll(home, 0o700)
	r := rand.New(rand.NewPCG(5, 6))
	const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	secs := make([]guard.Secret, n)
	for i := range secs {
		v := []byte("sk_live_")
		for l := 24 + r.IntN(24); l > 0; l-- {
			v = append(v, alnum[r.IntN(len(alnum))])
		}
		secs[i] = guard.Secret{Name: fmt.Sprintf("org/p%d/KEY_%d", i%50, i), Value: v}
	}
	ix, _, err := guard.Build(secs, armtest.Key(t), guard.Options{Settings: settings(t, home)})
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.WriteFile(filepath.Join(home, "guard.idx")); err != nil {
		t.Fatal(err)
	}
	return home
}

// settled waits until the index in home counts as settled and runs the
// filter once, which checks its checksum and stamps it (guard/stamp.go): the
// state of every hook call but the first after a vault write, which
// benchmarks measure. BenchmarkFirstCallAfterWrite measures that one.
func settled(b *testing.B, home string) string {
	time.Sleep(time.Second + 100*time.Millisecond)
	runOnce(b, "noxkey-hook", home, []byte("x\n"), "filter")
	if _, err := os.Stat(filepath.Join(home, "guard.idx.ok")); err != nil {
		b.Fatalf("no stamp after a settled load: %v", err)
	}
	return home
}

// settings are the default guard.toml's, as noxkey stores them in an index.
func settings(t testing.TB, home string) *guard.Settings {
	cfg, err := config.LoadConfig(home)
	if err != nil {
		t.Fatal(err)
	}
	st, err := cfg.Settings()
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// input100K is 100 KB of log-like text with no secret.
func input100K() []byte {
	var b strings.Builder
	for i := 0; b.Len() < 100<<10; i++ {
		fmt.Fprintf(&b, "2026-11-28T18:00:%02d.%03dZ INFO request id=%08x path=/api/v1/items/%d status=200 latency_ms=%d\n", i%60, i%1000, i*2654435761, i, i%97)
	}
	return []byte(b.String()[:100<<10])
}

// runOnce runs a binary with stdin and returns wall time, the rusage
// peak RSS (KiB; polluted by this process before exec, see the RSS test),
// and stdout.
func runOnce(t testing.TB, bin, home string, stdin []byte, args ...string) (time.Duration, int64, []byte) {
	return runOnceFrom(t, false, bin, home, stdin, args...)
}

// runOnceFrom is runOnce with stdin on a pipe, or on a socket pair if
// sock: Node gives its children socket pairs for stdio, so that is what
// Claude Code and Gemini CLI hand a hook (checked on Claude Code).
func runOnceFrom(t testing.TB, sock bool, bin, home string, stdin []byte, args ...string) (time.Duration, int64, []byte) {
	cmd := exec.Command(filepath.Join(binDir, bin), args...)
	cmd.Env = []string{"NOXKEY_HOME=" + home, "PATH=/usr/bin:/bin"}
	cmd.Stdin = bytes.NewReader(stdin)
	if sock {
		ours, theirs := testio.Pair(t)
		defer theirs.Close()
		go func() { ours.Write(stdin); ours.Close() }()
		cmd.Stdin = theirs
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v: %s", bin, err, errb.String())
	}
	el := time.Since(start)
	return el, cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss, out.Bytes()
}

// BenchmarkFilterVsFloor times the whole noxkey-hook filter process on 100
// KB with 1,000 secrets against the trivial Go copy program, alternating
// runs in the same benchmark: x-floor is the ratio of the medians.
func BenchmarkFilterVsFloor(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		home := settled(b, homeWithSecrets(b, n))
		in := input100K()
		b.Run(fmt.Sprintf("secrets=%d", n), func(b *testing.B) {
			alternateWithFloor(b, home, in, func(out []byte) bool { return bytes.Equal(out, in) }, "filter")
		})
	}
}

// BenchmarkFirstCallAfterWrite is BenchmarkFilterVsFloor for the first
// hook call after a vault write, which checks the index checksum: the index
// is rewritten before every call.
func BenchmarkFirstCallAfterWrite(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		home := homeWithSecrets(b, n)
		idx := filepath.Join(home, "guard.idx")
		data, err := os.ReadFile(idx)
		if err != nil {
			b.Fatal(err)
		}
		in := input100K()
		b.Run(fmt.Sprintf("secrets=%d", n), func(b *testing.B) {
			var hook, floor []time.Duration
			for i := 0; i < b.N; i++ {
				os.Remove(idx)
				if err := os.WriteFile(idx, data, 0o600); err != nil {
					b.Fatal(err)
				}
				d, _, out := runOnce(b, "noxkey-hook", home, in, "filter")
				if !bytes.Equal(out, in) {
					b.Fatal("clean input was changed")
				}
				hook = append(hook, d)
				d, _, _ = runOnce(b, "floor", home, in)
				floor = append(floor, d)
			}
			reportVsFloor(b, hook, floor)
		})
	}
}

// TestFilterPeakRSSWith10000Secrets: the whole filter process stays under
// 30 MB resident with an index of 10,000 secrets. The peak is read by
// /usr/bin/time: a child forked from this test process would report this
// process's own (large) RSS from before its exec.
func TestFilterPeakRSSWith10000Secrets(t *testing.T) {
	timeBin := "/usr/bin/time"
	if _, err := os.Stat(timeBin); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("/usr/bin/time is missing; .ci/run installs the time package")
		}
		t.Skip("/usr/bin/time is missing (apt-get install time)")
	}
	home := homeWithSecrets(t, 10000)
	in := input100K()
	cmd := exec.Command(timeBin, "-f", "maxrss-kb=%M", filepath.Join(binDir, "noxkey-hook"), "filter")
	cmd.Env = []string{"NOXKEY_HOME=" + home}
	cmd.Stdin = bytes.NewReader(in)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v: %s", err, errb.String())
	}
	if !bytes.Equal(out.Bytes(), in) {
		t.Fatal("clean input was changed")
	}
	var kb int
	if _, err := fmt.Sscanf(errb.String()[strings.LastIndex(errb.String(), "maxrss-kb="):], "maxrss-kb=%d", &kb); err != nil {
		t.Fatalf("no maxrss in %q", errb.String())
	}
	t.Logf("peak RSS %.1f MB", float64(kb)/1024)
	if kb > 30*1024 {
		t.Fatalf("peak RSS %.1f MB, budget 30 MB", float64(kb)/1024)
	}
}

func TestFilterRedactsAndFailsClosed(t *testing.T) {
	home := homeWithSecrets(t, 10)
	_, _, out := runOnce(t, "noxkey-hook", home, []byte("hello\n"), "filter")
	if string(out) != "hello\n" {
		t.Fatalf("got %q", out)
	}
	os.Remove(filepath.Join(home, "guard.idx"))
	cmd := exec.Command(filepath.Join(binDir, "noxkey-hook"), "filter")
	cmd.Env = []string{"NOXKEY_HOME=" + home}
	cmd.Stdin = strings.NewReader("anything\n")
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if cmd.ProcessState.ExitCode() != 2 || o.Len() != 0 || !strings.Contains(e.String(), "noxkey guard rebuild") {
		t.Fatalf("missing index: %v, stdout %q, stderr %q", err, o.String(), e.String())
	}
}

// TestClaudeHookProcess runs the real binary on payloads captured from
// Claude Code: redacts with an index, leaves Bash as written under
// noxkey's shell prefix, fails closed without an index.
func TestClaudeHookProcess(t *testing.T) {
	home := filepath.Join(t.TempDir(), "nk")
	os.MkdirAll(home, 0o700)
	secret := "NXK-DUMMY-SECRET-8c1f2e9a7b"
	ix, _, err := guard.Build([]guard.Secret{{Name: "acme/test/NOXKEY_TEST_SECRET", Value: []byte(secret)}}, armtest.Key(t), guard.Options{Settings: settings(t, home)})
	if err != nil {
		t.Fatal(err)
	}
	ix.WriteFile(filepath.Join(home, "guard.idx"))
	post, _ := os.ReadFile("../../hooks/testdata/claude-PostToolUse-Bash.stdin.json")
	pre, _ := os.ReadFile("../../hooks/testdata/claude-PreToolUse-Bash.stdin.json")
	prefix := "CLAUDE_CODE_SHELL_PREFIX=" + filepath.Join(binDir, "noxkey-hook") + " --shell"
	run := func(stdin []byte, env ...string) (string, int) {
		cmd := exec.Command(filepath.Join(binDir, "noxkey-hook"), "claude")
		cmd.Env = append([]string{"NOXKEY_HOME=" + home}, env...)
		cmd.Stdin = bytes.NewReader(stdin)
		out, _ := cmd.Output()
		return string(out), cmd.ProcessState.ExitCode()
	}
	out, code := run(post)
	if code != 0 || strings.Contains(out, secret) || !strings.Contains(out, `"stdout":"key is [REDACTED:acme/test/NOXKEY_TEST_SECRET]"`) {
		t.Fatalf("with index: exit %d: %s", code, out)
	}
	// Bash runs as written under noxkey's shell prefix, and is refused
	// without it.
	if out, code = run(pre, prefix); code != 0 || out != "" {
		t.Fatalf("Bash PreToolUse with index: exit %d: %s", code, out)
	}
	if out, code = run(pre); code != 0 || !strings.Contains(out, `"permissionDecision":"deny"`) || !strings.Contains(out, "CLAUDE_CODE_SHELL_PREFIX") {
		t.Fatalf("Bash PreToolUse without the prefix: exit %d: %s", code, out)
	}
	os.Remove(filepath.Join(home, "guard.idx"))
	out, code = run(post)
	if code != 0 || strings.Contains(out, secret) || !strings.Contains(out, "output withheld") {
		t.Fatalf("without index: exit %d: %s", code, out)
	}
	if out, code = run(pre, prefix); code != 0 || !strings.Contains(out, `"permissionDecision":"deny"`) {
		t.Fatalf("Bash PreToolUse without index must deny: exit %d: %q", code, out)
	}
	big := append([]byte(`{"hook_event_name":"UserPromptSubmit","prompt":"`), bytes.Repeat([]byte("a"), 64<<20)...)
	if out, code = run(append(big, `"}`...)); code != 0 || !strings.Contains(out, `"decision":"block"`) || !strings.Contains(out, "larger than 64 MiB") {
		t.Fatalf("oversized payload: exit %d: %.200s", code, out)
	}
}

// BenchmarkClaudeHookVsFloor times the whole `noxkey-hook claude` process
// on a 100 KB Bash PostToolUse payload with 1,000 secrets, alternating
// with the trivial Go copy program on the same bytes, both with stdin on a
// socket pair as Claude Code gives it: x-floor is the ratio of the medians.
func BenchmarkClaudeHookVsFloor(b *testing.B) {
	home := settled(b, homeWithSecrets(b, 1000))
	payload, _ := json.Marshal(map[string]any{
		"hook_event_name": "PostToolUse", "tool_name": "Bash", "session_id": "s", "cwd": "/p",
		"tool_input":    map[string]any{"command": "cat big.log", "description": "d"},
		"tool_response": map[string]any{"stdout": string(input100K()), "stderr": "", "interrupted": false, "isImage": false},
	})
	alternateWithFloorFrom(b, true, home, payload, func(out []byte) bool { return len(out) == 0 }, "claude")
}

// alternateWithFloor runs `noxkey-hook args...` and the floor program on
// the same stdin, alternately, b.N times each; ok checks the hook's output.
// x-floor is the ratio of the medians.
func alternateWithFloor(b *testing.B, home string, stdin []byte, ok func([]byte) bool, args ...string) {
	alternateWithFloorFrom(b, false, home, stdin, ok, args...)
}

// alternateWithFloorFrom is alternateWithFloor with stdin on a socket
// pair if sock (see runOnceFrom).
func alternateWithFloorFrom(b *testing.B, sock bool, home string, stdin []byte, ok func([]byte) bool, args ...string) {
	var hook, floor []time.Duration
	for i := 0; i < b.N; i++ {
		d, _, out := runOnceFrom(b, sock, "noxkey-hook", home, stdin, args...)
		if !ok(out) {
			b.Fatalf("unexpected output: %.200s", out)
		}
		hook = append(hook, d)
		d, _, _ = runOnceFrom(b, sock, "floor", home, stdin)
		floor = append(floor, d)
	}
	reportVsFloor(b, hook, floor)
}

// reportVsFloor reports the medians and their ratio.
func reportVsFloor(b *testing.B, hook, floor []time.Duration) {
	slices.Sort(hook)
	slices.Sort(floor)
	h, f := hook[len(hook)/2], floor[len(floor)/2]
	b.ReportMetric(float64(h.Microseconds()), "hook-µs")
	b.ReportMetric(float64(f.Microseconds()), "floor-µs")
	b.ReportMetric(float64(h)/float64(f), "x-floor")
}

// TestMainStackIsNeverCopied guards loadError's rule (guard/file.go): the
// filter and a Claude tool output with nothing to redact, the hook's most
// frequent calls, fit the main goroutine's first stack. (A dialect that
// decodes a payload into maps recurses deeper and copies it anyway.)
// A copy costs a hook call about 0.2 ms (docs/performance.md), and nothing
// else would show that a change (an fmt call in Load, a deeper call
// chain) brought it back.
func TestMainStackIsNeverCopied(t *testing.T) {
	home := homeWithSecrets(t, 1000)
	payload, _ := json.Marshal(map[string]any{
		"hook_event_name": "PostToolUse", "tool_name": "Bash", "session_id": "s", "cwd": "/p",
		"tool_input":    map[string]any{"command": "cat big.log", "description": "d"},
		"tool_response": map[string]any{"stdout": string(input100K()), "stderr": "", "interrupted": false, "isImage": false},
	})
	for _, tc := range []struct {
		args  []string
		stdin []byte
	}{
		{[]string{"filter"}, input100K()},
		{[]string{"claude"}, payload}, // the quick path: no decode into maps
	} {
		cmd := exec.Command(filepath.Join(binDir, "noxkey-hook"), tc.args...)
		cmd.Env = []string{"NOXKEY_HOME=" + home, "PATH=/usr/bin:/bin", "NOXKEY_HOOK_STACK_CHECK=1"}
		cmd.Stdin = bytes.NewReader(tc.stdin)
		var errb bytes.Buffer
		cmd.Stderr = &errb
		if err := cmd.Run(); err != nil {
			t.Fatalf("%v: %v %s", tc.args, err, errb.String())
		}
		if strings.Contains(errb.String(), "stack was copied") {
			t.Errorf("noxkey-hook %v: %s", tc.args, errb.String())
		}
	}
}

// TestLinksOnlyWhatAHookNeeds keeps out of noxkey-hook what its start-up
// would pay for on every tool call, or what it must never hold: os/exec
// (its setup runs before main: hooks/relay starts processes with
// os.StartProcess), Go's regexp (internal/regexp builds no Unicode tables
// at start-up), the TOML parser, the vault, age, the daemon, the
// installer, the logger, net/http.
func TestLinksOnlyWhatAHookNeeds(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := strings.Fields(string(out))
	for _, never := range []string{"os/exec", "regexp", "github.com/BurntSushi/toml", "filippo.io/age",
		"github.com/noxkey/noxkey/vault", "github.com/noxkey/noxkey/handoff/daemon", "github.com/noxkey/noxkey/hooks/install",
		"github.com/rs/zerolog", "net/http"} {
		if slices.Contains(deps, never) {
			t.Errorf("noxkey-hook links %s", never)
		}
	}
	if !slices.Contains(deps, "github.com/noxkey/noxkey/internal/regexp") {
		t.Error("the check looks at the wrong list: internal/regexp is not in it")
	}
}
