package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
)

func TestGeminiSharedScenarios(t *testing.T) { runSharedScenarios(t, gemini, nil) }

func TestGeminiRunsCommandsAsWithoutNoxkey(t *testing.T) { runFidelityScenarios(t, gemini) }

func TestGeminiReadFileToolOnASecretFile(t *testing.T) {
	var secretFile string
	r := gemini.run(t, "read the config", []step{{tool: "read", next: func(string) step {
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
	assertPromptBlocked(t, gemini, "BeforeAgent")
}

// TestGeminiUsesAVaultSecretThroughNoxkeyRun: Gemini CLI's shell refuses
// $(), so it uses a secret with noxkey run. The value reaches the
// command, never the model; bulk commands are refused to it.
func TestGeminiUsesAVaultSecretThroughNoxkeyRun(t *testing.T) {
	sum := sha256.Sum256([]byte(testSecret))
	r := gemini.run(t, "use the key", []step{
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
