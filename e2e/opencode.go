package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// Opencode runs `opencode run` against chatMock through an
// openai-compatible provider in the project's opencode.json; the XDG
// folders are under the test's HOME, and noxkey's plugin is in the
// project's .opencode/plugins.
var Opencode = &Agent{
	Name: "opencode", binEnv: "NOXKEY_E2E_OPENCODE", pkg: "opencode-ai",
	mock: func(t *testing.T, script []Step) (string, func() [][]byte) {
		return newChatMock(t, script, "mock-model")
	},
	command: func(t *testing.T, prompt string, s *Scene) ([]string, []string) {
		cfg, _ := json.Marshal(map[string]any{
			"provider": map[string]any{"mock": map[string]any{"npm": "@ai-sdk/openai-compatible", "name": "Mock",
				"options": map[string]any{"baseURL": s.url + "/v1", "apiKey": "fake-key"},
				"models":  map[string]any{"mock-model": map[string]any{"name": "Mock", "tool_call": true}}}},
			"model": "mock/mock-model", "permission": map[string]any{"bash": "allow", "edit": "allow"},
			"autoupdate": false, "share": "disabled",
		})
		if err := os.WriteFile(filepath.Join(s.project, "opencode.json"), cfg, 0o600); err != nil {
			t.Fatal(err)
		}
		return []string{"run", prompt}, []string{
			"XDG_CONFIG_HOME=" + filepath.Join(s.home, ".config"), "XDG_DATA_HOME=" + filepath.Join(s.home, ".local/share"),
			"XDG_CACHE_HOME=" + filepath.Join(s.home, ".cache"), "XDG_STATE_HOME=" + filepath.Join(s.home, ".local/state"),
			"OPENCODE_DISABLE_MODELS_FETCH=true", "OPENCODE_DISABLE_AUTOUPDATE=true", "OPENCODE_DISABLE_LSP_DOWNLOAD=true",
			"OPENCODE_DISABLE_DEFAULT_PLUGINS=true",
		}
	},
}
