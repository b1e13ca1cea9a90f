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

// Secret is the test secret: the agent's shell has it as $NOXKEY_TEST_SECRET.
const Secret = "nxk_live_Q7m2ZpX9vR4tW8yB3cF6hJ1k"

// Placeholder is what the guard puts in its place.
const Placeholder = "[REDACTED:acme/test/NOXKEY_TEST_SECRET]"

// Bins is the folder holding noxkey and noxkey-hook, built by Main.
var Bins string

// Main builds noxkey and noxkey-hook for a package's tests and runs them:
// each agent's tests are a package of their own, so that each has go
// test's ten minutes, and packages run side by side. Call it from
// TestMain.
func Main(m *testing.M) {
	dir, err := os.MkdirTemp("", "noxkey-e2e")
	if err != nil {
		panic(err)
	}
	build := exec.Command("go", "build", "-o", dir, "github.com/noxkey/noxkey/cmd/noxkey-hook", "github.com/noxkey/noxkey/cmd/noxkey")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := build.CombinedOutput()
	if err != nil {
		panic(string(out))
	}
	Bins = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// Step is what the mock model does next: call a tool, or answer text.
type Step struct {
	Tool  string // "shell" is each agent's shell tool; other names are sent as they are
	Input map[string]any
	Text  string
	// Next, when set, decides the step from the last tool result's text
	// (e.g. to Read the file a large output was saved to).
	Next func(lastResult string) Step
}

func Shell(command string) Step {
	return Step{Tool: "shell", Input: map[string]any{"command": command}}
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

// Scene is one scenario's files: HOME, the noxkey home, the project, and
// the mock's URL.
type Scene struct {
	Root, home, nk, project, url string
}

// Agent is how to run one real agent against its mock model.
type Agent struct {
	Name, binEnv, pkg string // hooks install --agent name; $binEnv names its binary (.ci/run sets it)
	mock              func(t *testing.T, script []Step) (url string, requests func() [][]byte)
	// command returns the agent's arguments and extra environment, and
	// writes any configuration it needs into the scene.
	command func(t *testing.T, prompt string, s *Scene) (args, env []string)
}

type Opts struct {
	NoHooks bool
	Setup   func(project string)
	// FromVault: the secret is only in a real vault, unlocked in a real
	// daemon; the agent's environment does not hold it.
	FromVault bool
	// Again: run in an earlier run's scene (its HOME, project and noxkey
	// home, as they are now), with args added to the agent's.
	Again *Result
	Args  []string
	// ReplaceArgs (Claude Code): run `-p PROMPT` and args only, without the
	// agent's own tool allowlist.
	ReplaceArgs bool
}

// Result is one scenario's outcome.
type Result struct {
	Scene   *Scene
	Bodies  func() [][]byte
	Home    string // the agent's HOME: its transcripts and history
	NK      string // NOXKEY_HOME
	Project string
	Stdout  string
	Stderr  string
	Events  string
}

// Run runs one scenario: a project with noxkey's hooks installed by
// `noxkey hooks install --scope project`, a noxkey home whose index holds
// the secret, and the agent driven by its mock through the script.
func (a *Agent) Run(t *testing.T, prompt string, script []Step, o Opts) *Result {
	t.Helper()
	bin := os.Getenv(a.binEnv)
	if bin == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set: .ci/run installs %s and sets it", a.binEnv, a.pkg)
		}
		t.Skipf("set %s to the binary of %s (npm install %s) to run the real-client tests", a.binEnv, a.pkg, a.pkg)
	}
	var s *Scene
	secretEnv := "NOXKEY_TEST_SECRET=" + Secret
	if o.Again != nil {
		s = o.Again.Scene
	} else {
		root := t.TempDir()
		s = &Scene{Root: root, home: filepath.Join(root, "home"), nk: filepath.Join(root, "nk"), project: filepath.Join(root, "proj")}
		os.MkdirAll(s.home, 0o755)
		os.MkdirAll(s.project, 0o755)
		os.MkdirAll(s.nk, 0o700)
		if o.FromVault {
			vaultWithSecret(t, root, s.nk)
		} else {
			syntheticIndex(t, s.nk)
		}
		if !o.NoHooks {
			installHooks(t, a.Name, s.home, s.project, s.nk)
		}
		if o.Setup != nil {
			o.Setup(s.project)
		}
	}
	if o.FromVault {
		secretEnv = "NOXKEY_E2E_FROM_VAULT=1"
	}
	root := s.Root
	url, requests := a.mock(t, script)
	s.url = url
	args, env := a.command(t, prompt, s)
	if o.ReplaceArgs {
		args = []string{"-p", prompt}
	}
	cmd := exec.Command(bin, append(args, o.Args...)...)
	cmd.Dir = s.project
	cmd.Env = append([]string{
		"HOME=" + s.home, "PATH=" + Bins + ":" + os.Getenv("PATH"), "LANG=C.UTF-8",
		"NOXKEY_HOME=" + s.nk, secretEnv, "NOXKEY_HOOK_EVENT_LOG=" + filepath.Join(root, "events.log"),
	}, env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Logf("%s exited: %v; stderr: %s", a.Name, err, Hide(errb.String()))
	}
	events, _ := os.ReadFile(filepath.Join(root, "events.log"))
	t.Logf("hook events: %s", strings.ReplaceAll(strings.TrimSpace(string(events)), "\n", "; "))
	if os.Getenv("NOXKEY_E2E_VERBOSE") != "" {
		t.Logf("stdout: %s\nstderr: %s", Hide(out.String()), Hide(errb.String()))
	}
	return &Result{Scene: s, Bodies: requests, Home: s.home, NK: s.nk, Project: s.project, Stdout: out.String(), Stderr: errb.String(), Events: string(events)}
}

