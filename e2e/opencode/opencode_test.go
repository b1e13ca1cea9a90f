package opencode

import (
	"github.com/noxkey/noxkey/e2e"

	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOpencodeSharedScenarios(t *testing.T) {
	t.Parallel()
	e2e.SharedScenarios(t, e2e.Opencode, nil)
}

func TestOpencodeRunsCommandsAsWithoutNoxkey(t *testing.T) {
	t.Parallel()
	e2e.FidelityScenarios(t, e2e.Opencode)
}

func TestOpencodeReadOfASecretFile(t *testing.T) {
	t.Parallel()
	var file string
	r := e2e.Opencode.Run(t, "read config", []e2e.Step{{Tool: "read", Next: func(string) e2e.Step {
		return e2e.Step{Tool: "read", Input: map[string]any{"filePath": file}}
	}}}, e2e.Opts{Setup: func(p string) {
		file = filepath.Join(p, "config.yml")
		os.WriteFile(file, []byte("api:\n  token: "+e2e.Secret+"\n  retries: 3\n"), 0o600)
	}})
	r.AssertNoLeak(t)
	if !r.Saw("retries: 3") || !r.Saw(e2e.Placeholder) {
		t.Fatalf("the redacted file never reached the model: %s", r.Events)
	}
}

func TestOpencodePromptHoldingASecretIsBlocked(t *testing.T) {
	t.Parallel()
	e2e.PromptBlocked(t, e2e.Opencode, "opencode prompt")
}

// TestOpencodeIsRecognisedAsAnAgent: the daemon's detection names opencode.
func TestOpencodeIsRecognisedAsAnAgent(t *testing.T) {
	t.Parallel()
	e2e.RecognisedAsAgent(t, e2e.Opencode)
}

// TestOpencodeFailsClosedWithoutNoxkeyHook: when the plugin cannot run
// noxkey-hook, the prompt is refused (opencode reports an error; its log
// has the plugin's reason) and no command runs: nothing reaches the model.
func TestOpencodeFailsClosedWithoutNoxkeyHook(t *testing.T) {
	t.Parallel()
	r := e2e.Opencode.Run(t, "print the key", []e2e.Step{e2e.Shell(`echo "key is $NOXKEY_TEST_SECRET"`)}, e2e.Opts{Setup: func(p string) {
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
	r.AssertNoneCarries(t)
	if r.Saw("key is") || strings.Contains(r.Stdout, "done") || !strings.Contains(r.Stderr, "Error") {
		t.Fatalf("the turn was not refused: stdout %q", e2e.Hide(r.Stdout))
	}
}
