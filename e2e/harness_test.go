package e2e

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/noxkey/noxkey/guard"
	"github.com/noxkey/noxkey/guard/arm/armtest"
	"github.com/noxkey/noxkey/guard/config"
)

// The test secret: the agent's shell has it as $NOXKEY_TEST_SECRET.
const testSecret = "nxk_live_Q7m2ZpX9vR4tW8yB3cF6hJ1k"

// placeholder is what the guard puts in its place.
const placeholder = "[REDACTED:acme/test/NOXKEY_TEST_SECRET]"

var bins string // noxkey and noxkey-hook, built for the suite

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "noxkey-e2e")
	if err != nil {
		panic(err)
	}
	build := exec.Command("go", "build", "-o", dir, "../cmd/noxkey-hook", "../cmd/noxkey")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := build.CombinedOutput()
	if err != nil {
		panic(string(out))
	}
	bins = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// step is what the mock model does next: call a tool, or answer text.
type step struct {
	tool  string // "shell" is each agent's shell tool; other names are sent as they are
	input map[string]any
	text  string
	// next, when set, decides the step from the last tool result's text
	// (e.g. to Read the file a large output was saved to).
	next func(lastResult string) step
}

func shell(command string) step {
	return step{tool: "shell", input: map[string]any{"command": command}}
}

// recorder keeps every request body a mock model received.
type recorder struct {
	mu     sync.Mutex
	bodies [][]byte
}

func (r *recorder) record(req *http.Request) []byte {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.bodies = append(r.bodies, body)
	r.mu.Unlock()
	return body
}

func (r *recorder) requests() [][]byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][]byte(nil), r.bodies...)
}

// startMock serves h on 127.0.0.1 until the test ends.
func startMock(t *testing.T, h http.HandlerFunc) *httptest.Server {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// scene is one scenario's files: HOME, the noxkey home, the project, and
// the mock's URL.
type scene struct {
	root, home, nk, project, url string
}

// agent is how to run one real agent against its mock model.
type agent struct {
	name, binEnv, pkg string // hooks install --agent name; $binEnv names its binary (.ci/run sets it)
	mock              func(t *testing.T, script []step) (url string, requests func() [][]byte)
	// command returns the agent's arguments and extra environment, and
	// writes any configuration it needs into the scene.
	command func(t *testing.T, prompt string, s *scene) (args, env []string)
}

type scenarioOpts struct {
	noHooks bool
	setup   func(project string)
	// fromVault: the secret is only in a real vault, unlocked in a real
	// daemon; the agent's environment does not hold it.
	fromVault bool
	// again: run in an earlier run's scene (its HOME, project and noxkey
	// home, as they are now), with args added to the agent's.
	again *agentRun
	args  []string
	// replaceArgs (Claude Code): run `-p PROMPT` and args only, without the
	// agent's own tool allowlist.
	replaceArgs bool
}

// agentRun is one scenario's outcome.
type agentRun struct {
	scene   *scene
	bodies  func() [][]byte
	home    string // the agent's HOME: its transcripts and history
	nk      string // NOXKEY_HOME
	project string
	stdout  string
	stderr  string
	events  string
}

// run runs one scenario: a project with noxkey's hooks installed by
// `noxkey hooks install --scope project`, a noxkey home whose index holds
// the secret, and the agent driven by its mock through the script.
func (a *agent) run(t *testing.T, prompt string, script []step, o scenarioOpts) *agentRun {
	t.Helper()
	bin := os.Getenv(a.binEnv)
	if bin == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set: .ci/run installs %s and sets it", a.binEnv, a.pkg)
		}
		t.Skipf("set %s to the binary of %s (npm install %s) to run the real-client tests", a.binEnv, a.pkg, a.pkg)
	}
	var s *scene
	secretEnv := "NOXKEY_TEST_SECRET=" + testSecret
	if o.again != nil {
		s = o.again.scene
	} else {
		root := t.TempDir()
		s = &scene{root: root, home: filepath.Join(root, "home"), nk: filepath.Join(root, "nk"), project: filepath.Join(root, "proj")}
		os.MkdirAll(s.home, 0o755)
		os.MkdirAll(s.project, 0o755)
		os.MkdirAll(s.nk, 0o700)
		if o.fromVault {
			vaultWithSecret(t, root, s.nk)
		} else {
			syntheticIndex(t, s.nk)
		}
		if !o.noHooks {
			installHooks(t, a.name, s.home, s.project, s.nk)
		}
		if o.setup != nil {
			o.setup(s.project)
		}
	}
	if o.fromVault {
		secretEnv = "NOXKEY_E2E_FROM_VAULT=1"
	}
	root := s.root
	url, requests := a.mock(t, script)
	s.url = url
	args, env := a.command(t, prompt, s)
	if o.replaceArgs {
		args = []string{"-p", prompt}
	}
	cmd := exec.Command(bin, append(args, o.args...)...)
	cmd.Dir = s.project
	cmd.Env = append([]string{
		"HOME=" + s.home, "PATH=" + bins + ":" + os.Getenv("PATH"), "LANG=C.UTF-8",
		"NOXKEY_HOME=" + s.nk, secretEnv, "NOXKEY_HOOK_EVENT_LOG=" + filepath.Join(root, "events.log"),
	}, env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Logf("%s exited: %v; stderr: %s", a.name, err, hide(errb.String()))
	}
	events, _ := os.ReadFile(filepath.Join(root, "events.log"))
	t.Logf("hook events: %s", strings.ReplaceAll(strings.TrimSpace(string(events)), "\n", "; "))
	if os.Getenv("NOXKEY_E2E_VERBOSE") != "" {
		t.Logf("stdout: %s\nstderr: %s", hide(out.String()), hide(errb.String()))
	}
	return &agentRun{scene: s, bodies: requests, home: s.home, nk: s.nk, project: s.project, stdout: out.String(), stderr: errb.String(), events: string(events)}
}

