package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/noxkey/noxkey/configs"
	"github.com/noxkey/noxkey/guard/arm/armtest"
	"github.com/noxkey/noxkey/vault"
)

var (
	binDir string

	// Every stderr of every CLI run, and stdout of the runs that never
	// print a value, for TestMain's leak scan.
	outputsMu sync.Mutex
	outputs   []string
	secretsMu sync.Mutex
	secrets   = map[string]bool{}
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "noxkey-bin")
	if err != nil {
		panic(err)
	}
	build := exec.Command("go", "build", "-o", dir, "./", "../noxkey-hook")
	build.Env = append(os.Environ(), "CGO_ENABLED=0") // static, as the README installs it
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		panic("build noxkey: " + err.Error())
	}
	binDir = dir
	code := m.Run()
	if code == 0 {
		code = scanForLeaks()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// scanForLeaks fails the suite if any secret value used in a test appears
// in any log or error output of any CLI run.
func scanForLeaks() int {
	secretsMu.Lock()
	defer secretsMu.Unlock()
	n := 0
	for _, out := range outputs {
		for s := range secrets {
			if strings.Contains(out, s) {
				fmt.Fprintf(os.Stderr, "LEAK: a secret value (%d bytes) appears in CLI log/error output\n", len(s))
				n++
			}
		}
	}
	fmt.Printf("leak scan: %d CLI outputs checked against %d secret values, %d leaks\n", len(outputs), len(secrets), n)
	if n > 0 {
		return 1
	}
	return 0
}

// secret registers a value that must never appear in logs or errors.
// Values under 6 bytes ("007") occur by chance in timestamps and hex, and
// are below the guard's minimum too, so they are not scanned for.
func secret(v string) string {
	if len(v) < 6 {
		return v
	}
	secretsMu.Lock()
	secrets[v] = true
	secretsMu.Unlock()
	return v
}

// home is one test's private noxkey home with a passphrase file.
type home struct {
	dir, pass string
	env       []string
	cwd       string // the working directory of its runs; "" is the test's
}

const passphrase = "test passphrase, not a secret"

func newHome(t testing.TB) *home {
	t.Helper()
	root := t.TempDir()
	h := &home{dir: filepath.Join(root, "nk"), pass: filepath.Join(root, "pass")}
	os.WriteFile(h.pass, []byte(passphrase+"\n"), 0o600)
	h.env = []string{
		"PATH=" + binDir + ":/usr/local/bin:/usr/bin:/bin",
		"HOME=" + root,
		"NOXKEY_HOME=" + h.dir,
		"NOXKEY_PASSPHRASE_FILE=" + h.pass,
		"NOXKEY_SCRYPT_WORK_FACTOR=10",
	}
	humanOnly(t, h.dir)
	t.Cleanup(func() { h.stopDaemon(t) })
	armtest.DisarmAtEnd(t, filepath.Join(h.dir, "guard.idx")) // init and unlock arm the guard
	return h
}

// humanOnly blanks every built-in agent signature in the home's config
// (the user-override mechanism), so the daemon sees the test's CLI runs
// as a human wherever the suite itself runs, even inside an agent.
// Tests of detection build the caller they mean instead.
func humanOnly(t testing.TB, dir string) {
	t.Helper()
	if err := writeHumanOnly(dir); err != nil {
		t.Fatal(err)
	}
}

func writeHumanOnly(dir string) error {
	os.MkdirAll(filepath.Join(dir, "agents"), 0o700)
	os.Chmod(dir, 0o700)
	names, _ := fs.Glob(configs.FS, "agents/*.toml")
	for _, n := range names {
		agent := strings.TrimSuffix(filepath.Base(n), ".toml")
		body := fmt.Sprintf("agent = %q\n[detect]\n", agent)
		if err := os.WriteFile(filepath.Join(dir, n), []byte(body), 0o600); err != nil {
			return err
		}
	}
	return nil
}

// stopDaemon ends the home's daemon, if one was started.
func (h *home) stopDaemon(t testing.TB) {
	if _, err := os.Stat(filepath.Join(h.dir, "run", "noxkey.sock")); err == nil {
		h.exec(t, "noxkey", "", "daemon", "stop")
	}
}

func newVault(t *testing.T) *home {
	h := newHome(t)
	h.ok(t, "", "init")
	return h
}

type result struct {
	stdout, stderr string
	code           int
}

// run executes the real binary with a clean environment (env -i style).
func (h *home) run(t testing.TB, stdin string, args ...string) result {
	t.Helper()
	r := h.exec(t, "noxkey", stdin, args...)
	outputsMu.Lock()
	outputs = append(outputs, r.stderr)
	if len(args) > 0 && !revealing(args) {
		outputs = append(outputs, r.stdout)
	}
	outputsMu.Unlock()
	return r
}

// exec runs one of the built binaries with the home's environment.
func (h *home) exec(t testing.TB, bin, stdin string, args ...string) result {
	t.Helper()
	cmd := exec.Command(filepath.Join(binDir, bin), args...)
	cmd.Env = h.env
	cmd.Dir = h.cwd
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{out.String(), errb.String(), cmd.ProcessState.ExitCode()}
	if err != nil && r.code < 0 {
		t.Fatalf("%s %v: %v", bin, args, err)
	}
	return r
}

func revealing(args []string) bool {
	for _, a := range args {
		switch a {
		case "get", "export", "load", "inject":
			return true
		}
	}
	return false
}

func (h *home) ok(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	r := h.run(t, stdin, args...)
	if r.code != 0 {
		t.Fatalf("noxkey %v: exit %d: %s", args, r.code, r.stderr)
	}
	return r.stdout
}

func (h *home) vault() string { return filepath.Join(h.dir, "vault.age") }

func TestDoneWhenSetGetLsAndStockAge(t *testing.T) {
	h := newVault(t)
	v := secret("sk_test_123456789")
	h.ok(t, v, "set", "acme/api/STRIPE_KEY")
	if got := h.ok(t, "", "get", "acme/api/STRIPE_KEY"); got != "export STRIPE_KEY='"+v+"'\n" {
		t.Fatalf("get printed %d bytes, not the export line", len(got))
	}
	ls := h.ok(t, "", "ls", "acme")
	if !strings.Contains(ls, "acme/api/STRIPE_KEY") || strings.Contains(ls, v) {
		t.Fatalf("ls must show the name and not the value:\n%s", ls)
	}
	// The stock age tool decrypts the vault with the passphrase, typed on a terminal.
	agePath := requireTool(t, "age")
	p := openPTY(t)
	out := filepath.Join(t.TempDir(), "vault.json")
	cmd := exec.Command(agePath, "-d", "-o", out, h.vault())
	p.attach(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p.answer(t, "passphrase", 1, passphrase)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("age -d: %v; terminal: %q", err, p.screen())
	}
	plain, _ := os.ReadFile(out)
	if !bytes.Contains(plain, []byte(`"path": "acme/api/STRIPE_KEY"`)) || !bytes.Contains(plain, []byte(v)) {
		t.Fatalf("age -d output lacks the secret entry")
	}
}

var awkward = map[string]string{
	"SINGLE_QUOTE": `it's 'quoted' ''`,
	"DOUBLE_QUOTE": `say "hi" \"there\"`,
	"DOLLAR":       "$HOME ${PATH} $(id) `id` $$ $1",
	"BACKSLASH":    `C:\path\to\n\t\\ \`,
	"NEWLINE":      "line1\nline2\n\nline4",
	"CRLF_INSIDE":  "a\r\nb",
	"TAB":          "a\tb\t c",
	"UNICODE":      "pässwörd-🔑-日本語-\u200b",
	"BANG":         "hello!world!!",
	"HASH":         "value # not a comment",
	"LEADING_ZERO": "007",
	"EQUALS":       "a=b=c==",
	"SPACES":       "  padded  ",
	"BIG_64K":      strings.Repeat("0123456789abcdef'\"$\\\n", 64<<10/21+1)[:64<<10],
}

func TestAwkwardValuesRoundTripThroughSetAndGet(t *testing.T) {
	h := newVault(t)
	for name, v := range awkward {
		secret(v)
		h.ok(t, v+"\n", "set", "acme/odd/"+name)
	}
	for name, v := range awkward {
		if got := h.ok(t, "", "get", "--raw", "acme/odd/"+name); got != v {
			t.Errorf("%s: get --raw differs from what was set (len %d vs %d)", name, len(got), len(v))
		}
	}
}

func TestExportImportLoadAndBundleRoundTrip(t *testing.T) {
	h := newVault(t)
	for name, v := range awkward {
		secret(v)
		h.ok(t, v, "set", "acme/odd/"+name)
	}
	// A value ending in a backslash cannot be carried by a dotenv line
	// (godotenv reads \\" as an escaped quote): export refuses it by name.
	r := h.run(t, "", "export", "acme/odd")
	if r.code != 1 || !strings.Contains(r.stderr, "acme/odd/BACKSLASH: this value cannot be written as a dotenv line") || r.stdout != "" {
		t.Fatalf("export with an unrepresentable value: exit %d, stderr %q", r.code, r.stderr)
	}
	h.ok(t, "", "rm", "acme/odd/BACKSLASH")
	// export -> import into another vault under another prefix.
	env := h.ok(t, "", "export", "acme/odd")
	f := filepath.Join(t.TempDir(), ".env")
	os.WriteFile(f, []byte(env), 0o600)
	h2 := newVault(t)
	h2.ok(t, "", "import", "--prefix", "copy/odd", f)
	for name, v := range awkward {
		if name == "BACKSLASH" {
			continue
		}
		if got := h2.ok(t, "", "get", "--raw", "copy/odd/"+name); got != v {
			t.Errorf("export/import %s: value changed (len %d vs %d)", name, len(got), len(v))
		}
	}
	h.ok(t, awkward["BACKSLASH"], "set", "acme/odd/BACKSLASH")
	// load -> eval in a real bash: each variable equals the value.
	load := h.ok(t, "", "load", "acme/odd")
	for name, v := range awkward {
		script := load + "\nprintf '%s' \"$" + name + "\""
		out, err := exec.Command("bash", "-c", script).Output()
		if err != nil || string(out) != v {
			t.Errorf("load+eval %s in bash: value changed (err %v)", name, err)
		}
	}
	// bundle -> import restores paths and values.
	b := filepath.Join(t.TempDir(), "acme.bundle")
	h.env = append(h.env, "NOXKEY_BUNDLE_PASSPHRASE_FILE="+h.pass)
	h.ok(t, "", "bundle", "acme/odd", "-o", b)
	if fi, _ := os.Stat(b); fi.Mode().Perm() != 0o600 {
		t.Errorf("bundle mode %o, want 0600", fi.Mode().Perm())
	}
	if r := h.run(t, "", "bundle", "acme/odd", "-o", b); r.code != 1 || !strings.Contains(r.stderr, "new file name") {
		t.Errorf("bundle over an existing file: exit %d %q", r.code, r.stderr)
	}
	h3 := newVault(t)
	h3.env = append(h3.env, "NOXKEY_BUNDLE_PASSPHRASE_FILE="+h.pass)
	h3.ok(t, "", "import", b)
	for name, v := range awkward {
		if got := h3.ok(t, "", "get", "--raw", "acme/odd/"+name); got != v {
			t.Errorf("bundle/import %s: value changed", name)
		}
	}
}

func TestSetTakesStdinByteForByteButOneNewline(t *testing.T) {
	h := newVault(t)
	for _, tc := range []struct{ in, want string }{
		{"value-one\n", "value-one"},
		{"value-two\r\n", "value-two"},
		{"value-three\n\n", "value-three\n"},
		{"value-four", "value-four"},
		{"value-five\r", "value-five\r"},
	} {
		secret(tc.want)
		h.ok(t, tc.in, "set", "a/V")
		if got := h.ok(t, "", "get", "--raw", "a/V"); got != tc.want {
			t.Errorf("set %q: stored %q, want %q", tc.in, got, tc.want)
		}
	}
	r := h.run(t, "nul\x00inside", "set", "a/V")
	if r.code != 1 || !strings.Contains(r.stderr, "NUL byte") {
		t.Errorf("NUL value: exit %d %q", r.code, r.stderr)
	}
	r = h.run(t, "short", "set", "a/SHORT")
	if r.code != 0 || !strings.Contains(r.stderr, "shorter than 6 bytes") {
		t.Errorf("short value: exit %d, want a warning, got %q", r.code, r.stderr)
	}
}

// TestCLIErrorCases asserts, for each way a vault can be unusable, the
// exit code, a message that says what to do, and that no file changed.
func TestCLIErrorCases(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(t *testing.T, h *home)
		args    []string
		code    int
		message string
	}{
		{"wrong passphrase", func(t *testing.T, h *home) { os.WriteFile(h.pass, []byte("nope\n"), 0o600) },
			[]string{"get", "acme/api/KEY"}, 2, "wrong passphrase or identity: the vault did not open with it; try again"},
		{"no terminal, no passphrase file", func(t *testing.T, h *home) {
			h.env = withoutEnv(h.env, "NOXKEY_PASSPHRASE_FILE")
		}, []string{"get", "acme/api/KEY"}, 2, "no terminal to ask for the passphrase"},
		{"not found", nil, []string{"get", "acme/api/NOPE"}, 3, "secret not found; see the stored names with: noxkey ls"},
		{"no vault", func(t *testing.T, h *home) { os.Remove(h.vault()) }, []string{"ls"}, 3, "or create a vault there with: noxkey init"},
		{"invalid path", nil, []string{"get", "Acme/KEY"}, 1, "for example acme/api/STRIPE_KEY"},
		{"truncated", func(t *testing.T, h *home) {
			b, _ := os.ReadFile(h.vault())
			os.WriteFile(h.vault(), b[:len(b)/2], 0o600)
		}, []string{"set", "acme/api/OTHER"}, 1, "is corrupt or truncated"},
		{"group readable", func(t *testing.T, h *home) { os.Chmod(h.vault(), 0o644) }, []string{"ls"}, 1, "has mode 0644; it must be 0600"},
		{"other owner", func(t *testing.T, h *home) {
			if os.Geteuid() != 0 {
				t.Skip("needs root to chown")
			}
			os.Chown(h.vault(), 65534, 65534)
		}, []string{"ls"}, 1, "is owned by uid 65534, not by you"},
		{"init over existing", nil, []string{"init"}, 1, "vault already exists; nothing was changed"},
		{"get without path", nil, []string{"get"}, 1, "exactly one secret path"},
		{"passphrase file others can read", func(t *testing.T, h *home) { os.Chmod(h.pass, 0o644) },
			[]string{"get", "acme/api/KEY"}, 1, "others can read it; fix: chmod 600"},
		{"short new passphrase", func(t *testing.T, h *home) {
			os.WriteFile(h.pass, []byte("abc\n"), 0o600)
			os.Remove(h.vault())
		}, []string{"init"}, 1, "the new passphrase has 3 characters"},
		// A mistyped location says so before it asks a passphrase or starts
		// a daemon, and never advises making a shared folder private.
		{"mistyped --home", func(t *testing.T, h *home) {
			h.env = withoutEnv(h.env, "NOXKEY_PASSPHRASE_FILE")
		}, []string{"--home", "/nonexistent/nk", "get", "acme/api/KEY"}, 3, "/nonexistent/nk/vault.age: no vault; check --home / NOXKEY_HOME"},
		{"--vault that does not exist", nil, []string{"--vault", "/nonexistent", "ls"}, 3, "/nonexistent: no vault; check the --vault path"},
		{"--vault in a missing folder", nil, []string{"--vault", "x/vault.age", "ls"}, 3, "x/vault.age: no vault"},
		{"--vault in /tmp", func(t *testing.T, h *home) {
			f, _ := os.CreateTemp("", "vault-*.age")
			f.Close()
			t.Cleanup(func() { os.Remove(f.Name()) })
			h.env = append(h.env, "TEST_VAULT="+f.Name())
			tmpVault = f.Name()
		}, []string{"--vault", "TMPVAULT", "ls"}, 1, "keep it in a private directory of yours instead"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newVault(t)
			h.ok(t, secret("sk_live_errorcase_value_1"), "set", "acme/api/KEY")
			if tc.setup != nil {
				tc.setup(t, h)
			}
			before := dirState(h.dir)
			args := slicesReplace(tc.args, "TMPVAULT", tmpVault)
			r := h.run(t, "another-value-here", args...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.message) {
				t.Errorf("noxkey %v: exit %d, stderr %q; want exit %d and %q", tc.args, r.code, r.stderr, tc.code, tc.message)
			}
			if after := dirState(h.dir); after != before {
				t.Errorf("files changed after a refused command")
			}
			if strings.Contains(r.stderr, "chmod 700 /tmp") || strings.Contains(r.stderr, "chmod 700 / ") {
				t.Errorf("dangerous advice: %s", r.stderr)
			}
			t.Logf("exit %d: %s", r.code, strings.TrimSpace(r.stderr))
		})
	}
}

// tmpVault is the vault file the "--vault in /tmp" case made.
var tmpVault string

func slicesReplace(args []string, from, to string) []string {
	out := append([]string(nil), args...)
	for i, a := range out {
		if a == from {
			out[i] = to
		}
	}
	return out
}

// requireTool finds a program the test needs: a skip on a developer's
// machine without it, a failure in CI (CI=true), where .ci/run installs it.
func requireTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not installed; .ci/run must install it", name)
		}
		t.Skipf("%s is not installed (apt-get install %s)", name, name)
	}
	return p
}

func withoutEnv(env []string, key string) []string {
	var out []string
	for _, e := range env {
		if !strings.HasPrefix(e, key+"=") {
			out = append(out, e)
		}
	}
	return out
}

// dirState describes every file but the lock: name, mode, content.
func dirState(dir string) string {
	ents, _ := os.ReadDir(dir)
	var s []string
	for _, e := range ents {
		// The daemon's runtime dir and the audit log change on every
		// access, refused or not; the vault and index must not.
		if strings.HasSuffix(e.Name(), ".lock") || e.Name() == "run" || e.Name() == "audit.log" {
			continue
		}
		fi, _ := e.Info()
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		s = append(s, fmt.Sprintf("%s %o %x", e.Name(), fi.Mode(), b))
	}
	sort.Strings(s)
	return strings.Join(s, "\n")
}

func TestInitAsksTwiceOnTheTerminal(t *testing.T) {
	for _, tc := range []struct {
		name, second string
		ok           bool
	}{{"same", "tty passphrase", true}, {"different", "typo passphrase", false}} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHome(t)
			h.env = withoutEnv(h.env, "NOXKEY_PASSPHRASE_FILE")
			p := openPTY(t)
			cmd, errb := p.startNoxkey(t, h, "init")
			p.answer(t, "New vault passphrase: ", 1, "tty passphrase")
			p.answer(t, "Repeat New vault passphrase: ", 1, tc.second)
			err := cmd.Wait()
			if (err == nil) != tc.ok {
				t.Fatalf("init: err %v, stderr %q", err, errb.String())
			}
			if strings.Contains(p.screen(), "tty passphrase") {
				t.Error("the passphrase was echoed to the terminal")
			}
			if _, statErr := os.Stat(h.vault()); (statErr == nil) != tc.ok {
				t.Fatalf("vault exists=%v, want %v", statErr == nil, tc.ok)
			}
			if !tc.ok && !strings.Contains(errb.String(), "differ") {
				t.Errorf("mismatch message: %q", errb.String())
			}
		})
	}
}

func TestSetPromptsWithEchoOffOnATerminal(t *testing.T) {
	h := newVault(t)
	v := secret("typed-secret-value-xyz")
	p := openPTY(t)
	cmd := exec.Command(filepath.Join(binDir, "noxkey"), "set", "acme/api/TYPED")
	cmd.Env = h.env
	p.attach(cmd)
	cmd.Stdout, cmd.Stderr = p.slave, p.slave
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p.answer(t, "(input hidden): ", 1, v)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("set: %v %q", err, p.screen())
	}
	if strings.Contains(p.screen(), v) {
		t.Fatal("the value was echoed")
	}
	if got := h.ok(t, "", "get", "--raw", "acme/api/TYPED"); got != v {
		t.Fatalf("stored %d bytes, not the typed value", len(got))
	}
}

func TestLsAndPeekNeverShowValues(t *testing.T) {
	h := newVault(t)
	v := secret("sk_live_" + strings.Repeat("9a8b7c6d", 12) + "zzz")
	h.ok(t, v, "set", "--description", "Stripe live key", "acme/api/STRIPE_KEY")
	h.ok(t, secret("short-ish-1"), "set", "acme/web/SESSION")
	h.ok(t, secret("other-value-22"), "set", "acmecorp/X")
	ls := h.ok(t, "", "ls", "acme")
	if !strings.Contains(ls, "Stripe live key") || strings.Contains(ls, "acmecorp") || strings.Count(ls, "\n") != 3 {
		t.Errorf("ls acme:\n%s", ls)
	}
	pk := strings.TrimSpace(h.ok(t, "", "peek", "acme/api/STRIPE_KEY"))
	if want := "sk_live_… (107 chars, mac:"; !strings.HasPrefix(pk, want) {
		t.Errorf("peek = %q, want prefix %q", pk, want)
	}
	if pk := h.ok(t, "", "peek", "acme/web/SESSION"); !strings.HasPrefix(pk, "sh… (11 chars") {
		t.Errorf("peek of a short value shows more than a quarter: %q", pk)
	}
	// A structured value: its parts are counted, never shown.
	h.ok(t, secret("DB_PASSWORD=xY9kL2mN8qR4-secret\nDEBUG=true\nPORT=8080\n"), "set", "acme/db/ENV")
	if ls := h.ok(t, "", "ls", "acme/db"); !strings.Contains(ls, "(1 parts)") {
		t.Errorf("ls of a structured value: %q", ls)
	}
	if pk := h.ok(t, "", "peek", "acme/db/ENV"); !strings.Contains(pk, ", 1 parts)") {
		t.Errorf("peek of a structured value: %q", pk)
	}
}

func TestRmAndLogsNeverCarryValues(t *testing.T) {
	h := newVault(t)
	h.env = append(h.env, "NOXKEY_LOG_LEVEL=debug")
	v := secret("rm-me-value-0123456789")
	for _, format := range []string{"json", "console"} {
		r := h.run(t, v, "--log-level", "debug", "--log-format", format, "set", "acme/api/GONE")
		if r.code != 0 || !strings.Contains(r.stderr, "acme/api/GONE") {
			t.Fatalf("set with %s debug log: exit %d, log %q (want the path logged)", format, r.code, r.stderr)
		}
		h.run(t, "", "--log-level", "debug", "--log-format", format, "get", "acme/api/GONE")
		h.run(t, "", "--log-level", "debug", "--log-format", format, "rm", "acme/api/GONE")
	}
	if r := h.run(t, "", "get", "acme/api/GONE"); r.code != 3 {
		t.Errorf("get after rm: exit %d", r.code)
	}
	if r := h.run(t, "", "--log-format", "xml", "ls"); r.code != 1 || !strings.Contains(r.stderr, "use console or json") {
		t.Errorf("bad --log-format: %d %q", r.code, r.stderr)
	}
}

func TestImportDotenvNeedsPrefixAndValidNames(t *testing.T) {
	h := newVault(t)
	f := filepath.Join(t.TempDir(), ".env")
	os.WriteFile(f, []byte("# comment\nexport A_KEY=\"abc def\"\nB_KEY='single $quoted'\nC_KEY=plain # trailing comment\n"), 0o600)
	if r := h.run(t, "", "import", f); r.code != 1 || !strings.Contains(r.stderr, "needs --prefix") {
		t.Fatalf("import without prefix: %d %q", r.code, r.stderr)
	}
	h.ok(t, "", "import", "--prefix", "acme/env", f)
	for k, want := range map[string]string{"A_KEY": "abc def", "B_KEY": "single $quoted", "C_KEY": "plain"} {
		if got := h.ok(t, "", "get", "--raw", "acme/env/"+k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	os.WriteFile(f, []byte("1BAD=x\n"), 0o600)
	before := dirState(h.dir)
	if r := h.run(t, "", "import", "--prefix", "acme/env", f); r.code != 1 || !strings.Contains(r.stderr, "not a valid environment variable name") {
		t.Errorf("bad name: %d %q", r.code, r.stderr)
	}
	if dirState(h.dir) != before {
		t.Error("a refused import changed the vault")
	}
}

func TestShellCompletion(t *testing.T) {
	h := newHome(t)
	for _, sh := range []string{"bash", "zsh", "fish"} {
		out := h.ok(t, "", "completion", sh)
		if !strings.Contains(out, "noxkey") || len(out) < 200 {
			t.Errorf("completion %s: %q", sh, out)
		}
	}
	// The completion actually offers the commands.
	out := h.ok(t, "", "--generate-shell-completion")
	for _, c := range []string{"init", "set", "get", "ls", "peek", "import", "bundle"} {
		if !strings.Contains(out, c) {
			t.Errorf("completion candidates lack %s: %q", c, out)
		}
	}
}

func TestHelpDocumentsExitCodes(t *testing.T) {
	out := newHome(t).ok(t, "", "--help")
	for _, s := range []string{"0  ok", "1  usage", "2  vault locked or wrong passphrase", "3  secret or vault not found"} {
		if !strings.Contains(out, s) {
			t.Errorf("--help lacks %q", s)
		}
	}
}

var _ = vault.PathRule

// TestWrongCommandsAnswerInOneLine: a mistyped command or flag gets one
// line naming the closest one and where the help is, exit 1 (usage), not
// the whole help or "No help topic"; --version prints the version.
func TestWrongCommandsAnswerInOneLine(t *testing.T) {
	h := newHome(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"lst"}, `noxkey: no command "lst"; did you mean "ls"? (noxkey --help lists the commands)`},
		{[]string{"gett", "acme/api/KEY"}, `did you mean "get"?`},
		{[]string{"get", "--rwa", "acme/api/KEY"}, `flag provided but not defined: -rwa; did you mean --raw? (see: noxkey get --help)`},
		{[]string{"hooks", "instal"}, `did you mean "install"?`},
	} {
		r := h.run(t, "", tc.args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, tc.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 || r.stdout != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", tc.args, r.code, r.stdout, r.stderr)
		}
	}
	if r := h.run(t, "", "--version"); r.code != 0 || r.stdout != "noxkey version "+version+"\n" {
		t.Errorf("--version: exit %d %q", r.code, r.stdout)
	}
}

// TestReadingABackupWritesNothing: the README's `noxkey --vault
// vault.age.bak ls` reads a backup without a lock file beside it, so a
// backup on read-only media or in a read-only folder can be checked.
func TestReadingABackupWritesNothing(t *testing.T) {
	h := newVault(t)
	h.ok(t, secret("sk_live_backup_value_5150"), "set", "acme/api/KEY")
	dir := filepath.Join(t.TempDir(), "backups")
	os.Mkdir(dir, 0o700)
	b, _ := os.ReadFile(h.vault())
	os.WriteFile(filepath.Join(dir, "vault.age.bak"), b, 0o600)
	before := dirState(dir)
	if ls := h.ok(t, "", "--vault", filepath.Join(dir, "vault.age.bak"), "ls"); !strings.Contains(ls, "acme/api/KEY") {
		t.Fatalf("ls of the backup: %s", ls)
	}
	if dirState(dir) != before {
		t.Fatal("reading the backup wrote into its folder")
	}
}

// TestImportDotenvAsPeopleWriteIt: an empty variable refuses the file
// (nothing stored) unless --skip-empty; settings (PORT=8080, DEBUG=true)
// are stored with a word that they look like settings.
func TestImportDotenvAsPeopleWriteIt(t *testing.T) {
	h := newVault(t)
	env := filepath.Join(t.TempDir(), ".env")
	key := secret("sk_live_dotenv_value_8675309")
	os.WriteFile(env, []byte("STRIPE_KEY="+key+"\nEMPTY=\nPORT=8080\nDEBUG=true\n"), 0o600)
	r := h.run(t, "", "import", "--prefix", "acme/app", env)
	if r.code != exitUsage || !strings.Contains(r.stderr, "EMPTY is empty") || !strings.Contains(r.stderr, "--skip-empty") {
		t.Fatalf("import with an empty variable: exit %d %s", r.code, r.stderr)
	}
	if ls := h.ok(t, "", "ls", "acme"); strings.Contains(ls, "acme/app") {
		t.Fatal("a refused import stored something")
	}
	r = h.run(t, "", "import", "--skip-empty", "--prefix", "acme/app", env)
	if r.code != 0 || !strings.Contains(r.stderr, "EMPTY is empty; left out") || !strings.Contains(r.stderr, "imported 3 secrets") ||
		!strings.Contains(r.stderr, "DEBUG, PORT look like settings") || strings.Contains(r.stderr, "STRIPE_KEY look") {
		t.Fatalf("import --skip-empty: exit %d %s", r.code, r.stderr)
	}
	if got := h.ok(t, "", "get", "--raw", "acme/app/STRIPE_KEY"); got != key {
		t.Fatal("the key was not stored")
	}
}

// TestJSONOutputs: ls, peek and hooks status print JSON for scripts,
// never a value; completion is listed in the help.
func TestJSONOutputs(t *testing.T) {
	h := newVault(t)
	v := secret("sk_live_json_value_31337abc")
	h.ok(t, v, "set", "--description", "for json", "acme/api/KEY")
	var ls []struct {
		Path, Description string
		Length, Parts     int
	}
	out := h.ok(t, "", "ls", "--json", "acme")
	if err := json.Unmarshal([]byte(out), &ls); err != nil || len(ls) != 1 || ls[0].Path != "acme/api/KEY" || ls[0].Description != "for json" || ls[0].Length != len(v) {
		t.Fatalf("ls --json: %v %s", err, out)
	}
	if out := h.ok(t, "", "ls", "--json", "nothing"); strings.TrimSpace(out) != "[]" {
		t.Errorf("ls --json of nothing: %q", out)
	}
	var pk struct{ Path, Peek string }
	out = h.ok(t, "", "peek", "--json", "acme/api/KEY")
	if err := json.Unmarshal([]byte(out), &pk); err != nil || pk.Path != "acme/api/KEY" || !strings.HasPrefix(pk.Peek, v[:4]) || strings.Contains(out, v[:12]) {
		t.Fatalf("peek --json: %v", err)
	}
	var st []struct {
		Agent     string
		Installed bool
	}
	h.cwd = t.TempDir()
	out = h.ok(t, "", "hooks", "status", "--json", "--scope", "project")
	if err := json.Unmarshal([]byte(out), &st); err != nil || len(st) < 8 || st[0].Installed {
		t.Fatalf("hooks status --json: %v %s", err, out)
	}
	if help := h.ok(t, "", "--help"); !strings.Contains(help, "completion") {
		t.Error("completion is not in the help")
	}
	// The bash script needs bash-completion's helper, as the README says.
	if out := h.ok(t, "", "completion", "bash"); !strings.Contains(out, "complete") || !strings.Contains(out, "_get_comp_words_by_ref") {
		t.Error("no bash completion script, or it no longer uses bash-completion")
	}
}

// TestRmSeveralAndByPrefix: rm takes several paths or --prefix in one
// write, all or none; more than one asks first, and without a terminal
// needs --yes.
func TestRmSeveralAndByPrefix(t *testing.T) {
	h := newVault(t)
	for _, n := range []string{"A", "B", "C"} {
		h.ok(t, secret("sk_live_rm_value_"+n+"_123456"), "set", "acme/old/"+n)
	}
	h.ok(t, secret("sk_live_rm_keep_value_99"), "set", "acme/new/KEEP")
	before := dirState(h.dir)
	if r := h.run(t, "", "rm", "--prefix", "acme/old"); r.code != exitUsage || !strings.Contains(r.stderr, "add --yes") {
		t.Fatalf("rm --prefix without --yes and no terminal: exit %d %s", r.code, r.stderr)
	}
	if r := h.run(t, "", "rm", "--yes", "acme/old/A", "acme/old/NOPE"); r.code != exitNotFound {
		t.Fatalf("rm with a missing path: exit %d %s", r.code, r.stderr)
	}
	if dirState(h.dir) != before {
		t.Fatal("a refused rm changed files")
	}
	if r := h.run(t, "", "rm", "--yes", "acme/old/A", "acme/old/B"); r.code != 0 || !strings.Contains(r.stderr, "removed 2 secrets") {
		t.Fatalf("rm two: exit %d %s", r.code, r.stderr)
	}
	h.ok(t, "", "rm", "--yes", "--prefix", "acme/old")
	if ls := h.ok(t, "", "ls", "acme"); strings.Contains(ls, "acme/old") || !strings.Contains(ls, "acme/new/KEEP") {
		t.Fatalf("after rm:\n%s", ls)
	}
	if r := h.run(t, "", "rm", "--yes", "--prefix", "acme/old"); r.code != exitNotFound {
		t.Fatalf("rm of an empty prefix: exit %d %s", r.code, r.stderr)
	}
}

// TestMvKeepsValueAndDescription: mv renames a secret with its value and
// description; it does not replace a secret at NEW without --force.
func TestMvKeepsValueAndDescription(t *testing.T) {
	h := newVault(t)
	v := secret("sk_live_mv_value_424242")
	h.ok(t, v, "set", "--description", "the key", "acme/api/KEY")
	h.ok(t, secret("sk_live_other_value_777"), "set", "acme/api/OTHER")
	if r := h.run(t, "", "mv", "acme/api/KEY", "acme/api/OTHER"); r.code != exitUsage || !strings.Contains(r.stderr, "--force") {
		t.Fatalf("mv onto an existing secret: exit %d %s", r.code, r.stderr)
	}
	h.ok(t, "", "mv", "acme/api/KEY", "acme/stripe/STRIPE_KEY")
	if got := h.ok(t, "", "get", "--raw", "acme/stripe/STRIPE_KEY"); got != v {
		t.Fatal("the value did not move")
	}
	ls := h.ok(t, "", "ls", "acme")
	if strings.Contains(ls, "acme/api/KEY") || !strings.Contains(ls, "the key") {
		t.Fatalf("after mv:\n%s", ls)
	}
	if r := h.run(t, "", "mv", "acme/api/NOPE", "acme/api/X"); r.code != exitNotFound {
		t.Fatalf("mv of a missing secret: exit %d %s", r.code, r.stderr)
	}
	h.ok(t, "", "mv", "--force", "acme/stripe/STRIPE_KEY", "acme/api/OTHER")
	if got := h.ok(t, "", "get", "--raw", "acme/api/OTHER"); got != v {
		t.Fatal("mv --force did not replace")
	}
}

// TestExportToAFileIsPrivate: export -o writes the dotenv file 0600
// whatever the umask, replacing it atomically.
func TestExportToAFileIsPrivate(t *testing.T) {
	h := newVault(t)
	h.ok(t, secret("sk_live_export_value_1234"), "set", "acme/api/KEY")
	out := filepath.Join(t.TempDir(), ".env")
	os.WriteFile(out, []byte("OLD=1\n"), 0o644)
	h.ok(t, "", "export", "-o", out, "acme/api")
	fi, err := os.Stat(out)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v %v", fi.Mode(), err)
	}
	if b, _ := os.ReadFile(out); !strings.HasPrefix(string(b), "KEY=") || strings.Contains(string(b), "OLD=1") {
		t.Fatalf("the file was not replaced")
	}
}

// TestEditDescription: edit changes the description and keeps the value.
func TestEditDescription(t *testing.T) {
	h := newVault(t)
	v := secret("sk_live_edit_value_2468")
	h.ok(t, v, "set", "--description", "old text", "acme/api/KEY")
	h.ok(t, "", "edit", "acme/api/KEY", "--description", "Stripe live key, rotated monthly")
	if ls := h.ok(t, "", "ls", "acme"); !strings.Contains(ls, "Stripe live key, rotated monthly") || strings.Contains(ls, "old text") {
		t.Fatalf("ls after edit:\n%s", ls)
	}
	if got := h.ok(t, "", "get", "--raw", "acme/api/KEY"); got != v {
		t.Fatal("edit changed the value")
	}
	if r := h.run(t, "", "edit", "acme/api/NOPE", "--description", "x"); r.code != exitNotFound {
		t.Fatalf("edit of a missing secret: exit %d %s", r.code, r.stderr)
	}
}

// TestInjectTemplate: op inject's shape. Every {{ noxkey://PATH }} becomes
// the value, byte for byte; other text, other braces included, is kept;
// a missing secret or a malformed reference writes nothing.
func TestInjectTemplate(t *testing.T) {
	h := newVault(t)
	key, pw := secret("sk_live_inject_value_1357"), secret(`p@ss "w0rd" $HOME\n`)
	h.ok(t, key, "set", "acme/api/KEY")
	h.ok(t, pw, "set", "acme/db/PASSWORD")
	tmpl := "api:\n  key: {{ noxkey://acme/api/KEY }}\n  other: {{ .Values.x }}\ndb: \"{{noxkey://acme/db/PASSWORD}}\" / {{  noxkey://acme/db/PASSWORD\t}}\n"
	want := "api:\n  key: " + key + "\n  other: {{ .Values.x }}\ndb: \"" + pw + "\" / " + pw + "\n"
	if got := h.ok(t, tmpl, "inject"); got != want {
		t.Fatalf("inject from stdin: got %d bytes, want %d", len(got), len(want))
	}
	dir := t.TempDir()
	in, out := filepath.Join(dir, "config.tmpl"), filepath.Join(dir, "config.yml")
	os.WriteFile(in, []byte(tmpl), 0o644)
	h.ok(t, "", "inject", "-i", in, "-o", out)
	if b, _ := os.ReadFile(out); string(b) != want {
		t.Fatal("inject -o wrote something else")
	}
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("inject -o mode: %v %v", fi, err)
	}
	os.Remove(out)
	for _, tc := range []struct {
		tmpl string
		code int
		msg  string
	}{
		{"a: {{ noxkey://acme/api/NOPE }}\n", exitNotFound, "acme/api/NOPE"},
		{"a\nb: {{ noxkey://acme/api/ }}\n", 1, "line 2: {{ noxkey://acme/api/ }}"},
	} {
		os.WriteFile(in, []byte(tc.tmpl), 0o644)
		r := h.run(t, "", "inject", "-i", in, "-o", out)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.msg) {
			t.Errorf("inject %q: exit %d %q", tc.tmpl, r.code, r.stderr)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("inject %q wrote a file", tc.tmpl)
		}
	}
	if got := h.ok(t, "no references {{ here }}\n", "inject"); got != "no references {{ here }}\n" {
		t.Fatalf("a template without references: %q", got)
	}
}

