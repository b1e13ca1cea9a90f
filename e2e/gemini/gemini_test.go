package gemini

import (
	"github.com/noxkey/noxkey/e2e"

	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
)

func TestGeminiSharedScenarios(t *testing.T) { e2e.SharedScenarios(t, e2e.Gemini, nil) }

func TestGeminiRunsCommandsAsWithoutNoxkey(t *testing.T) { e2e.FidelityScenarios(t, e2e.Gemini) }

func TestGeminiReadFileToolOnASecretFile(t *testing.T) {
	var secretFile string
	r := e2e.Gemini.Run(t, "read the config", []e2e.Step{{Tool: "read", Next: func(string) e2e.Step {
		return e2e.Step{Tool: "read", Input: map[string]any{"path": secretFile}}
	}}}, e2e.Opts{Setup: func(p string) {
		secretFile = filepath.Join(p, "secrets.yaml")
		os.WriteFile(secretFile, []byte("api:\n  token: "+e2e.Secret+"\n"), 0o600)
	}})
	r.AssertNoLeak(t)
	if !r.Saw("token: " + e2e.Placeholder) {
		t.Fatalf("the redacted file never reached the model: %s", r.Events)
	}
}

func TestGeminiPromptHoldingASecretIsBlocked(t *testing.T) {
	e2e.PromptBlocked(t, e2e.Gemini, "BeforeAgent")
}

// TestGeminiUsesAVaultSecretThroughNoxkeyRun: Gemini CLI's shell refuses
// $(), so it uses a secret with noxkey run. The value reaches the
// command, never the model; bulk commands are refused to it.
func TestGeminiUsesAVaultSecretThroughNoxkeyRun(t *testing.T) {
	sum := sha256.Sum256([]byte(e2e.Secret))
	r := e2e.Gemini.Run(t, "use the key", []e2e.Step{
		e2e.Shell(`noxkey run --env acme/test/NOXKEY_TEST_SECRET -- sh -c 'printf %s "$NOXKEY_TEST_SECRET" | sha256sum; echo "v=$NOXKEY_TEST_SECRET"'`),
		e2e.Shell(`noxkey export acme; echo "exit=$?"`),
		e2e.Shell(`noxkey whoami`),
	}, e2e.Opts{FromVault: true})
	r.AssertNoLeak(t)
	if !r.Saw(hex.EncodeToString(sum[:])) || !r.Saw("v="+e2e.Placeholder) {
		t.Error("noxkey run did not give the command the value, or did not filter its output")
	}
	if !r.Saw("This command is not available to AI agents.") || !r.Saw("exit=4") {
		t.Error("export was not refused to Gemini CLI")
	}
	if !r.Saw("agent: gemini") {
		t.Error("whoami did not report Gemini CLI")
	}
}

// TestScrubCleansGeminiTranscripts: Gemini CLI keeps the secret in its
// chat files; noxkey scrub redacts it there.
func TestScrubCleansGeminiTranscripts(t *testing.T) {
	e2e.ScrubCleansTranscripts(t, e2e.Gemini, ".gemini/tmp", ".jsonl", ".json")
}
