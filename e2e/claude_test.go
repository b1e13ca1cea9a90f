package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// runClaude runs Claude Code through script in a project that setup
// prepares (see agent.run).
func runClaude(t *testing.T, prompt string, script []step, setup func(project string)) *agentRun {
	t.Helper()
	return claude.run(t, prompt, script, scenarioOpts{setup: setup})
}

// A failing command goes to PostToolUseFailure, whose output cannot be
// replaced: noxkey's shell prefix filters it while it runs, and its exit
// status comes through.
func TestClaudeSharedScenarios(t *testing.T) {
	runSharedScenarios(t, claude, map[string][]string{"failing command prints the secret": {"Exit code 3"}})
}

func TestClaudeRunsCommandsAsWithoutNoxkey(t *testing.T) { runFidelityScenarios(t, claude) }

// Output over 30,000 characters: Claude Code saves it to a file and the
// model reads that file back with Read.
func TestClaudeLargeOutputSavedToAFileAndReadBack(t *testing.T) {
	readSaved := step{next: func(last string) step {
		i := strings.Index(last, "saved to: ")
		if i < 0 {
			return step{text: "no saved file in: " + last[:min(200, len(last))]}
		}
		path := strings.Fields(last[i+len("saved to: "):])[0]
		return step{tool: "Read", input: map[string]any{"file_path": path}}
	}}
	r := runClaude(t, "big output", []step{
		shell(`for i in $(seq 1 1500); do echo "line $i filler text to make the output long enough"; done; echo "tail $NOXKEY_TEST_SECRET"`),
		readSaved,
	}, nil)
	r.assertNoLeak(t)
	if !r.saw("Full output saved to: ") {
		t.Fatal("Claude Code did not persist the large output: the scenario did not run as meant")
	}
	if !r.saw("tail " + placeholder) {
		t.Fatal("the saved output's redacted tail never reached the model")
	}
}

func TestClaudeReadToolOnASecretFile(t *testing.T) {
	r := runClaude(t, "read config", []step{{tool: "Read", input: map[string]any{"file_path": "config.yml"}}}, func(project string) {
		os.WriteFile(filepath.Join(project, "config.yml"), []byte("api:\n  token: "+testSecret+"\n  retries: 3\n"), 0o600)
	})
	r.assertNoLeak(t)
	if !r.saw("retries: 3") {
		t.Fatal("the file never reached the model")
	}
}

func TestClaudeGrepHit(t *testing.T) {
	r := runClaude(t, "find the token", []step{{tool: "Grep", input: map[string]any{"pattern": "token", "output_mode": "content"}}}, func(project string) {
		os.WriteFile(filepath.Join(project, "app.py"), []byte("token = '"+testSecret+"'\n"), 0o600)
	})
	r.assertNoLeak(t)
	if !r.saw(placeholder) {
		t.Fatal("no redacted grep hit seen")
	}
}

// A background command: Claude Code 2.1.332 names the file its output is
// written to and the model reads it with Read (TaskOutput, the older
// reader, is offered too and answered the same way).
func TestClaudeBackgroundCommandReadBack(t *testing.T) {
	var outFile string
	r := runClaude(t, "background", []step{
		{tool: "Bash", input: map[string]any{"command": `sleep 1; echo "bg $NOXKEY_TEST_SECRET"`, "description": "bg", "run_in_background": true}},
		{next: func(last string) step {
			i := strings.Index(last, "written to: ")
			if i < 0 {
				return step{text: "no output file in: " + last[:min(200, len(last))]}
			}
			outFile = strings.TrimRight(strings.Fields(last[i+len("written to: "):])[0], ".")
			return shell("sleep 3")
		}},
		{next: func(string) step { return step{tool: "Read", input: map[string]any{"file_path": outFile}} }},
	}, nil)
	r.assertNoLeak(t)
	if !r.saw("bg " + placeholder) {
		t.Fatal("the background output never reached the model redacted")
	}
}

