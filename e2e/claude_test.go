package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noxkey/noxkey/guard"
	"github.com/noxkey/noxkey/guard/config"
	"github.com/noxkey/noxkey/hooks/install"
)

// The test secret: the agent's shell has it as $NOXKEY_TEST_SECRET.
const testSecret = "nxk_live_Q7m2ZpX9vR4tW8yB3cF6hJ1k"

var bins string // noxkey-hook built for the suite

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "noxkey-e2e")
	if err != nil {
		panic(err)
	}
	build := exec.Command("go", "build", "-o", dir, "../cmd/noxkey-hook", "../cmd/noxkey")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := build.CombinedOutput()
	if err != nil {
		panic(string(out))
	}
	bins = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// claudeBin finds the Claude Code that .ci/run installed (NOXKEY_E2E_CLAUDE).
func claudeBin(t *testing.T) string {
	p := os.Getenv("NOXKEY_E2E_CLAUDE")
	if p == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("NOXKEY_E2E_CLAUDE is not set: .ci/run installs Claude Code and sets it")
		}
		t.Skip("set NOXKEY_E2E_CLAUDE to a claude binary (npm install @anthropic-ai/claude-code) to run the real-client tests")
	}
	return p
}

// claudeRun is one scenario: a project with noxkey's hooks installed, a
// noxkey home whose index holds the secret, and Claude Code driven by the
// mock through the script.
type claudeRun struct {
	mock    *anthropicMock
	project string
	stdout  string
	stderr  string
}

func runClaude(t *testing.T, prompt string, script []step, setup func(project string)) *claudeRun {
	t.Helper()
	return runClaudeIn(t, prompt, script, setup, false)
}

// runClaudeIn runs a scenario. With fromVault, the secret is not in the
// agent's environment: it lives in a real vault, unlocked in a real
// daemon, and the agent's shell gets it with eval "$(noxkey get ...)".
func runClaudeIn(t *testing.T, prompt string, script []step, setup func(project string), fromVault bool) *claudeRun {
	t.Helper()
	claude := claudeBin(t)
	root := t.TempDir()
	home := filepath.Join(root, "home")
	nk := filepath.Join(root, "nk")
	project := filepath.Join(root, "proj")
	for _, d := range []string{home, project} {
		os.MkdirAll(d, 0o755)
	}
	os.MkdirAll(nk, 0o700)
	secretEnv := "NOXKEY_TEST_SECRET=" + testSecret
	if fromVault {
		secretEnv = "NOXKEY_E2E_FROM_VAULT=1"
		vaultWithSecret(t, root, nk)
	} else {
		syntheticIndex(t, nk)
	}
	ag, err := install.LoadAgent("claude")
	if err != nil {
		t.Fatal(err)
	}
	settings, _ := ag.ConfigPath("project", home, project)
	if _, err := ag.Install(settings, filepath.Join(bins, "noxkey-hook")); err != nil {
		t.Fatal(err)
	}
	if setup != nil {
		setup(project)
	}
	mock := newAnthropicMock(t, script)
	cmd := exec.Command(claude, "-p", prompt, "--allowedTools", "Bash,Read,Grep,Glob,TaskOutput,BashOutput")
	cmd.Dir = project
	cmd.Env = []string{
		"HOME=" + home, "PATH=" + bins + ":" + os.Getenv("PATH"), "SHELL=/bin/bash",
		"ANTHROPIC_BASE_URL=" + mock.srv.URL, "ANTHROPIC_API_KEY=sk-ant-mock-not-a-key",
		"DISABLE_AUTOUPDATER=1", "DISABLE_TELEMETRY=1", "DISABLE_ERROR_REPORTING=1",
		"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1",
		"NOXKEY_HOME=" + nk, secretEnv,
		"NOXKEY_HOOK_EVENT_LOG=" + filepath.Join(root, "events.log"),
	}
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if err := cmd.Run(); err != nil {
		t.Logf("claude exited: %v; stderr: %s", err, hide(e.String()))
	}
	events, _ := os.ReadFile(filepath.Join(root, "events.log"))
	t.Logf("hook events (event tool answer): %s", strings.Join(strings.Split(strings.TrimSpace(string(events)), "\n"), "; "))
	return &claudeRun{mock: mock, project: project, stdout: o.String(), stderr: e.String()}
}

