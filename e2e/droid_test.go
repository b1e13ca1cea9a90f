package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// droid runs Factory's `droid exec` against chatMock through a custom
// model in ~/.factory/settings.json (added to what `noxkey hooks install`
// wrote there). No sign-in is needed.
var droid = &agent{
	name: "droid", binEnv: "NOXKEY_E2E_DROID", pkg: "@factory/cli-linux-x64",
	mock: func(t *testing.T, script []step) (string, func() [][]byte) {
		return newChatMock(t, script, "mock-model")
	},
	command: func(t *testing.T, prompt string, s *scene) ([]string, []string) {
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

// Droid's PostToolUse cannot replace a result, so the shared scenarios
// pass only through the Execute rewrite.
func TestDroidSharedScenarios(t *testing.T) {
	t.Parallel()
	runSharedScenarios(t, droid, nil)
}

func TestDroidRunsCommandsAsWithoutNoxkey(t *testing.T) {
	t.Parallel()
	runFidelityScenarios(t, droid)
}

// Read and Grep of a file holding a secret are refused with the reason;
// a Read of a file without one goes through.
func TestDroidReadAndGrepOfASecretFile(t *testing.T) {
	t.Parallel()
	var dir string
	r := droid.run(t, "read config", []step{
		{tool: "Read", next: func(string) step {
			return step{tool: "Read", input: map[string]any{"file_path": filepath.Join(dir, "config.yml")}}
		}},
		{tool: "Grep", next: func(string) step {
			return step{tool: "Grep", input: map[string]any{"pattern": "token", "path": dir, "output_mode": "content"}}
		}},
		{tool: "Read", next: func(string) step {
			return step{tool: "Read", input: map[string]any{"file_path": filepath.Join(dir, "README")}}
		}},
	}, scenarioOpts{setup: func(p string) {
		dir = p
		os.WriteFile(filepath.Join(p, "config.yml"), []byte("api:\n  token: "+testSecret+"\n  retries: 3\n"), 0o600)
		os.WriteFile(filepath.Join(p, "README"), []byte("plain readme text\n"), 0o600)
	}})
	r.assertNoLeak(t)
	if !r.saw("config.yml holds the secret acme/test/NOXKEY_TEST_SECRET") || !r.saw("Search with grep through Execute") {
		t.Fatalf("the refusals never reached the model: %s", r.events)
	}
	if !r.saw("plain readme text") {
		t.Fatal("a file without a secret was not read")
	}
}

// TestDroidIsRecognisedAsAnAgent: the daemon's detection names
// droid, so noxkey get hands off to it and refuses it plaintext.
func TestDroidIsRecognisedAsAnAgent(t *testing.T) {
	t.Parallel()
	nk := filepath.Join(bins, "noxkey")
	r := droid.run(t, "who", []step{
		shell(nk + ` whoami`),
		shell(nk + ` get --raw acme/test/NOXKEY_TEST_SECRET; echo "exit=$?"`),
	}, scenarioOpts{fromVault: true})
	r.assertNoLeak(t)
	if !r.saw("agent: droid") || !r.saw("This command is not available to AI agents.") {
		t.Fatalf("droid was not recognised: %s", r.events)
	}
}
