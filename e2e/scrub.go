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

// ScrubAgentFiles runs the real `noxkey scrub --agent NAME` on the files a
// real agent left in its HOME (set back a minute, as an agent closed a
// while ago leaves them) and returns its exit status and output.
func ScrubAgentFiles(t *testing.T, r *Result, agent string) (int, string) {
	t.Helper()
	then := time.Now().Add(-time.Minute)
	filepath.WalkDir(r.Home, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			os.Chtimes(p, then, then)
		}
		return nil
	})
	env := []string{"HOME=" + r.Home, "NOXKEY_HOME=" + r.NK, "PATH=" + Bins + ":/usr/bin:/bin"}
	c := exec.Command(filepath.Join(Bins, "noxkey"), "scrub", "--agent", agent)
	c.Env = env
	out, _ := c.CombinedOutput()
	// scrub asks the daemon who calls, which starts one: stop it.
	t.Cleanup(func() {
		stop := exec.Command(filepath.Join(Bins, "noxkey"), "daemon", "stop")
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
	forms := [][]byte{[]byte(Secret), []byte(base64.StdEncoding.EncodeToString([]byte(Secret)))}
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

// ScrubCleansTranscripts: the real agent a, run without noxkey's hooks,
// leaves the secret in the files it keeps under sub in its HOME (those
// ending in one of suffixes); noxkey scrub finds it there (exit 1) and
// redacts it, and every JSON Lines file still parses. It returns what
// scrub printed.
func ScrubCleansTranscripts(t *testing.T, a *Agent, sub string, suffixes ...string) string {
	t.Helper()
	r := a.Run(t, "print the key", []Step{Shell(`echo "key is $NOXKEY_TEST_SECRET"`)}, Opts{NoHooks: true})
	if !r.Saw(Secret) {
		t.Fatal("without hooks the secret should reach the mock")
	}
	if left, n := leftIn(t, filepath.Join(r.Home, sub), suffixes...); len(left) == 0 {
		t.Fatalf("none of %d files holds the secret before scrub: the test proves nothing", n)
	}
	code, out := ScrubAgentFiles(t, r, a.Name)
	if code != 1 || strings.Contains(out, Secret) {
		t.Fatalf("scrub: exit %d\n%s", code, Hide(out))
	}
	t.Logf("scrub said:\n%s", out)
	if left, n := leftIn(t, filepath.Join(r.Home, sub), suffixes...); len(left) > 0 {
		t.Fatalf("after scrub, %d of %d files still hold the secret: %v", len(left), n, left)
	}
	return out
}
