package copilot

import (
	"github.com/noxkey/noxkey/e2e"

	"os"
	"path/filepath"
	"testing"
)

func TestCopilotSharedScenarios(t *testing.T) {
	t.Parallel()
	e2e.SharedScenarios(t, e2e.Copilot, nil)
}

func TestCopilotViewOfASecretFile(t *testing.T) {
	t.Parallel()
	r := e2e.Copilot.Run(t, "read config", []e2e.Step{{Tool: "view", Input: map[string]any{"path": "config.yml"}, Next: func(string) e2e.Step {
		return e2e.Step{Tool: "view", Input: map[string]any{"path": "config.yml"}}
	}}}, e2e.Opts{Setup: func(p string) {
		os.WriteFile(filepath.Join(p, "config.yml"), []byte("api:\n  token: "+e2e.Secret+"\n  retries: 3\n"), 0o600)
	}})
	r.AssertNoLeak(t)
	if !r.Saw("retries: 3") || !r.Saw(e2e.Placeholder) {
		t.Fatalf("the redacted file never reached the model: %s", r.Events)
	}
}

func TestCopilotPromptHoldingASecretIsBlocked(t *testing.T) {
	t.Parallel()
	e2e.PromptBlocked(t, e2e.Copilot, "userPromptSubmitted")
}

func TestCopilotRunsCommandsAsWithoutNoxkey(t *testing.T) {
	t.Parallel()
	e2e.FidelityScenarios(t, e2e.Copilot)
}

// TestCopilotIsRecognisedAsAnAgent: the daemon's detection names copilot.
func TestCopilotIsRecognisedAsAnAgent(t *testing.T) {
	t.Parallel()
	e2e.RecognisedAsAgent(t, e2e.Copilot)
}
