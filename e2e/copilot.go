package e2e

import (
	"os"
	"path/filepath"
	"testing"
)

// Copilot runs GitHub Copilot CLI headless (`copilot -p`) against
// chatMock through its own custom-provider settings: COPILOT_OFFLINE turns
// off GitHub sign-in, telemetry and updates. Its 235 MB package unpacks
// once into a shared folder, not into each test's HOME. Repository hooks
// load in -p mode only in a trusted folder: --trust-folder.
var Copilot = &Agent{
	Name: "copilot", binEnv: "NOXKEY_E2E_COPILOT", pkg: "@github/copilot",
	mock: func(t *testing.T, script []Step) (string, func() [][]byte) {
		return newChatMock(t, script, "gpt-4.1")
	},
	command: func(t *testing.T, prompt string, s *Scene) ([]string, []string) {
		cache := filepath.Join(os.TempDir(), "noxkey-e2e-copilot-pkg")
		os.MkdirAll(cache, 0o700)
		return []string{"-p", prompt, "--allow-all-tools", "--trust-folder"}, []string{
			"TERM=dumb", "COPILOT_OFFLINE=true", "COPILOT_AUTO_UPDATE=false", "COPILOT_PKG_CACHE_HOME=" + cache,
			"COPILOT_PROVIDER_BASE_URL=" + s.url + "/v1", "COPILOT_PROVIDER_API_KEY=fake-key", "COPILOT_MODEL=gpt-4.1",
		}
	},
}
