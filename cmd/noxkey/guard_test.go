package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// hook runs the real noxkey-hook binary with the home's environment.
func (h *home) hook(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	r := h.exec(t, "noxkey-hook", stdin, args...)
	outputsMu.Lock()
	outputs = append(outputs, r.stderr) // stdout is checked by each test: before set a value is no secret yet
	outputsMu.Unlock()
	return r
}

func TestEveryVaultWriteRebuildsTheIndexTheHookUses(t *testing.T) {
	h := newVault(t)
	idx := filepath.Join(h.dir, "guard.idx")
	if fi, err := os.Stat(idx); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("init must write a 0600 index: %v", err)
	}
	v := secret("tok_" + strings.Repeat("Zq8xW3", 6))
	in := "deploy log: token=" + v + " b64=" + base64.StdEncoding.EncodeToString([]byte(v)) + "\n"
	if r := h.hook(t, in, "filter"); r.code != 0 || r.stdout != in {
		t.Fatalf("before set: exit %d, output changed", r.code)
	}
	h.ok(t, v, "set", "acme/deploy/TOKEN")
	r := h.hook(t, in, "filter")
	if want := "deploy log: token=[REDACTED:acme/deploy/TOKEN] b64=[REDACTED:acme/deploy/TOKEN]\n"; r.code != 0 || r.stdout != want {
		t.Fatalf("after set: exit %d, got %q", r.code, r.stdout)
	}
	h.ok(t, "", "rm", "acme/deploy/TOKEN")
	if r := h.hook(t, in, "filter"); r.stdout != in {
		t.Fatalf("after rm the value is still redacted")
	}
	// import and guard rebuild keep it current too.
	f := filepath.Join(t.TempDir(), ".env")
	os.WriteFile(f, []byte("TOKEN="+v+"\n"), 0o600)
	h.ok(t, "", "import", "--prefix", "acme/env", f)
	if r := h.hook(t, in, "filter"); !strings.Contains(r.stdout, "[REDACTED:acme/env/TOKEN]") {
		t.Fatalf("after import: %q", r.stdout)
	}
	os.Remove(idx)
	h.ok(t, "", "guard", "rebuild")
	if r := h.hook(t, in, "filter"); !strings.Contains(r.stdout, "[REDACTED:acme/env/TOKEN]") {
		t.Fatalf("after guard rebuild: %q", r.stdout)
	}
	data, _ := os.ReadFile(idx)
	if bytes.Contains(data, []byte(v[:12])) {
		t.Fatal("the index file holds secret bytes")
	}
}

