package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// opencode runs `opencode run` against chatMock through an
// openai-compatible provider in the project's opencode.json; the XDG
// folders are under the test's HOME, and noxkey's plugin is in the
// project's .opencode/plugins.
var opencode = &agent{
	name: "opencode", binEnv: "NOXKEY_E2E_OPENCODE", pkg: "opencode-ai",
	mock: func(t *testing.T, script []step) (string, func() [][]byte) {
		return newChatMock(t, script, "mock-model")
	},
	command: func(t *testing.T, prompt string, s *scene) ([]string, []string) {
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

func TestOpencodeSharedScenarios(t *testing.T) {
	t.Parallel()
	runSharedScenarios(t, opencode, nil)
}

func TestOpencodeRunsCommandsAsWithoutNoxkey(t *testing.T) {
	t.Parallel()
	runFidelityScenarios(t, opencode)
}

func TestOpencodeReadOfASecretFile(t *testing.T) {
	t.Parallel()
	var file string
	r := opencode.run(t, "read config", []step{{tool: "read", next: func(string) step {
		return step{tool: "read", input: map[string]any{"filePath": file}}
	}}}, scenarioOpts{setup: func(p string) {
		file = filepath.Join(p, "config.yml")
		os.WriteFile(file, []byte("api:\n  token: "+testSecret+"\n  retries: 3\n"), 0o600)
	}})
	r.assertNoLeak(t)
	if !r.saw("retries: 3") || !r.saw(placeholder) {
		t.Fatalf("the redacted file never reached the model: %s", r.events)
	}
}

func TestOpencodePromptHoldingASecretIsBlocked(t *testing.T) {
	t.Parallel()
	assertPromptBlocked(t, opencode, "opencode prompt")
}

// TestOpencodeIsRecognisedAsAnAgent: the daemon's detection names
// opencode, so noxkey get hands off to it and refuses it plaintext.
func TestOpencodeIsRecognisedAsAnAgent(t *testing.T) {
	t.Parallel()
	nk := filepath.Join(bins, "noxkey")
	r := opencode.run(t, "who", []step{
		shell(nk + ` whoami`),
		shell(nk + ` get --raw acme/test/NOXKEY_TEST_SECRET; echo "exit=$?"`),
	}, scenarioOpts{fromVault: true})
	r.assertNoLeak(t)
	if !r.saw("agent: opencode") || !r.saw("This command is not available to AI agents.") {
		t.Fatalf("opencode was not recognised: %s", r.events)
	}
}

// TestOpencodeFailsClosedWithoutNoxkeyHook: when the plugin cannot run
// noxkey-hook, the prompt is refused (opencode reports an error; its log
// has the plugin's reason) and no command runs: nothing reaches the model.
func TestOpencodeFailsClosedWithoutNoxkeyHook(t *testing.T) {
	t.Parallel()
	r := opencode.run(t, "print the key", []step{shell(`echo "key is $NOXKEY_TEST_SECRET"`)}, scenarioOpts{setup: func(p string) {
		plugin := filepath.Join(p, ".opencode", "plugins", "noxkey.js")
		b, err := os.ReadFile(plugin)
		if err != nil {
			t.Fatal(err)
		}
		const ours = `const HOOK = "noxkey-hook"` // a project file names it alone
		if !strings.Contains(string(b), ours) {
			t.Fatalf("the plugin lacks %s", ours)
		}
		b = []byte(strings.Replace(string(b), ours, `const HOOK = "/nonexistent/noxkey-hook"`, 1))
		os.WriteFile(plugin, b, 0o600)
	}})
	r.assertNoneCarries(t)
	if r.saw("key is") || strings.Contains(r.stdout, "done") || !strings.Contains(r.stderr, "Error") {
		t.Fatalf("the turn was not refused: stdout %q", hide(r.stdout))
	}
}