// vaultWithSecret makes a real vault in nk holding the test secret, and
// unlocks it in a daemon (stopped when the test ends). The daemon uses
// the built-in agent signatures: Claude Code's shell is an agent to it.
func vaultWithSecret(t *testing.T, root, nk string) {
	t.Helper()
	pass := filepath.Join(root, "pass")
	os.WriteFile(pass, []byte("e2e passphrase\n"), 0o600)
	env := []string{"PATH=" + bins + ":/usr/bin:/bin", "HOME=" + root, "NOXKEY_HOME=" + nk,
		"NOXKEY_PASSPHRASE_FILE=" + pass, "NOXKEY_SCRYPT_WORK_FACTOR=10"}
	nkRun := func(stdin string, args ...string) {
		c := exec.Command(filepath.Join(bins, "noxkey"), args...)
		c.Env = env
		c.Stdin = strings.NewReader(stdin)
		if out, err := c.CombinedOutput(); err != nil {
			t.Fatalf("noxkey %v: %v %s", args, err, hide(string(out)))
		}
	}
	nkRun("", "init")
	nkRun(testSecret+"\n", "set", "acme/test/NOXKEY_TEST_SECRET")
	nkRun("", "unlock")
	t.Cleanup(func() { nkRun("", "daemon", "stop") })
}

// syntheticIndex writes a guard index holding the test secret.
func syntheticIndex(t *testing.T, nk string) {
	t.Helper()
	cfg, err := config.LoadConfig(nk)
	if err != nil {
		t.Fatal(err)
	}
	st, err := cfg.Settings()
	if err != nil {
		t.Fatal(err)
	}
	ix, _, err := guard.Build([]guard.Secret{{Name: "acme/test/NOXKEY_TEST_SECRET", Value: []byte(testSecret)}},
		bytes.Repeat([]byte{7}, 32), guard.Options{Settings: st})
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.WriteFile(filepath.Join(nk, "guard.idx")); err != nil {
		t.Fatal(err)
	}
}

// forms are the encodings a leak could take, computed with the standard
// library (not with the guard under test).
func secretForms() map[string]string {
	b := []byte(testSecret)
	return map[string]string{
		"raw":    testSecret,
		"base64": strings.TrimRight(base64.StdEncoding.EncodeToString(b), "="),
		"b64url": strings.TrimRight(base64.URLEncoding.EncodeToString(b), "="),
		"hex":    hex.EncodeToString(b),
		"HEX":    strings.ToUpper(hex.EncodeToString(b)),
		// the middle of the secret, as base64 at another byte alignment would hold it
		"b64-off1": base64.StdEncoding.EncodeToString(append([]byte{0}, b...))[4:24],
	}
}

// assertNoLeak fails when any request to the mock holds the secret in any form.
func (r *claudeRun) assertNoLeak(t *testing.T) {
	t.Helper()
	reqs := r.mock.requests()
	if len(reqs) == 0 {
		t.Fatalf("Claude Code sent no request; stderr: %s", hide(r.stderr))
	}
	for i, body := range reqs {
		for name, f := range secretForms() {
			if bytes.Contains(body, []byte(f)) {
				t.Fatalf("request %d of %d carries the secret (%s form)", i+1, len(reqs), name)
			}
		}
	}
}

// hide keeps the test secret out of test output.
func hide(s string) string { return strings.ReplaceAll(s, testSecret, "<test secret>") }

// saw reports whether some request holds s (e.g. the placeholder).
func (r *claudeRun) saw(s string) bool {
	for _, body := range r.mock.requests() {
		if bytes.Contains(body, []byte(s)) {
			return true
		}
	}
	return false
}

func bash(command string) step {
	return step{tool: "Bash", input: map[string]any{"command": command, "description": "mock step"}}
}

func TestClaudeEchoOfAnExportedSecret(t *testing.T) {
	r := runClaude(t, "print the key", []step{bash(`echo "key is $NOXKEY_TEST_SECRET"`)}, nil)
	r.assertNoLeak(t)
	if !r.saw("key is [REDACTED:acme/test/NOXKEY_TEST_SECRET]") {
		t.Fatalf("the redacted output never reached the model; stdout %q stderr %q", hide(r.stdout), hide(r.stderr))
	}
}

// TestClaudeHarnessSeesALeakWithoutNoxkey is the control: with noxkey's
// hooks removed, the same scenario leaks, so the assertions can fail.
func TestClaudeHarnessSeesALeakWithoutNoxkey(t *testing.T) {
	r := runClaude(t, "print the key", []step{bash(`echo "key is $NOXKEY_TEST_SECRET"`)}, func(project string) {
		os.Remove(filepath.Join(project, ".claude", "settings.json"))
	})
	if !r.saw(testSecret) {
		t.Fatalf("without hooks the secret should reach the mock; it did not (stderr %q)", hide(r.stderr))
	}
}

