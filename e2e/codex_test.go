package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// codexBin finds the Codex CLI that .ci/run installed (NOXKEY_E2E_CODEX).
func codexBin(t *testing.T) string {
	return agentBin(t, "NOXKEY_E2E_CODEX", "@openai/codex")
}

// agentBin returns the agent binary named by env, skipping locally and
// failing in CI when it is not set.
func agentBin(t *testing.T, env, pkg string) string {
	p := os.Getenv(env)
	if p == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set: .ci/run installs %s and sets it", env, pkg)
		}
		t.Skipf("set %s to the binary of %s (npm install %s) to run the real-client tests", env, pkg, pkg)
	}
	return p
}

// agentRun is one scenario's outcome with any agent.
type agentRun struct {
	bodies  func() [][]byte
	project string
	stdout  string
	stderr  string
	events  string
}

func (r *agentRun) assertNoLeak(t *testing.T) {
	t.Helper()
	if len(r.bodies()) == 0 {
		t.Fatalf("the agent sent no request; stderr: %s", hide(r.stderr))
	}
	r.assertNoneCarries(t)
}

// assertNoneCarries: no request (there may be none) holds the secret.
func (r *agentRun) assertNoneCarries(t *testing.T) {
	t.Helper()
	reqs := r.bodies()
	for i, body := range reqs {
		for name, f := range secretForms() {
			if bytes.Contains(body, []byte(f)) {
				t.Fatalf("request %d of %d carries the secret (%s form)", i+1, len(reqs), name)
			}
		}
	}
}

func (r *agentRun) saw(s string) bool {
	for _, b := range r.bodies() {
		if bytes.Contains(b, []byte(s)) {
			return true
		}
	}
	return false
}

// installHooks runs the real `noxkey hooks install --scope project`.
func installHooks(t *testing.T, agent, home, project, nk string) {
	t.Helper()
	c := exec.Command(filepath.Join(bins, "noxkey"), "hooks", "install", "--agent", agent, "--scope", "project")
	c.Dir = project
	c.Env = []string{"HOME=" + home, "NOXKEY_HOME=" + nk, "PATH=" + bins + ":/usr/bin:/bin"}
	if out, err := c.CombinedOutput(); err != nil {
		t.Fatalf("hooks install --agent %s: %v %s", agent, err, out)
	}
}

type scenarioOpts struct {
	noHooks bool
	setup   func(project string)
	// fromVault: the secret is only in a real vault, unlocked in a real
	// daemon; the agent's environment does not hold it.
	fromVault bool
}

func runCodex(t *testing.T, prompt string, script []step, o scenarioOpts) *agentRun {
	t.Helper()
	codex := codexBin(t)
	root := t.TempDir()
	home, nk, project := filepath.Join(root, "home"), filepath.Join(root, "nk"), filepath.Join(root, "proj")
	os.MkdirAll(filepath.Join(home, ".codex"), 0o755)
	os.MkdirAll(project, 0o755)
	os.MkdirAll(nk, 0o700)
	secretEnv := "NOXKEY_TEST_SECRET=" + testSecret
	if o.fromVault {
		vaultWithSecret(t, root, nk)
		secretEnv = "NOXKEY_E2E_FROM_VAULT=1"
	} else {
		syntheticIndex(t, nk)
	}
	if !o.noHooks {
		installHooks(t, "codex", home, project, nk)
	}
	if o.setup != nil {
		o.setup(project)
	}
	mock := newOpenAIMock(t, script)
	cfg := fmt.Sprintf(`model = "gpt-mock"
model_provider = "mock"
approval_policy = "never"
sandbox_mode = "danger-full-access"
check_for_update_on_startup = false

[analytics]
enabled = false

[projects.%q]
trust_level = "trusted"

[model_providers.mock]
name = "mock"
base_url = "%s/v1"
wire_api = "responses"
env_key = "MOCK_API_KEY"
request_max_retries = 0
stream_max_retries = 0
`, project, mock.srv.URL)
	os.WriteFile(filepath.Join(home, ".codex", "config.toml"), []byte(cfg), 0o600)
	cmd := exec.Command(codex, "exec", "--skip-git-repo-check", "--json", "--dangerously-bypass-hook-trust", prompt)
	cmd.Dir = project
	cmd.Env = []string{
		"HOME=" + home, "CODEX_HOME=" + filepath.Join(home, ".codex"), "PATH=" + bins + ":" + os.Getenv("PATH"),
		"MOCK_API_KEY=dummy-not-a-key", "NOXKEY_HOME=" + nk, secretEnv,
		"NOXKEY_HOOK_EVENT_LOG=" + filepath.Join(root, "events.log"), "LANG=C.UTF-8",
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Logf("codex exited: %v; stderr: %s", err, hide(errb.String()))
	}
	events, _ := os.ReadFile(filepath.Join(root, "events.log"))
	t.Logf("hook events: %s", strings.ReplaceAll(strings.TrimSpace(string(events)), "\n", "; "))
	if os.Getenv("NOXKEY_E2E_VERBOSE") != "" {
		hj, _ := os.ReadFile(filepath.Join(project, ".codex", "hooks.json"))
		t.Logf("hooks.json: %s\nstdout: %s\nstderr: %s", hj, hide(out.String()), hide(errb.String()))
	}
	return &agentRun{bodies: mock.requests, project: project, stdout: out.String(), stderr: errb.String(), events: string(events)}
}

func shell(command string) step {
	return step{tool: "shell", input: map[string]any{"command": command}}
}

const placeholder = "[REDACTED:acme/test/NOXKEY_TEST_SECRET]"