func TestFilterFailsClosed(t *testing.T) {
	h := newVault(t)
	v := secret("fail-closed-secret-value-123")
	h.ok(t, v, "set", "acme/x/KEY")
	idx := filepath.Join(h.dir, "guard.idx")
	good, _ := os.ReadFile(idx)
	for name, breakIt := range map[string]func(){
		"missing index": func() { os.Remove(idx) },
		"corrupt index": func() { b := append([]byte(nil), good...); b[len(b)/2] ^= 0xff; os.WriteFile(idx, b, 0o600) },
		"unsafe mode":   func() { os.WriteFile(idx, good, 0o600); os.Chmod(idx, 0o644) },
	} {
		breakIt()
		r := h.hook(t, "output with "+v+"\n", "filter")
		if r.code != 2 || r.stdout != "" || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || r.stderr == "" {
			t.Errorf("%s: exit %d, stdout %d bytes, stderr %q; want exit 2, nothing out, one line", name, r.code, len(r.stdout), r.stderr)
		}
	}
	// guard.toml changed (even broken) after the index was built: the
	// settings stored in the index still protect, and the hook says to rebuild.
	os.WriteFile(idx, good, 0o600)
	os.Chmod(idx, 0o600)
	os.WriteFile(filepath.Join(h.dir, "guard.toml"), []byte("min_length = ["), 0o600)
	r := h.hook(t, "output with "+v+"\n", "filter")
	if r.code != 0 || r.stdout != "output with [REDACTED:acme/x/KEY]\n" || !strings.Contains(r.stderr, "noxkey guard rebuild") {
		t.Errorf("stale guard.toml: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if r := h.run(t, "", "guard", "rebuild"); r.code != 1 || !strings.Contains(r.stderr, "guard.toml") {
		t.Errorf("rebuild with a broken guard.toml must name it: %d %q", r.code, r.stderr)
	}
}

func TestGuardScanReportsNamesAndPositionsNeverValues(t *testing.T) {
	h := newVault(t)
	v := secret("scan-me-secret-0123456789")
	h.ok(t, v, "set", "acme/x/KEY")
	f := filepath.Join(t.TempDir(), "log.txt")
	os.WriteFile(f, []byte("line one\nthe key is "+v+"\nghp_"+strings.Repeat("a1B2c3", 6)+"\n"), 0o600)
	r := h.run(t, "", "guard", "scan", f)
	out := r.stdout
	if r.code != 1 || !strings.Contains(out, f+":2:12: acme/x/KEY (raw, 25 bytes)") || !strings.Contains(out, f+":3:1: github-token (rule") {
		t.Fatalf("scan summary: exit %d\n%s", r.code, out)
	}
	if strings.Contains(out, v) {
		t.Fatal("scan printed a value")
	}
	// Findings fail a commit hook or CI step (exit 1, or --exit-code);
	// clean input passes.
	clean := filepath.Join(t.TempDir(), "clean.txt")
	os.WriteFile(clean, []byte("nothing here\n"), 0o600)
	if r := h.run(t, "", "guard", "scan", clean); r.code != 0 || !strings.Contains(r.stderr, "no secrets found") {
		t.Errorf("clean: exit %d %q", r.code, r.stderr)
	}
	if r := h.run(t, "", "guard", "scan", "--exit-code", "7", f); r.code != 7 {
		t.Errorf("--exit-code 7: exit %d", r.code)
	}
	if r := h.run(t, "the key is "+v+"\n", "guard", "scan"); r.code != 1 || !strings.Contains(r.stdout, "-:1:12: acme/x/KEY") {
		t.Errorf("stdin: exit %d %q", r.code, r.stdout)
	}
	// --json and --sarif: the same findings, machine-readable, no value.
	r = h.run(t, "", "guard", "scan", "--json", f, clean)
	var rep struct {
		Findings int
		Files    []struct {
			Path     string
			Findings []struct {
				Line, Col, Length int
				Name, Kind        string
			}
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || r.code != 1 || rep.Findings != 2 || len(rep.Files) != 2 || len(rep.Files[1].Findings) != 0 {
		t.Fatalf("--json: exit %d %v %s", r.code, err, r.stdout)
	}
	if x := rep.Files[0].Findings[0]; x.Line != 2 || x.Col != 12 || x.Name != "acme/x/KEY" || x.Kind != "raw" || x.Length != 25 {
		t.Errorf("--json finding: %+v", x)
	}
	r = h.run(t, "", "guard", "scan", "--sarif", f)
	var sarif struct {
		Version string
		Runs    []struct {
			Results []struct {
				RuleID    string `json:"ruleId"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           struct{ StartLine, StartColumn int }
					}
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &sarif); err != nil || sarif.Version != "2.1.0" || len(sarif.Runs) != 1 || len(sarif.Runs[0].Results) != 2 {
		t.Fatalf("--sarif: %v %s", err, r.stdout)
	}
	if res := sarif.Runs[0].Results[0]; res.RuleID != "acme/x/KEY" || res.Locations[0].PhysicalLocation.Region.StartLine != 2 || res.Locations[0].PhysicalLocation.ArtifactLocation.URI != f {
		t.Errorf("--sarif result: %+v", res)
	}
	for _, out := range []string{r.stdout} {
		if strings.Contains(out, v) {
			t.Fatal("a report holds the value")
		}
	}
}