func TestClaudeCatDotEnv(t *testing.T) {
	r := runClaude(t, "show the env file", []step{bash(`cat .env`)}, func(project string) {
		os.WriteFile(filepath.Join(project, ".env"), []byte("STRIPE_KEY="+testSecret+"\nDEBUG=1\n"), 0o600)
	})
	r.assertNoLeak(t)
	if !r.saw("STRIPE_KEY=[REDACTED:acme/test/NOXKEY_TEST_SECRET]") || !r.saw("DEBUG=1") {
		t.Fatal("the redacted file never reached the model")
	}
}

// A failing command goes to PostToolUseFailure, whose output cannot be
// replaced: the PreToolUse rewrite filters it while it runs. Its exit
// status and its stderr come through.
func TestClaudeFailingCommandPrintsSecretAndExits3(t *testing.T) {
	r := runClaude(t, "run it", []step{bash(`echo "out: $NOXKEY_TEST_SECRET"; echo "err: $NOXKEY_TEST_SECRET" >&2; exit 3`)}, nil)
	r.assertNoLeak(t)
	if !r.saw("Exit code 3") || !r.saw("out: [REDACTED:acme/test/NOXKEY_TEST_SECRET]") || !r.saw("err: [REDACTED:acme/test/NOXKEY_TEST_SECRET]") {
		t.Fatal("exit status or redacted stdout/stderr missing from what the model saw")
	}
}

func TestClaudeBase64EncodedSecret(t *testing.T) {
	r := runClaude(t, "encode it", []step{bash(`printf %s "$NOXKEY_TEST_SECRET" | base64`)}, nil)
	r.assertNoLeak(t)
	if !r.saw("[REDACTED:acme/test/NOXKEY_TEST_SECRET]") {
		t.Fatal("no redaction seen")
	}
}

// Output over 30,000 characters: Claude Code saves it to a file and the
// model reads that file back with Read.
func TestClaudeLargeOutputSavedToAFileAndReadBack(t *testing.T) {
	readSaved := step{next: func(last string) step {
		i := strings.Index(last, "saved to: ")
		if i < 0 {
			return step{text: "no saved file in: " + last[:min(200, len(last))]}
		}
		path := strings.Fields(last[i+len("saved to: "):])[0]
		return step{tool: "Read", input: map[string]any{"file_path": path}}
	}}
	r := runClaude(t, "big output", []step{
		bash(`for i in $(seq 1 1500); do echo "line $i filler text to make the output long enough"; done; echo "tail $NOXKEY_TEST_SECRET"`),
		readSaved,
	}, nil)
	r.assertNoLeak(t)
	if !r.saw("Full output saved to: ") {
		t.Fatal("Claude Code did not persist the large output: the scenario did not run as meant")
	}
	if !r.saw("tail [REDACTED:acme/test/NOXKEY_TEST_SECRET]") {
		t.Fatal("the saved output's redacted tail never reached the model")
	}
}

func TestClaudeReadToolOnASecretFile(t *testing.T) {
	r := runClaude(t, "read config", []step{{tool: "Read", input: map[string]any{"file_path": "config.yml"}}}, func(project string) {
		os.WriteFile(filepath.Join(project, "config.yml"), []byte("api:\n  token: "+testSecret+"\n  retries: 3\n"), 0o600)
	})
	r.assertNoLeak(t)
	if !r.saw("retries: 3") {
		t.Fatal("the file never reached the model")
	}
}

func TestClaudeGrepHit(t *testing.T) {
	r := runClaude(t, "find the token", []step{{tool: "Grep", input: map[string]any{"pattern": "token", "output_mode": "content"}}}, func(project string) {
		os.WriteFile(filepath.Join(project, "app.py"), []byte("token = '"+testSecret+"'\n"), 0o600)
	})
	r.assertNoLeak(t)
	if !r.saw("[REDACTED:acme/test/NOXKEY_TEST_SECRET]") {
		t.Fatal("no redacted grep hit seen")
	}
}

