package scrub

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/noxkey/noxkey/guard"
)

const (
	secretA = "sk_live_51HqLyjWDarjtT1zdp7dc4eC39HqLyjWD"
	secretB = `pa"ss\word-Zq8xW3nK`
)

func testGuard(t *testing.T) *guard.Guard {
	key := make([]byte, 32)
	rand.Read(key)
	ix, _, err := guard.Build([]guard.Secret{{Name: "acme/api/STRIPE", Value: []byte(secretA)}, {Name: "acme/db/PASS", Value: []byte(secretB)}}, key, guard.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return &guard.Guard{Index: ix, Placeholder: guard.DefaultPlaceholder}
}

// old writes a file that was last modified a minute ago (not busy).
func old(t *testing.T, path, body string, mode os.FileMode) {
	if err := os.WriteFile(path, []byte(body), mode); err != nil {
		t.Fatal(err)
	}
	os.Chmod(path, mode)
	then := time.Now().Add(-time.Minute)
	os.Chtimes(path, then, then)
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestJSONLinesAreRedactedInPlace: a transcript holding two secrets in
// several forms comes out with none left, every line valid JSON, its mode
// kept, findings at the right lines, and no file left beside it.
func TestJSONLinesAreRedactedInPlace(t *testing.T) {
	g := testGuard(t)
	dir := t.TempDir()
	p := filepath.Join(dir, "session.jsonl")
	lines := []string{
		`{"type":"user","message":{"content":"hello"}}`,
		`{"type":"tool_result","content":` + jsonString("key is "+secretA+"\n") + `}`,
		`{"type":"tool_result","content":` + jsonString("b64 "+base64.StdEncoding.EncodeToString([]byte(secretA))) + `}`,
		`{"type":"tool_result","content":` + jsonString("pw="+secretB) + `,"n":1}`,
		`{"type":"assistant","message":{"content":"done"}}`,
	}
	old(t, p, strings.Join(lines, "\n")+"\n", 0o640)
	r := File(g, p, Options{})
	if r.Err != nil || !r.Redacted || r.Skipped != "" {
		t.Fatalf("%+v", r)
	}
	var got []int
	for _, f := range r.Findings {
		got = append(got, f.Line)
	}
	if len(got) != 3 || got[0] != 2 || got[1] != 3 || got[2] != 4 {
		t.Fatalf("findings at lines %v, want 2, 3, 4: %+v", got, r.Findings)
	}
	b, _ := os.ReadFile(p)
	if ms := g.Find(b); len(ms) != 0 {
		t.Fatalf("%d findings left after scrub: %+v", len(ms), ms)
	}
	for i, l := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		if !json.Valid([]byte(l)) {
			t.Fatalf("line %d is not JSON: %s", i+1, l)
		}
	}
	if !strings.Contains(string(b), `[REDACTED:acme/api/STRIPE]`) || !strings.HasPrefix(string(b), lines[0]+"\n") {
		t.Fatalf("scrubbed:\n%s", b)
	}
	fi, _ := os.Stat(p)
	if fi.Mode().Perm() != 0o640 {
		t.Fatalf("mode %v, want 0640", fi.Mode().Perm())
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Fatalf("files left beside it: %v", ents)
	}
}

// TestDryRunAndCleanFilesAreLeftAlone: a dry run reports and changes
// nothing; a file without findings is not rewritten (same inode).
func TestDryRunAndCleanFilesAreLeftAlone(t *testing.T) {
	g := testGuard(t)
	dir := t.TempDir()
	p := filepath.Join(dir, "h")
	body := "ls\nexport KEY=" + secretA + "\n"
	old(t, p, body, 0o600)
	var st1, st2 unix.Stat_t
	unix.Stat(p, &st1)
	if r := File(g, p, Options{DryRun: true}); len(r.Findings) != 1 || r.Redacted {
		t.Fatalf("dry run: %+v", r)
	}
	if b, _ := os.ReadFile(p); string(b) != body {
		t.Fatal("a dry run changed the file")
	}
	clean := filepath.Join(dir, "clean")
	old(t, clean, "nothing here\n", 0o600)
	unix.Stat(clean, &st1)
	if r := File(g, clean, Options{}); len(r.Findings) != 0 || r.Redacted {
		t.Fatalf("clean: %+v", r)
	}
	unix.Stat(clean, &st2)
	if st1.Ino != st2.Ino || st1.Mtim != st2.Mtim {
		t.Fatal("a clean file was rewritten")
	}
}

// TestHistoriesWithTimestamps: bash (with #epoch lines), zsh's extended
// history and fish's YAML-like history.
func TestHistoriesWithTimestamps(t *testing.T) {
	g := testGuard(t)
	dir := t.TempDir()
	files := map[string]struct {
		body string
		line int
	}{
		".bash_history": {"#1796600000\nls\n#1796600010\ncurl -H 'Authorization: Bearer " + secretA + "' x\n", 4},
		".zsh_history":  {": 1796600000:0;ls\n: 1796600010:3;export PW='" + strings.ReplaceAll(secretB, "'", `'\''`) + "'\n", 2},
		"fish_history":  {"- cmd: echo " + secretA + "\n  when: 1796600010\n", 1},
	}
	for name, c := range files {
		p := filepath.Join(dir, name)
		old(t, p, c.body, 0o600)
		r := File(g, p, Options{})
		if r.Err != nil || !r.Redacted || len(r.Findings) != 1 || r.Findings[0].Line != c.line {
			t.Fatalf("%s: %+v", name, r)
		}
		b, _ := os.ReadFile(p)
		if len(g.Find(b)) != 0 || !strings.Contains(string(b), "1796600010") {
			t.Fatalf("%s after scrub:\n%s", name, b)
		}
	}
}

// TestFileChangedWhileScrubbed: a line an agent appends while the file is
// read is not lost: the rewrite is dropped, the file is reported and left
// with both the secret and the new line, and no temp file stays beside it.
func TestFileChangedWhileScrubbed(t *testing.T) {
	g := testGuard(t)
	dir := t.TempDir()
	p := filepath.Join(dir, "session.jsonl")
	old(t, p, `{"x":"`+secretA+`"}`+"\n", 0o600)
	afterScan = func(target string) {
		f, err := os.OpenFile(target, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			t.Error(err)
			return
		}
		f.WriteString(`{"y":"appended"}` + "\n")
		f.Close()
	}
	defer func() { afterScan = nil }()
	r := File(g, p, Options{})
	if r.Redacted || !strings.Contains(r.Skipped, "changed while") {
		t.Fatalf("Redacted %v, Skipped %q, Err %v", r.Redacted, r.Skipped, r.Err)
	}
	b, _ := os.ReadFile(p)
	if len(g.Find(b)) != 1 || !bytes.HasSuffix(b, []byte(`{"y":"appended"}`+"\n")) {
		t.Fatal("the file was not left as the agent wrote it")
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Fatalf("%d files in the directory, want 1", len(ents))
	}
}

// TestBusyLockedAndDatabaseFiles: a file modified just now, or locked by
// another process, is skipped and left as it is; an SQLite database is
// reported, not rewritten.
func TestBusyLockedAndDatabaseFiles(t *testing.T) {
	g := testGuard(t)
	dir := t.TempDir()
	busy := filepath.Join(dir, "busy.jsonl")
	os.WriteFile(busy, []byte(`{"x":"`+secretA+`"}`+"\n"), 0o600)
	if r := File(g, busy, Options{}); r.Redacted || !strings.Contains(r.Skipped, "being written") {
		t.Fatalf("busy: %+v", r)
	}
	locked := filepath.Join(dir, "locked.jsonl")
	old(t, locked, `{"x":"`+secretA+`"}`+"\n", 0o600)
	f, _ := os.Open(locked)
	defer f.Close()
	unix.Flock(int(f.Fd()), unix.LOCK_EX)
	if r := File(g, locked, Options{}); r.Redacted || !strings.Contains(r.Skipped, "locked") {
		t.Fatalf("locked: %+v", r)
	}
	db := filepath.Join(dir, "thread_history_1.sqlite")
	old(t, db, "SQLite format 3\x00"+strings.Repeat("\x00", 100)+secretA+strings.Repeat("\x00", 100), 0o600)
	before, _ := os.ReadFile(db)
	r := File(g, db, Options{})
	if r.Redacted || len(r.Findings) != 1 || !strings.Contains(r.Skipped, "SQLite") {
		t.Fatalf("database: %+v", r)
	}
	if after, _ := os.ReadFile(db); !bytes.Equal(before, after) {
		t.Fatal("the database was changed")
	}
}

// TestRedactionThatWouldBreakJSON: where a finding spans a string's
// quotes, the line is redacted token by token and stays JSON.
func TestRedactionThatWouldBreakJSON(t *testing.T) {
	key := make([]byte, 32)
	rand.Read(key)
	spanning := `first","b":"second`
	ix, _, err := guard.Build([]guard.Secret{{Name: "x/SPAN", Value: []byte(spanning)}, {Name: "x/IN", Value: []byte(secretA)}}, key, guard.Options{})
	if err != nil {
		t.Fatal(err)
	}
	g := &guard.Guard{Index: ix, Placeholder: guard.DefaultPlaceholder}
	p := filepath.Join(t.TempDir(), "s.jsonl")
	old(t, p, `{"a":"first","b":"second-half","c":"`+secretA+`"}`+"\n", 0o600)
	r := File(g, p, Options{})
	b, _ := os.ReadFile(p)
	if r.Err != nil || !json.Valid(bytes.TrimSpace(b)) || strings.Contains(string(b), secretA) {
		t.Fatalf("%+v\n%s", r, b)
	}
}
