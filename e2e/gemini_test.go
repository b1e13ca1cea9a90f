package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func runGemini(t *testing.T, prompt string, script []step, o scenarioOpts) *agentRun {
	t.Helper()
	gemini := agentBin(t, "NOXKEY_E2E_GEMINI", "@google/gemini-cli")
	root := t.TempDir()
	home, nk, project := filepath.Join(root, "home"), filepath.Join(root, "nk"), filepath.Join(root, "proj")
	os.MkdirAll(filepath.Join(home, ".gemini"), 0o755)
	os.MkdirAll(project, 0o755)
	// Headless auth with an API key: the mock takes any.
	os.WriteFile(filepath.Join(home, ".gemini", "settings.json"), []byte(`{"security": {"auth": {"selectedType": "gemini-api-key"}}}`), 0o600)
	os.MkdirAll(nk, 0o700)
	secretEnv := "NOXKEY_TEST_SECRET=" + testSecret
	if o.fromVault {
		vaultWithSecret(t, root, nk)
		secretEnv = "NOXKEY_E2E_FROM_VAULT=1"
	} else {
		syntheticIndex(t, nk)
	}
	if !o.noHooks {
		installHooks(t, "gemini", home, project, nk)
	}
	if o.setup != nil {
		o.setup(project)
	}
	mock := newGeminiMock(t, script)
	cmd := exec.Command(gemini, "-p", prompt, "--approval-mode", "yolo", "--output-format", "json")
	cmd.Dir = project
	cmd.Env = []string{
		"HOME=" + home, "PATH=" + bins + ":" + os.Getenv("PATH"), "LANG=C.UTF-8", "TERM=dumb",
		"GOOGLE_GEMINI_BASE_URL=" + mock.srv.URL, "GEMINI_API_KEY=dummy-not-a-key", "GEMINI_CLI_TRUST_WORKSPACE=true",
		"NOXKEY_HOME=" + nk, secretEnv,
		"NOXKEY_HOOK_EVENT_LOG=" + filepath.Join(root, "events.log"),
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Logf("gemini exited: %v; stderr: %s", err, hide(errb.String()))
	}
	events, _ := os.ReadFile(filepath.Join(root, "events.log"))
	t.Logf("hook events: %s", strings.ReplaceAll(strings.TrimSpace(string(events)), "\n", "; "))
	if os.Getenv("NOXKEY_E2E_VERBOSE") != "" {
		t.Logf("stdout: %s\nstderr: %s", hide(out.String()), hide(errb.String()))
	}
	return &agentRun{bodies: mock.requests, project: project, stdout: out.String(), stderr: errb.String(), events: string(events)}
}

func TestGeminiHarnessSeesALeakWithoutNoxkey(t *testing.T) {
	r := runGemini(t, "print the key", []step{shell(`echo "key is $NOXKEY_TEST_SECRET"`)}, scenarioOpts{noHooks: true})
	if !r.saw(testSecret) {
		t.Fatalf("without hooks the secret should reach the mock (stderr %s)", hide(r.stderr))
	}
}

func TestGeminiEchoOfASecret(t *testing.T) {
	r := runGemini(t, "print the key", []step{shell(`echo "key is $NOXKEY_TEST_SECRET"`)}, scenarioOpts{})
	r.assertNoLeak(t)
	if !r.saw("key is " + placeholder) {
		t.Fatalf("the redacted output never reached the model; stderr %s", hide(r.stderr))
	}
}

func TestGeminiCatDotEnv(t *testing.T) {
	r := runGemini(t, "show the env file", []step{shell(`cat .env`)}, scenarioOpts{setup: func(p string) {
		os.WriteFile(filepath.Join(p, ".env"), []byte("STRIPE_KEY="+testSecret+"\nDEBUG=1\n"), 0o600)
	}})
	r.assertNoLeak(t)
	if !r.saw("STRIPE_KEY=" + placeholder) {
		t.Fatal("the redacted file never reached the model")
	}
}

func TestGeminiFailingCommandPrintsSecret(t *testing.T) {
	r := runGemini(t, "run it", []step{shell(`echo "out: $NOXKEY_TEST_SECRET"; echo "err: $NOXKEY_TEST_SECRET" >&2; exit 3`)}, scenarioOpts{})
	r.assertNoLeak(t)
	if !r.saw("out: "+placeholder) || !r.saw("err: "+placeholder) {
		t.Fatal("the redacted stdout/stderr never reached the model")
	}
}

func TestGeminiBase64EncodedSecret(t *testing.T) {
	r := runGemini(t, "encode it", []step{shell(`printf %s "$NOXKEY_TEST_SECRET" | base64`)}, scenarioOpts{})
	r.assertNoLeak(t)
	if !r.saw(placeholder) {
		t.Fatal("no redaction seen")
	}
}

func TestGeminiReadFileToolOnASecretFile(t *testing.T) {
	var secretFile string
	r := runGemini(t, "read the config", []step{{tool: "read", next: func(string) step {
		return step{tool: "read", input: map[string]any{"path": secretFile}}
	}}}, scenarioOpts{setup: func(p string) {
		secretFile = filepath.Join(p, "secrets.yaml")
		os.WriteFile(secretFile, []byte("api:\n  token: "+testSecret+"\n"), 0o600)
	}})
	r.assertNoLeak(t)
	if !r.saw("token: " + placeholder) {
		t.Fatalf("the redacted file never reached the model: %s", r.events)
	}
}

func TestGeminiPromptHoldingASecretIsBlocked(t *testing.T) {
	r := runGemini(t, "deploy with the key "+testSecret, []step{shell(`echo should-not-run`)}, scenarioOpts{})
	r.assertNoneCarries(t)
	if r.saw("should-not-run") {
		t.Fatal("the turn went on after the prompt was blocked")
	}
	if !strings.Contains(r.events, "BeforeAgent  exit=0 answered=true") {
		t.Fatalf("the prompt hook did not block: %s", r.events)
	}
}

// TestGeminiUsesAVaultSecretThroughNoxkeyRun: Gemini CLI's shell refuses
// $(), so it uses a secret with noxkey run. The value reaches the
// command, never the model; bulk commands are refused to it.
func TestGeminiUsesAVaultSecretThroughNoxkeyRun(t *testing.T) {
	sum := sha256.Sum256([]byte(testSecret))
	r := runGemini(t, "use the key", []step{
		shell(`noxkey run --env acme/test/NOXKEY_TEST_SECRET -- sh -c 'printf %s "$NOXKEY_TEST_SECRET" | sha256sum; echo "v=$NOXKEY_TEST_SECRET"'`),
		shell(`noxkey export acme; echo "exit=$?"`),
		shell(`noxkey whoami`),
	}, scenarioOpts{fromVault: true})
	r.assertNoLeak(t)
	if !r.saw(hex.EncodeToString(sum[:])) || !r.saw("v="+placeholder) {
		t.Error("noxkey run did not give the command the value, or did not filter its output")
	}
	if !r.saw("This command is not available to AI agents.") || !r.saw("exit=4") {
		t.Error("export was not refused to Gemini CLI")
	}
	if !r.saw("agent: gemini") {
		t.Error("whoami did not report Gemini CLI")
	}
}
