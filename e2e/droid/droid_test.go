package droid

import (
	"github.com/noxkey/noxkey/e2e"

	"os"
	"path/filepath"
	"testing"
)

// Droid's PostToolUse cannot replace a result, so the shared scenarios
// pass only through the Execute rewrite.
func TestDroidSharedScenarios(t *testing.T) {
	t.Parallel()
	e2e.SharedScenarios(t, e2e.Droid, nil)
}

func TestDroidRunsCommandsAsWithoutNoxkey(t *testing.T) {
	t.Parallel()
	e2e.FidelityScenarios(t, e2e.Droid)
}

// Read and Grep of a file holding a secret are refused with the reason;
// a Read of a file without one goes through.
func TestDroidReadAndGrepOfASecretFile(t *testing.T) {
	t.Parallel()
	var dir string
	r := e2e.Droid.Run(t, "read config", []e2e.Step{
		{Tool: "Read", Next: func(string) e2e.Step {
			return e2e.Step{Tool: "Read", Input: map[string]any{"file_path": filepath.Join(dir, "config.yml")}}
		}},
		{Tool: "Grep", Next: func(string) e2e.Step {
			return e2e.Step{Tool: "Grep", Input: map[string]any{"pattern": "token", "path": dir, "output_mode": "content"}}
		}},
		{Tool: "Read", Next: func(string) e2e.Step {
			return e2e.Step{Tool: "Read", Input: map[string]any{"file_path": filepath.Join(dir, "README")}}
		}},
	}, e2e.Opts{Setup: func(p string) {
		dir = p
		os.WriteFile(filepath.Join(p, "config.yml"), []byte("api:\n  token: "+e2e.Secret+"\n  retries: 3\n"), 0o600)
		os.WriteFile(filepath.Join(p, "README"), []byte("plain readme text\n"), 0o600)
	}})
	r.AssertNoLeak(t)
	if !r.Saw("config.yml holds the secret acme/test/NOXKEY_TEST_SECRET") || !r.Saw("Search with grep through Execute") {
		t.Fatalf("the refusals never reached the model: %s", r.Events)
	}
	if !r.Saw("plain readme text") {
		t.Fatal("a file without a secret was not read")
	}
}

// TestDroidIsRecognisedAsAnAgent: the daemon's detection names droid.
func TestDroidIsRecognisedAsAnAgent(t *testing.T) {
	t.Parallel()
	e2e.RecognisedAsAgent(t, e2e.Droid)
}
