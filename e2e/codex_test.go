package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCodexSharedScenarios(t *testing.T) { runSharedScenarios(t, codex, nil) }

func TestCodexRunsCommandsAsWithoutNoxkey(t *testing.T) { runFidelityScenarios(t, codex) }

// Codex has no file-read tool: it reads files with its shell tool.
func TestCodexReadsASecretFile(t *testing.T) {
	r := codex.run(t, "read the config", []step{shell(`sed -n '1,20p' config/secrets.yaml`)}, scenarioOpts{setup: func(p string) {
		os.MkdirAll(filepath.Join(p, "config"), 0o755)
		os.WriteFile(filepath.Join(p, "config", "secrets.yaml"), []byte("api:\n  token: "+testSecret+"\n"), 0o600)
	}})
	r.assertNoLeak(t)
	if !r.saw("token: " + placeholder) {
		t.Fatal("the redacted file never reached the model")
	}
}

func TestCodexPromptHoldingASecretIsBlocked(t *testing.T) {
	assertPromptBlocked(t, codex, "UserPromptSubmit")
}

// TestCodexPostToolUseAloneReplacesTheResult: without the PreToolUse
// rewrite, PostToolUse's block+reason alone keeps the secret from the
// model, for a failing command too.
func TestCodexPostToolUseAloneReplacesTheResult(t *testing.T) {
	r := codex.run(t, "run it", []step{shell(`echo "out: $NOXKEY_TEST_SECRET"; exit 3`)}, scenarioOpts{setup: func(p string) {
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
	r := codex.run(t, "use the key", []step{
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