// A prompt holding a secret is blocked before anything is sent: the mock
// sees no request with it (here: none at all) and the user sees why.
func TestClaudePromptHoldingASecretIsBlocked(t *testing.T) {
	r := runClaude(t, "deploy with key "+testSecret, []step{shell(`echo should not run`)}, nil)
	if r.saw(testSecret) || r.saw("should not run") {
		t.Fatal("the prompt was sent or processed")
	}
	if out := r.stdout + r.stderr; !strings.Contains(out, "your prompt contains the secret acme/test/NOXKEY_TEST_SECRET") || strings.Contains(out, testSecret) {
		t.Fatalf("the user is not told why, or sees the value: stdout %q stderr %q", hide(r.stdout), hide(r.stderr))
	}
}

// Two consecutive Bash calls: cd in the first persists into the second, as
// without the hook.
func TestClaudeCdPersistsAcrossBashCalls(t *testing.T) {
	r := runClaude(t, "cd and pwd", []step{shell(`mkdir -p sub && cd sub`), shell(`pwd`)}, nil)
	r.assertNoLeak(t)
	if !r.saw(filepath.Join(r.project, "sub")) {
		t.Fatal("the second call did not run in sub")
	}
}

// A large file: Claude Code counts its tokens (sending the content to
// count_tokens) before PostToolUse runs, so the PreToolUse Read hook must
// point the read at a redacted copy.
func TestClaudeReadToolOnALargeSecretFile(t *testing.T) {
	r := runClaude(t, "read the dump", []step{{tool: "Read", input: map[string]any{"file_path": "dump.txt"}}}, func(project string) {
		var b strings.Builder
		for i := 0; b.Len() < 200<<10; i++ {
			b.WriteString("row " + strings.Repeat("x", 60) + "\n")
			if i == 1000 {
				b.WriteString("secret row " + testSecret + "\n")
			}
		}
		os.WriteFile(filepath.Join(project, "dump.txt"), []byte(b.String()), 0o600)
	})
	r.assertNoLeak(t)
	if !r.saw("secret row " + placeholder) {
		t.Fatal("the redacted file never reached the model")
	}
	if r.saw("/run/redacted/") && !r.saw("dump.txt") {
		t.Error("the model saw the copy's path instead of the file's")
	}
}

// TestClaudeEvalGetHandsOffWithoutTheValue: the secret is only in the
// vault. Claude Code's shell runs eval "$(noxkey get ...)" and uses the
// variable; what the model sees is a source line and a hash, never the
// value; plaintext and bulk commands are refused to it.
func TestClaudeEvalGetHandsOffWithoutTheValue(t *testing.T) {
	sum := sha256.Sum256([]byte(testSecret))
	r := claude.run(t, "use the key", []step{
		shell(`noxkey get acme/test/NOXKEY_TEST_SECRET`),
		shell(`eval "$(noxkey get acme/test/NOXKEY_TEST_SECRET)" && printf '%s' "$NOXKEY_TEST_SECRET" | sha256sum && echo "len=${#NOXKEY_TEST_SECRET}"`),
		shell(`noxkey get --raw acme/test/NOXKEY_TEST_SECRET; echo "exit=$?"`),
		shell(`noxkey whoami --explain`),
	}, scenarioOpts{fromVault: true})
	r.assertNoLeak(t)
	if !r.saw("source '") {
		t.Error("the model never saw the source line noxkey get prints to an agent")
	}
	if !r.saw(hex.EncodeToString(sum[:])) || !r.saw(fmt.Sprintf("len=%d", len(testSecret))) {
		t.Error("the variable in Claude Code's shell does not hold the value")
	}
	if !r.saw("This command is not available to AI agents.") || !r.saw("exit=4") {
		t.Error("get --raw was not refused to Claude Code")
	}
	if !r.saw("agent: claude") {
		t.Error("whoami did not report Claude Code")
	}
}

