package claude

import (
	"github.com/noxkey/noxkey/e2e"

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
// prepares (see e2e.Agent.Run).
func runClaude(t *testing.T, prompt string, script []e2e.Step, setup func(project string)) *e2e.Result {
	t.Helper()
	return e2e.Claude.Run(t, prompt, script, e2e.Opts{Setup: setup})
}

// A failing command goes to PostToolUseFailure, whose output cannot be
// replaced: noxkey's shell prefix filters it while it runs, and its exit
// status comes through.
func TestClaudeSharedScenarios(t *testing.T) {
	e2e.SharedScenarios(t, e2e.Claude, map[string][]string{"failing command prints the secret": {"Exit code 3"}})
}

func TestClaudeRunsCommandsAsWithoutNoxkey(t *testing.T) { e2e.FidelityScenarios(t, e2e.Claude) }

// Output over 30,000 characters: Claude Code saves it to a file and the
// model reads that file back with Read.
func TestClaudeLargeOutputSavedToAFileAndReadBack(t *testing.T) {
	readSaved := e2e.Step{Next: func(last string) e2e.Step {
		i := strings.Index(last, "saved to: ")
		if i < 0 {
			return e2e.Step{Text: "no saved file in: " + last[:min(200, len(last))]}
		}
		path := strings.Fields(last[i+len("saved to: "):])[0]
		return e2e.Step{Tool: "Read", Input: map[string]any{"file_path": path}}
	}}
	r := runClaude(t, "big output", []e2e.Step{
		e2e.Shell(`for i in $(seq 1 1500); do echo "line $i filler text to make the output long enough"; done; echo "tail $NOXKEY_TEST_SECRET"`),
		readSaved,
	}, nil)
	r.AssertNoLeak(t)
	if !r.Saw("Full output saved to: ") {
		t.Fatal("Claude Code did not persist the large output: the scenario did not run as meant")
	}
	if !r.Saw("tail " + e2e.Placeholder) {
		t.Fatal("the saved output's redacted tail never reached the model")
	}
}

func TestClaudeReadToolOnASecretFile(t *testing.T) {
	r := runClaude(t, "read config", []e2e.Step{{Tool: "Read", Input: map[string]any{"file_path": "config.yml"}}}, func(project string) {
		os.WriteFile(filepath.Join(project, "config.yml"), []byte("api:\n  token: "+e2e.Secret+"\n  retries: 3\n"), 0o600)
	})
	r.AssertNoLeak(t)
	if !r.Saw("retries: 3") {
		t.Fatal("the file never reached the model")
	}
}

func TestClaudeGrepHit(t *testing.T) {
	r := runClaude(t, "find the token", []e2e.Step{{Tool: "Grep", Input: map[string]any{"pattern": "token", "output_mode": "content"}}}, func(project string) {
		os.WriteFile(filepath.Join(project, "app.py"), []byte("token = '"+e2e.Secret+"'\n"), 0o600)
	})
	r.AssertNoLeak(t)
	if !r.Saw(e2e.Placeholder) {
		t.Fatal("no redacted grep hit seen")
	}
}

// A background command: Claude Code 2.1.332 names the file its output is
// written to and the model reads it with Read (TaskOutput, the older
// reader, is offered too and answered the same way).
func TestClaudeBackgroundCommandReadBack(t *testing.T) {
	var outFile string
	r := runClaude(t, "background", []e2e.Step{
		{Tool: "Bash", Input: map[string]any{"command": `sleep 1; echo "bg $NOXKEY_TEST_SECRET"`, "description": "bg", "run_in_background": true}},
		{Next: func(last string) e2e.Step {
			i := strings.Index(last, "written to: ")
			if i < 0 {
				return e2e.Step{Text: "no output file in: " + last[:min(200, len(last))]}
			}
			outFile = strings.TrimRight(strings.Fields(last[i+len("written to: "):])[0], ".")
			return e2e.Shell("sleep 3")
		}},
		{Next: func(string) e2e.Step { return e2e.Step{Tool: "Read", Input: map[string]any{"file_path": outFile}} }},
	}, nil)
	r.AssertNoLeak(t)
	if !r.Saw("bg " + e2e.Placeholder) {
		t.Fatal("the background output never reached the model redacted")
	}
}

// A prompt holding a secret is blocked before anything is sent: the mock
// sees no request with it (here: none at all) and the user sees why.
func TestClaudePromptHoldingASecretIsBlocked(t *testing.T) {
	r := runClaude(t, "deploy with key "+e2e.Secret, []e2e.Step{e2e.Shell(`echo should not run`)}, nil)
	if r.Saw(e2e.Secret) || r.Saw("should not run") {
		t.Fatal("the prompt was sent or processed")
	}
	if out := r.Stdout + r.Stderr; !strings.Contains(out, "your prompt contains the secret acme/test/NOXKEY_TEST_SECRET") || strings.Contains(out, e2e.Secret) {
		t.Fatalf("the user is not told why, or sees the value: stdout %q stderr %q", e2e.Hide(r.Stdout), e2e.Hide(r.Stderr))
	}
}

// Two consecutive Bash calls: cd in the first persists into the second, as
// without the hook.
func TestClaudeCdPersistsAcrossBashCalls(t *testing.T) {
	r := runClaude(t, "cd and pwd", []e2e.Step{e2e.Shell(`mkdir -p sub && cd sub`), e2e.Shell(`pwd`)}, nil)
	r.AssertNoLeak(t)
	if !r.Saw(filepath.Join(r.Project, "sub")) {
		t.Fatal("the second call did not run in sub")
	}
}

// A large file: Claude Code counts its tokens (sending the content to
// count_tokens) before PostToolUse runs, so the PreToolUse Read hook must
// point the read at a redacted copy.
func TestClaudeReadToolOnALargeSecretFile(t *testing.T) {
	r := runClaude(t, "read the dump", []e2e.Step{{Tool: "Read", Input: map[string]any{"file_path": "dump.txt"}}}, func(project string) {
		var b strings.Builder
		for i := 0; b.Len() < 200<<10; i++ {
			b.WriteString("row " + strings.Repeat("x", 60) + "\n")
			if i == 1000 {
				b.WriteString("secret row " + e2e.Secret + "\n")
			}
		}
		os.WriteFile(filepath.Join(project, "dump.txt"), []byte(b.String()), 0o600)
	})
	r.AssertNoLeak(t)
	if !r.Saw("secret row " + e2e.Placeholder) {
		t.Fatal("the redacted file never reached the model")
	}
	if r.Saw("/run/redacted/") && !r.Saw("dump.txt") {
		t.Error("the model saw the copy's path instead of the file's")
	}
}

// TestClaudeEvalGetHandsOffWithoutTheValue: the secret is only in the
// vault. Claude Code's shell runs eval "$(noxkey get ...)" and uses the
// variable; what the model sees is a source line and a hash, never the
// value; plaintext and bulk commands are refused to it.
func TestClaudeEvalGetHandsOffWithoutTheValue(t *testing.T) {
	sum := sha256.Sum256([]byte(e2e.Secret))
	r := e2e.Claude.Run(t, "use the key", []e2e.Step{
		e2e.Shell(`noxkey get acme/test/NOXKEY_TEST_SECRET`),
		e2e.Shell(`eval "$(noxkey get acme/test/NOXKEY_TEST_SECRET)" && printf '%s' "$NOXKEY_TEST_SECRET" | sha256sum && echo "len=${#NOXKEY_TEST_SECRET}"`),
		e2e.Shell(`noxkey get --raw acme/test/NOXKEY_TEST_SECRET; echo "exit=$?"`),
		e2e.Shell(`noxkey whoami --explain`),
	}, e2e.Opts{FromVault: true})
	r.AssertNoLeak(t)
	if !r.Saw("source '") {
		t.Error("the model never saw the source line noxkey get prints to an agent")
	}
	if !r.Saw(hex.EncodeToString(sum[:])) || !r.Saw(fmt.Sprintf("len=%d", len(e2e.Secret))) {
		t.Error("the variable in Claude Code's shell does not hold the value")
	}
	if !r.Saw("This command is not available to AI agents.") || !r.Saw("exit=4") {
		t.Error("get --raw was not refused to Claude Code")
	}
	if !r.Saw("agent: claude") {
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
	script := []e2e.Step{
		e2e.Shell(`echo hello-$((40+2))`),
		e2e.Shell(`cat key.txt`),
		e2e.Shell(`printf 'denied-%s\n' ran`),
		e2e.Shell(`touch unlisted.txt`),
	}
	var results [2][]string
	for i, noHooks := range []bool{true, false} {
		r := e2e.Claude.Run(t, "rules", script, e2e.Opts{NoHooks: noHooks, ReplaceArgs: true,
			Args:  []string{"--allowedTools", "Bash(echo:*)", "Bash(cat:*)", "--disallowedTools", "Bash(printf:*)"},
			Setup: func(p string) { os.WriteFile(filepath.Join(p, "key.txt"), []byte("key="+e2e.Secret+"\n"), 0o600) }})
		for _, b := range r.Bodies() {
			s := strings.ReplaceAll(strings.ReplaceAll(e2e.LastToolResult(b), e2e.Secret, e2e.Placeholder), r.Scene.Root, "<root>")
			if s != "" && !slices.Contains(results[i], s) {
				results[i] = append(results[i], s)
			}
		}
		if _, err := os.Stat(filepath.Join(r.Project, "unlisted.txt")); err == nil {
			t.Fatal("a command no rule allows ran in -p mode")
		}
		if !noHooks {
			r.AssertNoLeak(t)
		}
	}
	if len(results[0]) != len(script) || !slices.Equal(results[0], results[1]) {
		t.Fatalf("results differ:\nwithout noxkey: %q\nwith noxkey:    %q", results[0], results[1])
	}
	if results[1][0] != "hello-42" || results[1][1] != "key="+e2e.Placeholder || !strings.Contains(results[1][2], "denied") {
		t.Fatalf("results: %q", results[1])
	}
}

// TestClaudeBackgroundServerReturnsAtOnce: a command that starts a server
// in the background returns when the command does, as without noxkey;
// what the server prints later is filtered into the task's output file.
func TestClaudeBackgroundServerReturnsAtOnce(t *testing.T) {
	start := time.Now()
	r := runClaude(t, "start a server", []e2e.Step{
		e2e.Shell(`(python3 -m http.server 0 >/dev/null 2>&1 &) ; (sleep 2; echo "late $NOXKEY_TEST_SECRET") & sleep .5; echo started`),
		e2e.Shell(`echo next`),
	}, nil)
	took := time.Since(start)
	r.AssertNoLeak(t)
	if !r.Saw("started") || !r.Saw("next") {
		t.Fatalf("the commands did not both finish: %s", r.Events)
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
		r := e2e.Claude.Run(t, "read", []e2e.Step{{Tool: "Read", Input: map[string]any{"file_path": "config.yml"}}}, e2e.Opts{NoHooks: noHooks, ReplaceArgs: true,
			Args: []string{"--allowedTools", "Read", "--disallowedTools", "Read(./config.yml)"},
			Setup: func(p string) {
				os.WriteFile(filepath.Join(p, "config.yml"), []byte("token: "+e2e.Secret+"\nretries: 3\n"), 0o600)
			}})
		r.AssertNoneCarries(t)
		for _, b := range r.Bodies() {
			if s := e2e.LastToolResult(b); s != "" {
				results[i] = s
			}
		}
	}
	if !strings.Contains(results[0], "denied") || results[0] != results[1] {
		t.Fatalf("without noxkey %q, with it %q", results[0], results[1])
	}
}

// TestScrubCleansClaudeTranscripts: Claude Code keeps the secret in its
// session files; noxkey scrub redacts it there.
func TestScrubCleansClaudeTranscripts(t *testing.T) {
	e2e.ScrubCleansTranscripts(t, e2e.Claude, ".claude", ".jsonl")
}

// TestClaudeResumesAScrubbedSession: the real Claude Code resumes
// (--continue) a session that noxkey scrub redacted, against the mock: the
// earlier turn is replayed with the placeholder, and the secret is sent
// nowhere.
func TestClaudeResumesAScrubbedSession(t *testing.T) {
	r := e2e.Claude.Run(t, "print the key", []e2e.Step{e2e.Shell(`echo "key is $NOXKEY_TEST_SECRET"`)}, e2e.Opts{NoHooks: true})
	if !r.Saw(e2e.Secret) {
		t.Fatal("without hooks the secret should reach the mock")
	}
	if code, out := e2e.ScrubAgentFiles(t, r, "claude"); code != 1 {
		t.Fatalf("scrub: exit %d\n%s", code, e2e.Hide(out))
	}
	again := e2e.Claude.Run(t, "and now?", nil, e2e.Opts{NoHooks: true, Again: r, Args: []string{"--continue"}})
	if !again.Saw("print the key") || !again.Saw("[REDACTED:acme/test/NOXKEY_TEST_SECRET]") {
		t.Fatalf("the resumed session did not replay the scrubbed turn; stderr %s", e2e.Hide(again.Stderr))
	}
	if again.Saw(e2e.Secret) {
		t.Fatal("the resumed session sent the secret")
	}
}