func TestCodexHarnessSeesALeakWithoutNoxkey(t *testing.T) {
	r := runCodex(t, "print the key", []step{shell(`echo "key is $NOXKEY_TEST_SECRET"`)}, scenarioOpts{noHooks: true})
	if !r.saw(testSecret) {
		t.Fatalf("without hooks the secret should reach the mock (stderr %s)", hide(r.stderr))
	}
}

func TestCodexEchoOfASecret(t *testing.T) {
	r := runCodex(t, "print the key", []step{shell(`echo "key is $NOXKEY_TEST_SECRET"`)}, scenarioOpts{})
	r.assertNoLeak(t)
	if !r.saw("key is " + placeholder) {
		t.Fatalf("the redacted output never reached the model; stderr %s", hide(r.stderr))
	}
}

func TestCodexCatDotEnv(t *testing.T) {
	r := runCodex(t, "show the env file", []step{shell(`cat .env`)}, scenarioOpts{setup: func(p string) {
		os.WriteFile(filepath.Join(p, ".env"), []byte("STRIPE_KEY="+testSecret+"\nDEBUG=1\n"), 0o600)
	}})
	r.assertNoLeak(t)
	if !r.saw("STRIPE_KEY=" + placeholder) {
		t.Fatal("the redacted file never reached the model")
	}
}

func TestCodexFailingCommandPrintsSecret(t *testing.T) {
	r := runCodex(t, "run it", []step{shell(`echo "out: $NOXKEY_TEST_SECRET"; echo "err: $NOXKEY_TEST_SECRET" >&2; exit 3`)}, scenarioOpts{})
	r.assertNoLeak(t)
	if !r.saw("out: "+placeholder) || !r.saw("err: "+placeholder) {
		t.Fatal("the redacted stdout/stderr never reached the model")
	}
}

func TestCodexBase64EncodedSecret(t *testing.T) {
	r := runCodex(t, "encode it", []step{shell(`printf %s "$NOXKEY_TEST_SECRET" | base64`)}, scenarioOpts{})
	r.assertNoLeak(t)
	if !r.saw(placeholder) {
		t.Fatal("no redaction seen")
	}
}

// Codex has no file-read tool: it reads files with its shell tool.
func TestCodexReadsASecretFile(t *testing.T) {
	r := runCodex(t, "read the config", []step{shell(`sed -n '1,20p' config/secrets.yaml`)}, scenarioOpts{setup: func(p string) {
		os.MkdirAll(filepath.Join(p, "config"), 0o755)
		os.WriteFile(filepath.Join(p, "config", "secrets.yaml"), []byte("api:\n  token: "+testSecret+"\n"), 0o600)
	}})
	r.assertNoLeak(t)
	if !r.saw("token: " + placeholder) {
		t.Fatal("the redacted file never reached the model")
	}
}

func TestCodexPromptHoldingASecretIsBlocked(t *testing.T) {
	r := runCodex(t, "deploy with the key "+testSecret, []step{shell(`echo should-not-run`)}, scenarioOpts{})
	r.assertNoneCarries(t)
	if r.saw("should-not-run") {
		t.Fatal("the turn went on after the prompt was blocked")
	}
	if !strings.Contains(r.events, "UserPromptSubmit  exit=0 answered=true") {
		t.Fatalf("the prompt hook did not block: %s", r.events)
	}
}

// TestCodexPostToolUseAloneReplacesTheResult: without the PreToolUse
// rewrite, PostToolUse's block+reason alone keeps the secret from the
// model, for a failing command too.
func TestCodexPostToolUseAloneReplacesTheResult(t *testing.T) {
	r := runCodex(t, "run it", []step{shell(`echo "out: $NOXKEY_TEST_SECRET"; exit 3`)}, scenarioOpts{setup: func(p string) {
		hj := filepath.Join(p, ".codex", "hooks.json")
		b, _ := os.ReadFile(hj)
		var doc map[string]map[string]any
		json.Unmarshal(b, &doc)
		delete(doc["hooks"], "PreToolUse")
		b, _ = json.Marshal(doc)
		os.WriteFile(hj, b, 0o600)
	}})
	r.assertNoLeak(t)
	if !r.saw("out: "+placeholder) || !strings.Contains(r.events, "PostToolUse  exit=0 answered=true") {
		t.Fatalf("PostToolUse did not replace the result: %s", r.events)
	}
}

// TestCodexEvalGetHandsOffWithoutTheValue: the secret is only in the
// vault; Codex's shell runs eval "$(noxkey get ...)" and uses it.
func TestCodexEvalGetHandsOffWithoutTheValue(t *testing.T) {
	sum := sha256.Sum256([]byte(testSecret))
	// Codex runs `bash -lc`: the login profile resets PATH, so the
	// command names noxkey by its absolute path.
	nk := filepath.Join(bins, "noxkey")
	r := runCodex(t, "use the key", []step{
		shell(nk + ` get acme/test/NOXKEY_TEST_SECRET`),
		shell(`eval "$(` + nk + ` get acme/test/NOXKEY_TEST_SECRET)" && printf '%s' "$NOXKEY_TEST_SECRET" | sha256sum`),
		shell(nk + ` get --copy acme/test/NOXKEY_TEST_SECRET; echo "exit=$?"`),
		shell(nk + ` whoami`),
	}, scenarioOpts{fromVault: true})
	r.assertNoLeak(t)
	if !r.saw("source '") || !r.saw(hex.EncodeToString(sum[:])) {
		t.Error("no source line, or the variable does not hold the value")
	}
	if !r.saw("This command is not available to AI agents.") || !r.saw("exit=4") {
		t.Error("get --copy was not refused to Codex")
	}
	if !r.saw("agent: codex") {
		t.Error("whoami did not report Codex")
	}
}
