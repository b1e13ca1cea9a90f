package e2e

import (
	"os"
	"path/filepath"
	"testing"
)

// copilot runs GitHub Copilot CLI headless (`copilot -p`) against
// chatMock through its own custom-provider settings: COPILOT_OFFLINE turns
// off GitHub sign-in, telemetry and updates. Its 235 MB package unpacks
// once into a shared folder, not into each test's HOME. Repository hooks
// load in -p mode only in a trusted folder: --trust-folder.
var copilot = &agent{
	name: "copilot", binEnv: "NOXKEY_E2E_COPILOT", pkg: "@github/copilot",
	mock: func(t *testing.T, script []step) (string, func() [][]byte) {
		return newChatMock(t, script, "gpt-4.1")
	},
	command: func(t *testing.T, prompt string, s *scene) ([]string, []string) {
		cache := filepath.Join(os.TempDir(), "noxkey-e2e-copilot-pkg")
		os.MkdirAll(cache, 0o700)
		return []string{"-p", prompt, "--allow-all-tools", "--trust-folder"}, []string{
			"TERM=dumb", "COPILOT_OFFLINE=true", "COPILOT_AUTO_UPDATE=false", "COPILOT_PKG_CACHE_HOME=" + cache,
			"COPILOT_PROVIDER_BASE_URL=" + s.url + "/v1", "COPILOT_PROVIDER_API_KEY=fake-key", "COPILOT_MODEL=gpt-4.1",
		}
	},
}

func TestCopilotSharedScenarios(t *testing.T) {
	t.Parallel()
	runSharedScenarios(t, copilot, nil)
}

func TestCopilotViewOfASecretFile(t *testing.T) {
	t.Parallel()
	r := copilot.run(t, "read config", []step{{tool: "view", input: map[string]any{"path": "config.yml"}, next: func(string) step {
		return step{tool: "view", input: map[string]any{"path": "config.yml"}}
	}}}, scenarioOpts{setup: func(p string) {
		os.WriteFile(filepath.Join(p, "config.yml"), []byte("api:\n  token: "+testSecret+"\n  retries: 3\n"), 0o600)
	}})
	r.assertNoLeak(t)
	if !r.saw("retries: 3") || !r.saw(placeholder) {
		t.Fatalf("the redacted file never reached the model: %s", r.events)
	}
}

func TestCopilotPromptHoldingASecretIsBlocked(t *testing.T) {
	t.Parallel()
	assertPromptBlocked(t, copilot, "userPromptSubmitted")
}

func TestCopilotRunsCommandsAsWithoutNoxkey(t *testing.T) {
	t.Parallel()
	runFidelityScenarios(t, copilot)
}

// TestCopilotIsRecognisedAsAnAgent: the daemon's detection names
// copilot, so noxkey get hands off to it and refuses it plaintext.
func TestCopilotIsRecognisedAsAnAgent(t *testing.T) {
	t.Parallel()
	nk := filepath.Join(bins, "noxkey")
	r := copilot.run(t, "who", []step{
		shell(nk + ` whoami`),
		shell(nk + ` get --raw acme/test/NOXKEY_TEST_SECRET; echo "exit=$?"`),
	}, scenarioOpts{fromVault: true})
	r.assertNoLeak(t)
	if !r.saw("agent: copilot") || !r.saw("This command is not available to AI agents.") {
		t.Fatalf("copilot was not recognised: %s", r.events)
	}
}
