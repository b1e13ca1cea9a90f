package e2e

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noxkey/noxkey/guard"
	"github.com/noxkey/noxkey/guard/config"
	"github.com/noxkey/noxkey/hooks"
)

// The test secret: the agent's shell has it as $NOXKEY_TEST_SECRET.
const testSecret = "nxk_live_Q7m2ZpX9vR4tW8yB3cF6hJ1k"

var bins string // noxkey-hook built for the suite

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "noxkey-e2e")
	if err != nil {
		panic(err)
	}
	out, err := exec.Command("go", "build", "-o", dir, "../cmd/noxkey-hook").CombinedOutput()
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
	claude := claudeBin(t)
	root := t.TempDir()
	home := filepath.Join(root, "home")
	nk := filepath.Join(root, "nk")
	project := filepath.Join(root, "proj")
	for _, d := range []string{home, project} {
		os.MkdirAll(d, 0o755)
	}
	os.MkdirAll(nk, 0o700)
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
	ag, err := hooks.LoadAgent("claude")
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
		"HOME=" + home, "PATH=" + os.Getenv("PATH"), "SHELL=/bin/bash",
		"ANTHROPIC_BASE_URL=" + mock.srv.URL, "ANTHROPIC_API_KEY=sk-ant-mock-not-a-key",
		"DISABLE_AUTOUPDATER=1", "DISABLE_TELEMETRY=1", "DISABLE_ERROR_REPORTING=1",
		"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1",
		"NOXKEY_HOME=" + nk, "NOXKEY_TEST_SECRET=" + testSecret,
	}
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if err := cmd.Run(); err != nil {
		t.Logf("claude exited: %v; stderr: %s", err, e.String())
	}
	return &claudeRun{mock: mock, project: project, stdout: o.String(), stderr: e.String()}
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
		t.Fatalf("Claude Code sent no request; stderr: %s", r.stderr)
	}
	for i, body := range reqs {
		for name, f := range secretForms() {
			if bytes.Contains(body, []byte(f)) {
				t.Fatalf("request %d of %d carries the secret (%s form)", i+1, len(reqs), name)
			}
		}
	}
}

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
		t.Fatalf("the redacted output never reached the model; stdout %q stderr %q", r.stdout, r.stderr)
	}
}
