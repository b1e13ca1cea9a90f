package codex

import (
	"github.com/noxkey/noxkey/e2e"

	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCodexSharedScenarios(t *testing.T) { e2e.SharedScenarios(t, e2e.Codex, nil) }

func TestCodexRunsCommandsAsWithoutNoxkey(t *testing.T) { e2e.FidelityScenarios(t, e2e.Codex) }

// Codex has no file-read tool: it reads files with its shell tool.
func TestCodexReadsASecretFile(t *testing.T) {
	r := e2e.Codex.Run(t, "read the config", []e2e.Step{e2e.Shell(`sed -n '1,20p' config/secrets.yaml`)}, e2e.Opts{Setup: func(p string) {
		os.MkdirAll(filepath.Join(p, "config"), 0o755)
		os.WriteFile(filepath.Join(p, "config", "secrets.yaml"), []byte("api:\n  token: "+e2e.Secret+"\n"), 0o600)
	}})
	r.AssertNoLeak(t)
	if !r.Saw("token: " + e2e.Placeholder) {
		t.Fatal("the redacted file never reached the model")
	}
}

func TestCodexPromptHoldingASecretIsBlocked(t *testing.T) {
	e2e.PromptBlocked(t, e2e.Codex, "UserPromptSubmit")
}

// TestCodexPostToolUseAloneReplacesTheResult: without the PreToolUse
// rewrite, PostToolUse's block+reason alone keeps the secret from the
// model, for a failing command too.
func TestCodexPostToolUseAloneReplacesTheResult(t *testing.T) {
	r := e2e.Codex.Run(t, "run it", []e2e.Step{e2e.Shell(`echo "out: $NOXKEY_TEST_SECRET"; exit 3`)}, e2e.Opts{Setup: func(p string) {
		hj := filepath.Join(p, ".codex", "hooks.json")
		b, _ := os.ReadFile(hj)
		var doc map[string]map[string]any
		json.Unmarshal(b, &doc)
		delete(doc["hooks"], "PreToolUse")
		b, _ = json.Marshal(doc)
		os.WriteFile(hj, b, 0o600)
	}})
	r.AssertNoLeak(t)
	if !r.Saw("out: "+e2e.Placeholder) || !strings.Contains(r.Events, "PostToolUse  exit=0 answered=true") {
		t.Fatalf("PostToolUse did not replace the result: %s", r.Events)
	}
}

// TestCodexEvalGetHandsOffWithoutTheValue: the secret is only in the
// vault; Codex's shell runs eval "$(noxkey get ...)" and uses it.
func TestCodexEvalGetHandsOffWithoutTheValue(t *testing.T) {
	sum := sha256.Sum256([]byte(e2e.Secret))
	// Codex runs `bash -lc`: the login profile resets PATH, so the
	// command names noxkey by its absolute path.
	nk := filepath.Join(e2e.Bins, "noxkey")
	r := e2e.Codex.Run(t, "use the key", []e2e.Step{
		e2e.Shell(nk + ` get acme/test/NOXKEY_TEST_SECRET`),
		e2e.Shell(`eval "$(` + nk + ` get acme/test/NOXKEY_TEST_SECRET)" && printf '%s' "$NOXKEY_TEST_SECRET" | sha256sum`),
		e2e.Shell(nk + ` get --copy acme/test/NOXKEY_TEST_SECRET; echo "exit=$?"`),
		e2e.Shell(nk + ` whoami`),
	}, e2e.Opts{FromVault: true})
	r.AssertNoLeak(t)
	if !r.Saw("source '") || !r.Saw(hex.EncodeToString(sum[:])) {
		t.Error("no source line, or the variable does not hold the value")
	}
	if !r.Saw("This command is not available to AI agents.") || !r.Saw("exit=4") {
		t.Error("get --copy was not refused to Codex")
	}
	if !r.Saw("agent: codex") {
		t.Error("whoami did not report Codex")
	}
}

// TestScrubCleansCodexTranscripts: Codex keeps the secret in its session
// files, redacted by noxkey scrub, and in an SQLite database, which scrub
// reports and leaves (it cannot rewrite a database).
func TestScrubCleansCodexTranscripts(t *testing.T) {
	out := e2e.ScrubCleansTranscripts(t, e2e.Codex, ".codex/sessions", ".jsonl")
	if !strings.Contains(out, "SQLite database") {
		t.Errorf("scrub did not report Codex's thread database:\n%s", out)
	}
}