// installHooks runs the real `noxkey hooks install --scope project`.
func installHooks(t *testing.T, agent, home, project, nk string) {
	t.Helper()
	c := exec.Command(filepath.Join(bins, "noxkey"), "hooks", "install", "--agent", agent, "--scope", "project")
	c.Dir = project
	c.Env = []string{"HOME=" + home, "NOXKEY_HOME=" + nk, "PATH=" + bins + ":/usr/bin:/bin"}
	if out, err := c.CombinedOutput(); err != nil {
		t.Fatalf("hooks install --agent %s: %v %s", agent, err, out)
	}
}

// vaultWithSecret makes a real vault in nk holding the test secret, and
// unlocks it in a daemon (stopped when the test ends). The daemon uses
// the built-in agent signatures: an agent's shell is an agent to it.
func vaultWithSecret(t *testing.T, root, nk string) {
	t.Helper()
	pass := filepath.Join(root, "pass")
	os.WriteFile(pass, []byte("e2e passphrase\n"), 0o600)
	env := []string{"PATH=" + bins + ":/usr/bin:/bin", "HOME=" + root, "NOXKEY_HOME=" + nk,
		"NOXKEY_PASSPHRASE_FILE=" + pass, "NOXKEY_SCRYPT_WORK_FACTOR=10"}
	armtest.DisarmAtEnd(t, filepath.Join(nk, "guard.idx")) // init and unlock arm the guard
	nkRun := func(stdin string, args ...string) {
		c := exec.Command(filepath.Join(bins, "noxkey"), args...)
		c.Env = env
		c.Stdin = strings.NewReader(stdin)
		if out, err := c.CombinedOutput(); err != nil {
			t.Fatalf("noxkey %v: %v %s", args, err, hide(string(out)))
		}
	}
	nkRun("", "init")
	nkRun(testSecret+"\n", "set", "acme/test/NOXKEY_TEST_SECRET")
	nkRun("", "unlock")
	t.Cleanup(func() { nkRun("", "daemon", "stop") })
}

// syntheticIndex writes a guard index holding the test secret.
func syntheticIndex(t *testing.T, nk string) {
	t.Helper()
	cfg, err := config.LoadConfig(nk)
	if err != nil {
		t.Fatal(err)
	}
	st, err := cfg.Settings()
	if err != nil {
		t.Fatal(err)
	}
	ix, _, err := guard.Build([]guard.Secret{{Name: "acme/test/NOXKEY_TEST_SECRET", Value: []byte(testSecret)}},
		armtest.Key(t), guard.Options{Settings: st})
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.WriteFile(filepath.Join(nk, "guard.idx")); err != nil {
		t.Fatal(err)
	}
}