// installHooks runs the real `noxkey hooks install --scope project`.
func installHooks(t *testing.T, agent, home, project, nk string) {
	t.Helper()
	c := exec.Command(filepath.Join(Bins, "noxkey"), "hooks", "install", "--agent", agent, "--scope", "project")
	c.Dir = project
	c.Env = []string{"HOME=" + home, "NOXKEY_HOME=" + nk, "PATH=" + Bins + ":/usr/bin:/bin"}
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
	env := []string{"PATH=" + Bins + ":/usr/bin:/bin", "HOME=" + root, "NOXKEY_HOME=" + nk,
		"NOXKEY_PASSPHRASE_FILE=" + pass, "NOXKEY_SCRYPT_WORK_FACTOR=10"}
	armtest.DisarmAtEnd(t, filepath.Join(nk, "guard.idx")) // init and unlock arm the guard
	nkRun := func(stdin string, args ...string) {
		c := exec.Command(filepath.Join(Bins, "noxkey"), args...)
		c.Env = env
		c.Stdin = strings.NewReader(stdin)
		if out, err := c.CombinedOutput(); err != nil {
			t.Fatalf("noxkey %v: %v %s", args, err, Hide(string(out)))
		}
	}
	nkRun("", "init")
	nkRun(Secret+"\n", "set", "acme/test/NOXKEY_TEST_SECRET")
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
	ix, _, err := guard.Build([]guard.Secret{{Name: "acme/test/NOXKEY_TEST_SECRET", Value: []byte(Secret)}},
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
	b := []byte(Secret)
	return map[string]string{
		"raw":    Secret,
		"base64": strings.TrimRight(base64.StdEncoding.EncodeToString(b), "="),
		"b64url": strings.TrimRight(base64.URLEncoding.EncodeToString(b), "="),
		"hex":    hex.EncodeToString(b),
		"HEX":    strings.ToUpper(hex.EncodeToString(b)),
		// the middle of the secret, as base64 at another byte alignment would hold it
		"b64-off1": base64.StdEncoding.EncodeToString(append([]byte{0}, b...))[4:24],
	}
}

// Hide keeps the test secret out of test output.
func Hide(s string) string { return strings.ReplaceAll(s, Secret, "<test secret>") }

// AssertNoLeak fails when the agent sent nothing, or any request to the
// mock holds the secret in any form.
func (r *Result) AssertNoLeak(t *testing.T) {
	t.Helper()
	if len(r.Bodies()) == 0 {
		t.Fatalf("the agent sent no request; stderr: %s", Hide(r.Stderr))
	}
	r.AssertNoneCarries(t)
}

// AssertNoneCarries: no request (there may be none) holds the secret.
func (r *Result) AssertNoneCarries(t *testing.T) {
	t.Helper()
	reqs := r.Bodies()
	for i, body := range reqs {
		for name, f := range secretForms() {
			if bytes.Contains(body, []byte(f)) {
				t.Fatalf("request %d of %d carries the secret (%s form)", i+1, len(reqs), name)
			}
		}
	}
}

// Saw reports whether some request holds s (e.g. the placeholder).
func (r *Result) Saw(s string) bool {
	for _, b := range r.Bodies() {
		if bytes.Contains(b, []byte(s)) {
			return true
		}
	}
	return false
}

// sharedCases run with every agent: each must keep the secret from
// the model and show it the redacted output (want); the control runs
// without hooks and must leak, so the assertions can fail.
var sharedCases = []struct {
	name, prompt, command string
	files                 map[string]string
	want                  []string
	hidden                []string // forms of the secret that must not reach the model
	control               bool
}{
	{name: "control without noxkey leaks", prompt: "print the key", command: `echo "key is $NOXKEY_TEST_SECRET"`, control: true},
	{name: "echo of a secret", prompt: "print the key", command: `echo "key is $NOXKEY_TEST_SECRET"`, want: []string{"key is " + Placeholder}},
	{name: "cat .env", prompt: "show the env file", command: `cat .env`,
		files: map[string]string{".env": "STRIPE_KEY=" + Secret + "\nDEBUG=1\n"}, want: []string{"STRIPE_KEY=" + Placeholder, "DEBUG=1"}},
	{name: "failing command prints the secret", prompt: "run it", command: `echo "out: $NOXKEY_TEST_SECRET"; echo "err: $NOXKEY_TEST_SECRET" >&2; exit 3`,
		want: []string{"out: " + Placeholder, "err: " + Placeholder}},
	{name: "base64-encoded secret", prompt: "encode it", command: `printf %s "$NOXKEY_TEST_SECRET" | base64`, want: []string{Placeholder}},
	// Forms only the decoded views find: a hex dump, bash's quoting, and a
	// JSON credential read with jq.
	{name: "xxd of a secret", prompt: "dump it", command: `printf 'key=%s\n' "$NOXKEY_TEST_SECRET" | xxd`, want: []string{"[REDACTED:acme/test/NOXKEY_TEST_SECRET"},
		hidden: []string{"6e78 6b5f 6c69 7665", "key=nxk_live_Q7m", "ZpX9vR4tW8yB3cF6"}},
	{name: "declare -p of a secret", prompt: "show the variable", command: `export NOXKEY_TEST_SECRET="$NOXKEY_TEST_SECRET\$\"x"; declare -p NOXKEY_TEST_SECRET`, want: []string{"[REDACTED:acme/test/NOXKEY_TEST_SECRET"}},
	{name: "jq of a JSON credential", prompt: "read the credential", command: `jq -c . creds.json`,
		files: map[string]string{"creds.json": `{"type": "service_account", "client_secret": "` + Secret + `", "note": "it's \"quoted\""}`},
		want:  []string{"[REDACTED:acme/test/NOXKEY_TEST_SECRET", "service_account"}},
}

// SharedScenarios runs sharedCases with a; extra adds what a
// given scenario must also show with this agent.
func SharedScenarios(t *testing.T, a *Agent, extra map[string][]string) {
	for _, sc := range sharedCases {
		t.Run(sc.name, func(t *testing.T) {
			r := a.Run(t, sc.prompt, []Step{Shell(sc.command)}, Opts{NoHooks: sc.control, Setup: func(p string) {
				for name, body := range sc.files {
					os.WriteFile(filepath.Join(p, name), []byte(body), 0o600)
				}
			}})
			if sc.control {
				if !r.Saw(Secret) {
					t.Fatalf("without hooks the secret should reach the mock (stderr %s)", Hide(r.Stderr))
				}
				return
			}
			r.AssertNoLeak(t)
			for _, h := range sc.hidden {
				if r.Saw(h) {
					t.Errorf("the model saw %q", h)
				}
			}
			for _, w := range append(sc.want, extra[sc.name]...) {
				if !r.Saw(w) {
					t.Errorf("the model never saw %q; stderr %s", w, Hide(r.Stderr))
				}
			}
		})
	}
}

// PromptBlocked: a prompt holding the secret is stopped by the
// agent's prompt hook (event): nothing of it reaches the mock, and the
// turn does not go on.
func PromptBlocked(t *testing.T, a *Agent, event string) {
	t.Helper()
	r := a.Run(t, "deploy with the key "+Secret, []Step{Shell(`echo should-not-run`)}, Opts{})
	r.AssertNoneCarries(t)
	if r.Saw("should-not-run") {
		t.Fatal("the turn went on after the prompt was blocked")
	}
	if !strings.Contains(r.Events, event+"  exit=0 answered=true") && !strings.Contains(r.Events, event+" exit=0 answered=true") {
		t.Fatalf("the prompt hook did not block: %s", r.Events)
	}
}

// RecognisedAsAgent: the daemon's detection names a, so noxkey get hands
// off to it and refuses it plaintext (the secret is only in the vault).
func RecognisedAsAgent(t *testing.T, a *Agent) {
	t.Helper()
	nk := filepath.Join(Bins, "noxkey")
	r := a.Run(t, "who", []Step{
		Shell(nk + ` whoami`),
		Shell(nk + ` get --raw acme/test/NOXKEY_TEST_SECRET; echo "exit=$?"`),
	}, Opts{FromVault: true})
	r.AssertNoLeak(t)
	if !r.Saw("agent: "+a.Name) || !r.Saw("This command is not available to AI agents.") {
		t.Fatalf("%s was not recognised: %s", a.Name, r.Events)
	}
}

// FidelityScenarios: with a's hooks, commands run as without them.
// Agents' tests run side by side with other packages' and each other's,
// so durations are compared with room for the load. A
// clean command's result (stdout and stderr in turn, a tab, no newline at
// the end) reaches the model byte for byte as without noxkey,
// with no note that a hook changed anything; a command that leaves a job
// in the background returns at once, and what the job prints later never
// reaches the model unfiltered.
func FidelityScenarios(t *testing.T, a *Agent) {
	t.Run("clean output is byte-identical", func(t *testing.T) {
		// Pauses between the streams: Codex and opencode read stdout and
		// stderr concurrently, so without them their order varies run to
		// run (a second each: opencode on a loaded machine reordered
		// streams 0.3 s apart even without noxkey).
		cmd := `echo alpha; for i in 1 2; do echo "out$i"; sleep 1; echo "err$i" >&2; sleep 1; done; printf 'tab\there\n'; printf omega`
		var got [2]string
		for i, noHooks := range []bool{true, false} {
			r := a.Run(t, "clean", []Step{Shell(cmd)}, Opts{NoHooks: noHooks})
			got[i] = between(r, "alpha", "omega")
			if !noHooks && (r.Saw("modified by a hook") || r.Saw("REDACTED")) {
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
			warm := a.Run(t, "warm up", []Step{Shell(`echo warm`)}, Opts{NoHooks: noHooks})
			start := time.Now()
			r := a.Run(t, "background", []Step{
				Shell(`(sleep 8; echo "late $NOXKEY_TEST_SECRET") & echo "started $NOXKEY_TEST_SECRET"`),
				Shell(`echo next`),
			}, Opts{NoHooks: noHooks, Again: warm})
			took[i] = time.Since(start)
			if !r.Saw("next") {
				t.Fatalf("the second command did not run: %s", r.Events)
			}
			if !noHooks {
				r.AssertNoLeak(t)
				if !r.Saw("started " + Placeholder) {
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
func between(r *Result, from, to string) string {
	reqs := r.Bodies()
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