// TestHistoryAndRestore: set keeps the replaced value; history lists the
// versions without a value (for an agent too); restore brings one back,
// through the unlocked daemon and on a locked vault; the guard still
// redacts a replaced value.
func TestHistoryAndRestore(t *testing.T) {
	h := newVault(t)
	v1, v2 := secret("sk_live_history_first_1111"), secret("sk_live_history_second_22222")
	h.ok(t, v1, "set", "acme/api/KEY")
	h.ok(t, v2, "set", "acme/api/KEY")
	out := h.ok(t, "", "history", "acme/api/KEY")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[1], "current  ") || !strings.Contains(lines[1], "      28  ") ||
		!strings.HasPrefix(lines[2], "1  ") || !strings.Contains(lines[2], "      26  ") {
		t.Fatalf("history:\n%s", out)
	}
	var vs []vault.Version
	if err := json.Unmarshal([]byte(h.ok(t, "", "history", "--json", "acme/api/KEY")), &vs); err != nil || len(vs) != 2 || vs[1].N != 1 || vs[0].MAC == vs[1].MAC {
		t.Fatalf("history --json: %+v %v", vs, err)
	}
	// The guard redacts the replaced value as well as the current one.
	r := h.exec(t, "noxkey-hook", "old "+v1+" new "+v2+"\n", "filter")
	if strings.Contains(r.stdout, v1) || strings.Contains(r.stdout, v2) {
		t.Fatal("the guard let a value through")
	}
	h.ok(t, "", "restore", "acme/api/KEY", "1")
	if got := h.ok(t, "", "get", "--raw", "acme/api/KEY"); got != v1 {
		t.Fatal("restore 1 did not bring back the first value")
	}
	h.ok(t, "", "lock")
	h.ok(t, "", "restore", "acme/api/KEY", "1") // locked: written directly
	if got := h.ok(t, "", "get", "--raw", "acme/api/KEY"); got != v2 {
		t.Fatal("restore on a locked vault did not bring back the second value")
	}
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"restore", "acme/api/KEY", "9"}, 1, "has no version 9 (it has 1 to 3)"},
		{[]string{"restore", "acme/api/KEY", "x"}, 1, `"x" is not a version`},
		{[]string{"history", "acme/api/NOPE"}, exitNotFound, "acme/api/NOPE"},
	} {
		if r := h.run(t, "", tc.args...); r.code != tc.code || !strings.Contains(r.stderr, tc.msg) {
			t.Errorf("%v: exit %d %q", tc.args, r.code, r.stderr)
		}
	}
}

// TestUnlockRightAfterStop: `noxkey daemon stop` returns once the daemon
// has ended, so an unlock right after it starts a new one. (A daemon
// answers a stop before it lets go of its lock; a daemon started in
// between found the lock held and exited, and so did the unlock.)
func TestUnlockRightAfterStop(t *testing.T) {
	h := newVault(t)
	for i := 0; i < 10; i++ {
		h.ok(t, "", "unlock")
		h.ok(t, "", "daemon", "stop")
	}
}