// secretForms are the encodings a leak could take, computed with the
// standard library (not with the guard under test).
func secretForms() map[string]string {
	b := []byte(testSecret)
	return map[string]string{
		"raw":    testSecret,
		"base64": strings.TrimRight(base64.StdEncoding.EncodeToString(b), "="),
		"b64url": strings.TrimRight(base64.URLEncoding.EncodeToString(b), "="),
		"hex":    hex.EncodeToString(b),
		"HEX":    strings.ToUpper(hex.EncodeToString(b)),
		// the middle of the secret, as base64 at another byte alignment would hold it
		"b64-off1": base64.StdEncoding.EncodeToString(append([]byte{0}, b...))[4:24],
	}
}

// hide keeps the test secret out of test output.
func hide(s string) string { return strings.ReplaceAll(s, testSecret, "<test secret>") }

// assertNoLeak fails when the agent sent nothing, or any request to the
// mock holds the secret in any form.
func (r *agentRun) assertNoLeak(t *testing.T) {
	t.Helper()
	if len(r.bodies()) == 0 {
		t.Fatalf("the agent sent no request; stderr: %s", hide(r.stderr))
	}
	r.assertNoneCarries(t)
}

// assertNoneCarries: no request (there may be none) holds the secret.
func (r *agentRun) assertNoneCarries(t *testing.T) {
	t.Helper()
	reqs := r.bodies()
	for i, body := range reqs {
		for name, f := range secretForms() {
			if bytes.Contains(body, []byte(f)) {
				t.Fatalf("request %d of %d carries the secret (%s form)", i+1, len(reqs), name)
			}
		}
	}
}

// saw reports whether some request holds s (e.g. the placeholder).
func (r *agentRun) saw(s string) bool {
	for _, b := range r.bodies() {
		if bytes.Contains(b, []byte(s)) {
			return true
		}
	}
	return false
}

// sharedScenarios run with every agent: each must keep the secret from
// the model and show it the redacted output (want); the control runs
// without hooks and must leak, so the assertions can fail.
var sharedScenarios = []struct {
	name, prompt, command string
	files                 map[string]string
	want                  []string
	hidden                []string // forms of the secret that must not reach the model
	control               bool
}{
	{name: "control without noxkey leaks", prompt: "print the key", command: `echo "key is $NOXKEY_TEST_SECRET"`, control: true},
	{name: "echo of a secret", prompt: "print the key", command: `echo "key is $NOXKEY_TEST_SECRET"`, want: []string{"key is " + placeholder}},
	{name: "cat .env", prompt: "show the env file", command: `cat .env`,
		files: map[string]string{".env": "STRIPE_KEY=" + testSecret + "\nDEBUG=1\n"}, want: []string{"STRIPE_KEY=" + placeholder, "DEBUG=1"}},
	{name: "failing command prints the secret", prompt: "run it", command: `echo "out: $NOXKEY_TEST_SECRET"; echo "err: $NOXKEY_TEST_SECRET" >&2; exit 3`,
		want: []string{"out: " + placeholder, "err: " + placeholder}},
	{name: "base64-encoded secret", prompt: "encode it", command: `printf %s "$NOXKEY_TEST_SECRET" | base64`, want: []string{placeholder}},
	// Forms only the decoded views find: a hex dump, bash's quoting, and a
	// JSON credential read with jq.
	{name: "xxd of a secret", prompt: "dump it", command: `printf 'key=%s\n' "$NOXKEY_TEST_SECRET" | xxd`, want: []string{"[REDACTED:acme/test/NOXKEY_TEST_SECRET"},
		hidden: []string{"6e78 6b5f 6c69 7665", "key=nxk_live_Q7m", "ZpX9vR4tW8yB3cF6"}},
	{name: "declare -p of a secret", prompt: "show the variable", command: `export NOXKEY_TEST_SECRET="$NOXKEY_TEST_SECRET\$\"x"; declare -p NOXKEY_TEST_SECRET`, want: []string{"[REDACTED:acme/test/NOXKEY_TEST_SECRET"}},
	{name: "jq of a JSON credential", prompt: "read the credential", command: `jq -c . creds.json`,
		files: map[string]string{"creds.json": `{"type": "service_account", "client_secret": "` + testSecret + `", "note": "it's \"quoted\""}`},
		want:  []string{"[REDACTED:acme/test/NOXKEY_TEST_SECRET", "service_account"}},
}

