package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestScrubCommand: the agents' files under HOME are found by their
// configured locations, reported without values (text and JSON), redacted
// in place, and the exit status is a scanner's: 1 found, 0 clean, 2 error.
func TestScrubCommand(t *testing.T) {
	h := newVault(t)
	v := secret("sk_live_scrub_0123456789abcdefABCDEF")
	h.ok(t, v, "set", "acme/api/KEY")
	home := filepath.Dir(h.dir)
	then := time.Now().Add(-time.Minute)
	write := func(rel, body string) string {
		p := filepath.Join(home, rel)
		os.MkdirAll(filepath.Dir(p), 0o700)
		os.WriteFile(p, []byte(body), 0o600)
		os.Chtimes(p, then, then)
		return p
	}
	session := write(".claude/projects/-w-proj/1f2e.jsonl", `{"type":"user"}`+"\n"+`{"tool":"Bash","stdout":"key is `+v+`"}`+"\n")
	hist := write(".bash_history", "ls\necho "+v+"\n")
	write(".codex/sessions/2026/12/07/rollout-x.jsonl", `{"payload":{"output":"nothing"}}`+"\n")

	if d := h.run(t, "", "doctor"); !strings.Contains(d.stdout, "claude: 1 secret(s) in 1 of its files; run: noxkey scrub --agent claude") ||
		!strings.Contains(d.stdout, "shell: 1 secret(s) in 1 of its files; run: noxkey scrub --agent shell") {
		t.Fatalf("doctor:\n%s", d.stdout)
	}
	r := h.run(t, "", "scrub", "--dry-run")
	if r.code != 1 || !strings.Contains(r.stdout, session+":2:") || !strings.Contains(r.stdout, hist+":2:6: acme/api/KEY (raw)") ||
		!strings.Contains(r.stderr, "2 found in 2 of 3 files; run without --dry-run to redact them") {
		t.Fatalf("dry run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = h.run(t, "", "scrub", "--dry-run", "--json", "--agent", "shell")
	var rep struct {
		Findings int `json:"findings"`
		Files    []struct {
			Path     string `json:"path"`
			Redacted bool   `json:"redacted"`
			Findings []struct {
				Line int    `json:"line"`
				Col  int    `json:"col"`
				Name string `json:"name"`
				Kind string `json:"kind"`
			} `json:"findings"`
		} `json:"files"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || r.code != 1 || rep.Findings != 1 || len(rep.Files) != 1 ||
		rep.Files[0].Path != hist || rep.Files[0].Findings[0].Name != "acme/api/KEY" || rep.Files[0].Findings[0].Line != 2 {
		t.Fatalf("--json: exit %d %v\n%s", r.code, err, r.stdout)
	}
	r = h.run(t, "", "scrub")
	if r.code != 1 || !strings.Contains(r.stderr, "2 found in 2 of 3 files; 2 files redacted") {
		t.Fatalf("scrub: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, p := range []string{session, hist} {
		b, _ := os.ReadFile(p)
		if strings.Contains(string(b), v) || !strings.Contains(string(b), "[REDACTED:acme/api/KEY]") {
			t.Fatalf("%s after scrub:\n%s", p, b)
		}
	}
	if r := h.run(t, "", "scrub"); r.code != 0 || !strings.Contains(r.stderr, "no secrets found in 3 files") {
		t.Fatalf("second scrub: exit %d %s", r.code, r.stderr)
	}
	if d := h.run(t, "", "doctor"); !strings.Contains(d.stdout, "ok    history        no vault secret in agents' transcripts or shell history") {
		t.Fatalf("doctor after scrub:\n%s", d.stdout)
	}
	if r := h.run(t, "", "scrub", "--agent", "nope"); r.code != 2 || !strings.Contains(r.stderr, `no agent "nope"; known: claude, codex`) {
		t.Fatalf("unknown agent: exit %d %s", r.code, r.stderr)
	}
	h.ok(t, "", "guard", "disarm")
	if r := h.run(t, "", "scrub", "--dry-run"); r.code != 2 || !strings.Contains(r.stderr, "not armed") {
		t.Fatalf("unarmed: exit %d %s", r.code, r.stderr)
	}
}

// TestGuardScanFindsDecodedForms: noxkey guard scan reports a secret in a
// hex dump, in bash's quoting and as a piece, by name and position only.
func TestGuardScanFindsDecodedForms(t *testing.T) {
	h := newVault(t)
	v := secret(`sk_live_sc4n"Tok$en-0123456789abc`)
	h.ok(t, v, "set", "acme/api/KEY")
	dir := t.TempDir()
	hexdump := ""
	for i := 0; i < len(v); i += 16 {
		line := fmt.Sprintf("%08x: ", i)
		for j := i; j < min(i+16, len(v)); j++ {
			line += fmt.Sprintf("%02x", v[j])
			if j%2 == 1 {
				line += " "
			}
		}
		hexdump += line + "\n"
	}
	files := map[string]string{
		"dump.txt":    hexdump,
		"declare.txt": "declare -x KEY=\"" + strings.NewReplacer(`"`, `\"`, `$`, `\$`).Replace(v) + "\"\n",
		"piece.txt":   "first twenty: " + v[:20] + "\n",
	}
	for name, body := range files {
		os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600)
	}
	r := h.run(t, "", "guard", "scan", filepath.Join(dir, "dump.txt"), filepath.Join(dir, "declare.txt"), filepath.Join(dir, "piece.txt"))
	for _, want := range []string{"dump.txt:1:", "declare.txt:1:", "piece.txt:1:15: acme/api/KEY(part) (part, 20 bytes)"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("guard scan lacks %q:\n%s%s", want, r.stdout, r.stderr)
		}
	}
	if strings.Contains(r.stdout, v[:16]) {
		t.Fatal("guard scan printed the value")
	}
}