// A background command: Claude Code 2.1.332 names the file its output is
// written to and the model reads it with Read (TaskOutput, the older
// reader, is offered too and answered the same way).
func TestClaudeBackgroundCommandReadBack(t *testing.T) {
	var outFile string
	r := runClaude(t, "background", []step{
		{tool: "Bash", input: map[string]any{"command": `sleep 1; echo "bg $NOXKEY_TEST_SECRET"`, "description": "bg", "run_in_background": true}},
		{next: func(last string) step {
			i := strings.Index(last, "written to: ")
			if i < 0 {
				return step{text: "no output file in: " + last[:min(200, len(last))]}
			}
			outFile = strings.TrimRight(strings.Fields(last[i+len("written to: "):])[0], ".")
			return bash("sleep 3")
		}},
		{next: func(string) step { return step{tool: "Read", input: map[string]any{"file_path": outFile}} }},
	}, nil)
	r.assertNoLeak(t)
	if !r.saw("bg [REDACTED:acme/test/NOXKEY_TEST_SECRET]") {
		t.Fatal("the background output never reached the model redacted")
	}
}

// A prompt holding a secret is blocked before anything is sent: the mock
// sees no request with it (here: none at all) and the user sees why.
func TestClaudePromptHoldingASecretIsBlocked(t *testing.T) {
	r := runClaude(t, "deploy with key "+testSecret, []step{bash(`echo should not run`)}, nil)
	if r.saw(testSecret) || r.saw("should not run") {
		t.Fatal("the prompt was sent or processed")
	}
	if out := r.stdout + r.stderr; !strings.Contains(out, "your prompt contains the secret acme/test/NOXKEY_TEST_SECRET") || strings.Contains(out, testSecret) {
		t.Fatalf("the user is not told why, or sees the value: stdout %q stderr %q", hide(r.stdout), hide(r.stderr))
	}
}

// Two consecutive Bash calls: cd in the first persists into the second, as
// without the hook.
func TestClaudeCdPersistsAcrossBashCalls(t *testing.T) {
	r := runClaude(t, "cd and pwd", []step{bash(`mkdir -p sub && cd sub`), bash(`pwd`)}, nil)
	r.assertNoLeak(t)
	if !r.saw(filepath.Join(r.project, "sub")) {
		t.Fatal("the second call did not run in sub")
	}
}

// A large file: Claude Code counts its tokens (sending the content to
// count_tokens) before PostToolUse runs, so the PreToolUse Read hook must
// point the read at a redacted copy.
func TestClaudeReadToolOnALargeSecretFile(t *testing.T) {
	r := runClaude(t, "read the dump", []step{{tool: "Read", input: map[string]any{"file_path": "dump.txt"}}}, func(project string) {
		var b strings.Builder
		for i := 0; b.Len() < 200<<10; i++ {
			b.WriteString("row " + strings.Repeat("x", 60) + "\n")
			if i == 1000 {
				b.WriteString("secret row " + testSecret + "\n")
			}
		}
		os.WriteFile(filepath.Join(project, "dump.txt"), []byte(b.String()), 0o600)
	})
	r.assertNoLeak(t)
	if !r.saw("secret row [REDACTED:acme/test/NOXKEY_TEST_SECRET]") {
		t.Fatal("the redacted file never reached the model")
	}
	if r.saw("/run/redacted/") && !r.saw("dump.txt") {
		t.Error("the model saw the copy's path instead of the file's")
	}
}

// TestClaudeEvalGetHandsOffWithoutTheValue: the secret is only in the
// vault. Claude Code's shell runs eval "$(noxkey get ...)" and uses the
// variable; what the model sees is a source line and a hash, never the
// value; plaintext and bulk commands are refused to it.
func TestClaudeEvalGetHandsOffWithoutTheValue(t *testing.T) {
	sum := sha256.Sum256([]byte(testSecret))
	r := runClaudeIn(t, "use the key", []step{
		bash(`noxkey get acme/test/NOXKEY_TEST_SECRET`),
		bash(`eval "$(noxkey get acme/test/NOXKEY_TEST_SECRET)" && printf '%s' "$NOXKEY_TEST_SECRET" | sha256sum && echo "len=${#NOXKEY_TEST_SECRET}"`),
		bash(`noxkey get --raw acme/test/NOXKEY_TEST_SECRET; echo "exit=$?"`),
		bash(`noxkey whoami --explain`),
	}, nil, true)
	r.assertNoLeak(t)
	if !r.saw("source '") {
		t.Error("the model never saw the source line noxkey get prints to an agent")
	}
	if !r.saw(hex.EncodeToString(sum[:])) || !r.saw(fmt.Sprintf("len=%d", len(testSecret))) {
		t.Error("the variable in Claude Code's shell does not hold the value")
	}
	if !r.saw("This command is not available to AI agents.") || !r.saw("exit=4") {
		t.Error("get --raw was not refused to Claude Code")
	}
	if !r.saw("agent: claude") {
		t.Error("whoami did not report Claude Code")
	}
}