// TestClaudePermissionRulesJudgeTheCommandAsWritten: Claude Code matches
// the user's rules against the command the model wrote, as without
// noxkey. Each tool result, run with and without noxkey's hooks, is the
// same but for the redaction: an allowed command runs unprompted (its
// output filtered), a denied one is refused, and in -p mode one that no
// rule allows is refused too.
func TestClaudePermissionRulesJudgeTheCommandAsWritten(t *testing.T) {
	script := []step{
		shell(`echo hello-$((40+2))`),
		shell(`cat key.txt`),
		shell(`printf 'denied-%s\n' ran`),
		shell(`touch unlisted.txt`),
	}
	var results [2][]string
	for i, noHooks := range []bool{true, false} {
		r := claude.run(t, "rules", script, scenarioOpts{noHooks: noHooks, replaceArgs: true,
			args:  []string{"--allowedTools", "Bash(echo:*)", "Bash(cat:*)", "--disallowedTools", "Bash(printf:*)"},
			setup: func(p string) { os.WriteFile(filepath.Join(p, "key.txt"), []byte("key="+testSecret+"\n"), 0o600) }})
		for _, b := range r.bodies() {
			s := strings.ReplaceAll(strings.ReplaceAll(lastToolResult(b), testSecret, placeholder), r.scene.root, "<root>")
			if s != "" && !slices.Contains(results[i], s) {
				results[i] = append(results[i], s)
			}
		}
		if _, err := os.Stat(filepath.Join(r.project, "unlisted.txt")); err == nil {
			t.Fatal("a command no rule allows ran in -p mode")
		}
		if !noHooks {
			r.assertNoLeak(t)
		}
	}
	if len(results[0]) != len(script) || !slices.Equal(results[0], results[1]) {
		t.Fatalf("results differ:\nwithout noxkey: %q\nwith noxkey:    %q", results[0], results[1])
	}
	if results[1][0] != "hello-42" || results[1][1] != "key="+placeholder || !strings.Contains(results[1][2], "denied") {
		t.Fatalf("results: %q", results[1])
	}
}

// TestClaudeBackgroundServerReturnsAtOnce: a command that starts a server
// in the background returns when the command does, as without noxkey;
// what the server prints later is filtered into the task's output file.
func TestClaudeBackgroundServerReturnsAtOnce(t *testing.T) {
	start := time.Now()
	r := runClaude(t, "start a server", []step{
		shell(`(python3 -m http.server 0 >/dev/null 2>&1 &) ; (sleep 2; echo "late $NOXKEY_TEST_SECRET") & sleep .5; echo started`),
		shell(`echo next`),
	}, nil)
	took := time.Since(start)
	r.assertNoLeak(t)
	if !r.saw("started") || !r.saw("next") {
		t.Fatalf("the commands did not both finish: %s", r.events)
	}
	if took > 60*time.Second {
		t.Fatalf("the run took %v: the background job held the command", took)
	}
	exec.Command("pkill", "-f", "http.server 0").Run()
}

// TestClaudeReadDenyRuleStillApplies: a Read of a file holding a secret is
// pointed at a redacted copy, yet the user's Read deny rule for the file
// still refuses it, with the same result as without noxkey.
func TestClaudeReadDenyRuleStillApplies(t *testing.T) {
	var results [2]string
	for i, noHooks := range []bool{true, false} {
		r := claude.run(t, "read", []step{{tool: "Read", input: map[string]any{"file_path": "config.yml"}}}, scenarioOpts{noHooks: noHooks, replaceArgs: true,
			args: []string{"--allowedTools", "Read", "--disallowedTools", "Read(./config.yml)"},
			setup: func(p string) {
				os.WriteFile(filepath.Join(p, "config.yml"), []byte("token: "+testSecret+"\nretries: 3\n"), 0o600)
			}})
		r.assertNoneCarries(t)
		for _, b := range r.bodies() {
			if s := lastToolResult(b); s != "" {
				results[i] = s
			}
		}
	}
	if !strings.Contains(results[0], "denied") || results[0] != results[1] {
		t.Fatalf("without noxkey %q, with it %q", results[0], results[1])
	}
}
