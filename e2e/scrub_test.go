package e2e

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// scrubAgentFiles runs the real `noxkey scrub --agent NAME` on the files a
// real agent left in its HOME (set back a minute, as an agent closed a
// while ago leaves them) and returns its exit status and output.
func scrubAgentFiles(t *testing.T, r *agentRun, agent string) (int, string) {
	t.Helper()
	then := time.Now().Add(-time.Minute)
	filepath.WalkDir(r.home, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			os.Chtimes(p, then, then)
		}
		return nil
	})
	env := []string{"HOME=" + r.home, "NOXKEY_HOME=" + r.nk, "PATH=" + bins + ":/usr/bin:/bin"}
	c := exec.Command(filepath.Join(bins, "noxkey"), "scrub", "--agent", agent)
	c.Env = env
	out, _ := c.CombinedOutput()
	// scrub asks the daemon who calls, which starts one: stop it.
	t.Cleanup(func() {
		stop := exec.Command(filepath.Join(bins, "noxkey"), "daemon", "stop")
		stop.Env = env
		stop.Run()
	})
	return c.ProcessState.ExitCode(), string(out)
}

// leftIn returns the files under dir (by name suffix) that still hold the
// secret raw, JSON-escaped or in base64, and checks that every line of a
// .jsonl file is JSON.
func leftIn(t *testing.T, dir string, suffixes ...string) (left []string, files int) {
	t.Helper()
	forms := [][]byte{[]byte(testSecret), []byte(base64.StdEncoding.EncodeToString([]byte(testSecret)))}
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		match := false
		for _, s := range suffixes {
			match = match || strings.HasSuffix(p, s)
		}
		if !match {
			return nil
		}
		files++
		b, _ := os.ReadFile(p)
		for _, f := range forms {
			if bytes.Contains(b, f) {
				left = append(left, p)
				break
			}
		}
		if strings.HasSuffix(p, ".jsonl") {
			sc := bufio.NewScanner(bytes.NewReader(b))
			sc.Buffer(nil, 64<<20)
			for n := 1; sc.Scan(); n++ {
				if len(bytes.TrimSpace(sc.Bytes())) > 0 && !json.Valid(sc.Bytes()) {
					t.Errorf("%s:%d is not JSON after scrub", p, n)
				}
			}
		}
		return nil
	})
	return left, files
}

// TestScrubCleansRealTranscripts: each real agent, run without noxkey's
// hooks, leaves the secret in the files it keeps; noxkey scrub finds it
// there (exit 1) and redacts it, and every JSON Lines file still parses.
// Codex also keeps it in an SQLite database, which scrub reports and
// leaves (it cannot rewrite a database).
func TestScrubCleansRealTranscripts(t *testing.T) {
	for _, c := range []struct {
		a        *agent
		suffixes []string
	}{
		{claude, []string{".jsonl"}},
		{codex, []string{".jsonl"}},
		{gemini, []string{".jsonl", ".json"}},
	} {
		t.Run(c.a.name, func(t *testing.T) {
			r := c.a.run(t, "print the key", []step{shell(`echo "key is $NOXKEY_TEST_SECRET"`)}, scenarioOpts{noHooks: true})
			if !r.saw(testSecret) {
				t.Fatal("without hooks the secret should reach the mock")
			}
			sub := map[string]string{"claude": ".claude", "codex": ".codex/sessions", "gemini": ".gemini/tmp"}[c.a.name]
			if left, n := leftIn(t, filepath.Join(r.home, sub), c.suffixes...); len(left) == 0 {
				t.Fatalf("none of %d files holds the secret before scrub: the test proves nothing", n)
			}
			code, out := scrubAgentFiles(t, r, c.a.name)
			if code != 1 || strings.Contains(out, testSecret) {
				t.Fatalf("scrub: exit %d\n%s", code, hide(out))
			}
			t.Logf("scrub said:\n%s", out)
			if left, n := leftIn(t, filepath.Join(r.home, sub), c.suffixes...); len(left) > 0 {
				t.Fatalf("after scrub, %d of %d files still hold the secret: %v", len(left), n, left)
			}
			if c.a.name == "codex" && !strings.Contains(out, "SQLite database") {
				t.Errorf("scrub did not report Codex's thread database:\n%s", out)
			}
		})
	}
}

// TestClaudeResumesAScrubbedSession: the real Claude Code resumes
// (--continue) a session that noxkey scrub redacted, against the mock: the
// earlier turn is replayed with the placeholder, and the secret is sent
// nowhere.
func TestClaudeResumesAScrubbedSession(t *testing.T) {
	r := claude.run(t, "print the key", []step{shell(`echo "key is $NOXKEY_TEST_SECRET"`)}, scenarioOpts{noHooks: true})
	if !r.saw(testSecret) {
		t.Fatal("without hooks the secret should reach the mock")
	}
	if code, out := scrubAgentFiles(t, r, "claude"); code != 1 {
		t.Fatalf("scrub: exit %d\n%s", code, hide(out))
	}
	again := claude.run(t, "and now?", nil, scenarioOpts{noHooks: true, again: r, args: []string{"--continue"}})
	if !again.saw("print the key") || !again.saw("[REDACTED:acme/test/NOXKEY_TEST_SECRET]") {
		t.Fatalf("the resumed session did not replay the scrubbed turn; stderr %s", hide(again.stderr))
	}
	if again.saw(testSecret) {
		t.Fatal("the resumed session sent the secret")
	}
}