// runSharedScenarios runs sharedScenarios with a; extra adds what a
// given scenario must also show with this agent.
func runSharedScenarios(t *testing.T, a *agent, extra map[string][]string) {
	for _, sc := range sharedScenarios {
		t.Run(sc.name, func(t *testing.T) {
			r := a.run(t, sc.prompt, []step{shell(sc.command)}, scenarioOpts{noHooks: sc.control, setup: func(p string) {
				for name, body := range sc.files {
					os.WriteFile(filepath.Join(p, name), []byte(body), 0o600)
				}
			}})
			if sc.control {
				if !r.saw(testSecret) {
					t.Fatalf("without hooks the secret should reach the mock (stderr %s)", hide(r.stderr))
				}
				return
			}
			r.assertNoLeak(t)
			for _, h := range sc.hidden {
				if r.saw(h) {
					t.Errorf("the model saw %q", h)
				}
			}
			for _, w := range append(sc.want, extra[sc.name]...) {
				if !r.saw(w) {
					t.Errorf("the model never saw %q; stderr %s", w, hide(r.stderr))
				}
			}
		})
	}
}

// assertPromptBlocked: a prompt holding the secret is stopped by the
// agent's prompt hook (event): nothing of it reaches the mock, and the
// turn does not go on.
func assertPromptBlocked(t *testing.T, a *agent, event string) {
	t.Helper()
	r := a.run(t, "deploy with the key "+testSecret, []step{shell(`echo should-not-run`)}, scenarioOpts{})
	r.assertNoneCarries(t)
	if r.saw("should-not-run") {
		t.Fatal("the turn went on after the prompt was blocked")
	}
	if !strings.Contains(r.events, event+"  exit=0 answered=true") && !strings.Contains(r.events, event+" exit=0 answered=true") {
		t.Fatalf("the prompt hook did not block: %s", r.events)
	}
}

// runFidelityScenarios: with a's hooks, commands run as without them.
// The agents of e2e/ run in parallel (go test's 10 minutes are for the
// package), so durations are compared with room for the load. A
// clean command's result (stdout and stderr in turn, a tab, no newline at
// the end) reaches the model byte for byte as without noxkey,
// with no note that a hook changed anything; a command that leaves a job
// in the background returns at once, and what the job prints later never
// reaches the model unfiltered.
func runFidelityScenarios(t *testing.T, a *agent) {
	t.Run("clean output is byte-identical", func(t *testing.T) {
		// Pauses between the streams: Codex reads stdout and stderr
		// concurrently, so without them their order varies run to run.
		cmd := `echo alpha; for i in 1 2; do echo "out$i"; sleep .3; echo "err$i" >&2; sleep .3; done; printf 'tab\there\n'; printf omega`
		var got [2]string
		for i, noHooks := range []bool{true, false} {
			r := a.run(t, "clean", []step{shell(cmd)}, scenarioOpts{noHooks: noHooks})
			got[i] = between(r, "alpha", "omega")
			if !noHooks && (r.saw("modified by a hook") || r.saw("REDACTED")) {
				t.Error("the model was told of a change")
			}
		}
		if got[0] == "" || got[0] != got[1] {
			t.Fatalf("without noxkey %q, with it %q", got[0], got[1])
		}
	})
	t.Run("background job returns as without noxkey", func(t *testing.T) {
		var took [2]time.Duration
		for i, noHooks := range []bool{true, false} {
			// A first run in the same HOME, so that an agent's first start
			// (opencode installs its plugin package once) is not counted.
			warm := a.run(t, "warm up", []step{shell(`echo warm`)}, scenarioOpts{noHooks: noHooks})
			start := time.Now()
			r := a.run(t, "background", []step{
				shell(`(sleep 8; echo "late $NOXKEY_TEST_SECRET") & echo "started $NOXKEY_TEST_SECRET"`),
				shell(`echo next`),
			}, scenarioOpts{noHooks: noHooks, again: warm})
			took[i] = time.Since(start)
			if !r.saw("next") {
				t.Fatalf("the second command did not run: %s", r.events)
			}
			if !noHooks {
				r.assertNoLeak(t)
				if !r.saw("started " + placeholder) {
					t.Fatal("the first command's output was not filtered")
				}
			}
		}
		if took[1] > took[0]+5*time.Second {
			t.Fatalf("the run took %v without noxkey, %v with it", took[0], took[1])
		}
	})
}

// between is the text of the last request holding from, from from to to
// (JSON-escaped as the agent sent it).
func between(r *agentRun, from, to string) string {
	reqs := r.bodies()
	for i := len(reqs) - 1; i >= 0; i-- {
		b := string(reqs[i])
		if s := strings.LastIndex(b, from); s >= 0 {
			if e := strings.Index(b[s:], to); e >= 0 {
				return b[s : s+e+len(to)]
			}
		}
	}
	return ""
}
