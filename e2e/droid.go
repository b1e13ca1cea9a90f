package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// Droid runs Factory's `droid exec` against chatMock through a custom
// model in ~/.factory/settings.json (added to what `noxkey hooks install`
// wrote there). No sign-in is needed.
var Droid = &Agent{
	Name: "droid", binEnv: "NOXKEY_E2E_DROID", pkg: "@factory/cli-linux-x64",
	mock: func(t *testing.T, script []Step) (string, func() [][]byte) {
		return newChatMock(t, script, "mock-model")
	},
	command: func(t *testing.T, prompt string, s *Scene) ([]string, []string) {
		path := filepath.Join(s.home, ".factory", "settings.json")
		doc := map[string]any{}
		if b, err := os.ReadFile(path); err == nil {
			json.Unmarshal(b, &doc)
		}
		doc["customModels"] = []any{map[string]any{"model": "mock-model", "displayName": "Mock", "baseUrl": s.url + "/v1",
			"apiKey": "fake-key", "provider": "generic-chat-completion-api", "maxOutputTokens": 4096}}
		b, _ := json.MarshalIndent(doc, "", "  ")
		os.MkdirAll(filepath.Dir(path), 0o700)
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return []string{"exec", "--skip-permissions-unsafe", "-m", "custom:Mock-0", prompt}, nil
	},
}
