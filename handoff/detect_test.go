package handoff

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// fakeProcs is an injected process table.
type fakeProcs struct {
	procs map[int]*Process
	env   map[int][]string
}

func (f *fakeProcs) Process(pid int) (*Process, error) {
	p, ok := f.procs[pid]
	if !ok {
		return nil, fmt.Errorf("no process %d", pid)
	}
	return p, nil
}

func (f *fakeProcs) Environ(pid int) ([]string, error) { return f.env[pid], nil }

var (
	procLine = regexp.MustCompile(`^pid=(\d+) comm=(\S+) exe=(\S*)`)
	envLine  = regexp.MustCompile(`^(?:Output: )?([A-Za-z_][A-Za-z0-9_]*)=(.*)$`)
)

// fixtureTree builds the captured agent shell tree of testdata, with a
// noxkey process (pid 1000000) under its innermost shell and the
// captured shell environment as noxkey's own.
func fixtureTree(t *testing.T, agent string) *fakeProcs {
	t.Helper()
	f := &fakeProcs{procs: map[int]*Process{}, env: map[int][]string{}}
	var chain []*Process
	tree, err := os.Open("testdata/" + agent + "-shell-proc-tree.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	sc := bufio.NewScanner(tree)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := strings.TrimPrefix(sc.Text(), "Output: ")
		if m := procLine.FindStringSubmatch(line); m != nil {
			pid, _ := strconv.Atoi(m[1])
			chain = append(chain, &Process{Pid: pid, Comm: m[2], Exe: m[3]})
		} else if c, ok := strings.CutPrefix(strings.TrimSpace(line), "cmdline="); ok && len(chain) > 0 {
			chain[len(chain)-1].Args = strings.Fields(c)
		}
	}
	if len(chain) < 2 {
		t.Fatalf("%s: parsed %d processes", agent, len(chain))
	}
	peer := &Process{Pid: 1000000, Comm: "noxkey", Exe: "/usr/local/bin/noxkey", Args: []string{"noxkey", "get", "acme/api/KEY"}, StartTime: 1000}
	chain = append([]*Process{peer}, chain...)
	for i, p := range chain {
		p.StartTime = uint64(1000 - i)
		if i+1 < len(chain) {
			p.PPid = chain[i+1].Pid
		} else {
			p.PPid = 1
		}
		f.procs[p.Pid] = p
	}
	envFile, err := os.ReadFile("testdata/" + agent + "-shell-env.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(envFile), "\n") {
		if m := envLine.FindStringSubmatch(l); m != nil {
			f.env[peer.Pid] = append(f.env[peer.Pid], m[1]+"="+m[2])
		}
	}
	return f
}

func sigs(t *testing.T) *Signatures {
	t.Helper()
	s, err := LoadSignatures("")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestDetectCapturedAgents(t *testing.T) {
	for _, agent := range []string{"claude", "codex", "gemini"} {
		t.Run(agent, func(t *testing.T) {
			full := fixtureTree(t, agent)
			v, err := sigs(t).Detect(full, 1000000)
			if err != nil {
				t.Fatal(err)
			}
			if !v.Agent || v.Name != agent || v.Shell != "bash" {
				t.Fatalf("verdict %+v", v)
			}
			// Each signal alone suffices: the tree without the
			// environment, and the environment without the tree.
			noEnv := fixtureTree(t, agent)
			noEnv.env = nil
			if v, _ := sigs(t).Detect(noEnv, 1000000); !v.Agent || v.Name != agent {
				t.Errorf("process tree alone: %+v", v)
			}
			envOnly := fixtureTree(t, agent)
			envOnly.procs[1000000].PPid = 1
			if v, _ := sigs(t).Detect(envOnly, 1000000); !v.Agent {
				t.Errorf("environment alone: %+v", v)
			}
		})
	}
}

func humanTree(tty bool, env ...string) *fakeProcs {
	return &fakeProcs{
		procs: map[int]*Process{
			300: {Pid: 300, PPid: 200, Comm: "noxkey", Exe: "/usr/local/bin/noxkey", Args: []string{"noxkey", "get", "a/B"}, TTY: tty, StartTime: 30},
			200: {Pid: 200, PPid: 100, Comm: "zsh", Exe: "/usr/bin/zsh", Args: []string{"-zsh"}, TTY: tty, StartTime: 20},
			100: {Pid: 100, PPid: 1, Comm: "sshd", Exe: "/usr/sbin/sshd", Args: []string{"sshd: me@pts/0"}, StartTime: 10},
		},
		env: map[int][]string{300: append([]string{"HOME=/home/me", "TERM=xterm-256color", "SHELL=/usr/bin/zsh"}, env...)},
	}
}

func TestDetectHumans(t *testing.T) {
	cases := map[string]*fakeProcs{
		"terminal":                humanTree(true),
		"script, cron or CI":      humanTree(false),
		"IDE terminal CLAUDECODE": humanTree(true, "CLAUDECODE=1"),
	}
	for name, tree := range cases {
		v, err := sigs(t).Detect(tree, 300)
		if err != nil {
			t.Fatal(err)
		}
		if v.Agent || v.Shell != "zsh" {
			t.Errorf("%s: verdict %+v", name, v)
		}
	}
	// The same weak marker without a terminal is Claude Code's own shell.
	if v, _ := sigs(t).Detect(humanTree(false, "CLAUDECODE=1"), 300); !v.Agent || v.Name != "claude" {
		t.Errorf("CLAUDECODE without a terminal: %+v", v)
	}
}

func TestDetectStopsAtReusedPid(t *testing.T) {
	tree := humanTree(false)
	// A "parent" younger than its child is a reused pid: never trust it.
	tree.procs[100] = &Process{Pid: 100, PPid: 1, Comm: "claude", StartTime: 99}
	v, _ := sigs(t).Detect(tree, 300)
	if v.Agent {
		t.Errorf("matched a reused pid: %+v", v)
	}
}

func TestDetectInterpreterArgs(t *testing.T) {
	tree := humanTree(false)
	tree.procs[100] = &Process{Pid: 100, PPid: 1, Comm: "node", Exe: "/usr/bin/node", Args: []string{"/usr/bin/node", "--max-old-space-size=1", "/x/bin/gemini", "-p"}, StartTime: 10}
	if v, _ := sigs(t).Detect(tree, 300); !v.Agent || v.Name != "gemini" {
		t.Errorf("node .../gemini: %+v", v)
	}
	// An argument of a non-interpreter is not the program: `less codex`.
	tree.procs[100] = &Process{Pid: 100, PPid: 1, Comm: "less", Exe: "/usr/bin/less", Args: []string{"less", "codex"}, StartTime: 10}
	if v, _ := sigs(t).Detect(tree, 300); v.Agent {
		t.Errorf("less codex: %+v", v)
	}
}

func TestUserSignatureOverride(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(dir+"/agents", 0o700)
	os.WriteFile(dir+"/agents/newagent.toml", []byte("agent = \"newagent\"\n[detect]\nprocesses = [\"sshd\"]\n"), 0o600)
	s, err := LoadSignatures(dir)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := s.Detect(humanTree(true), 300); !v.Agent || v.Name != "newagent" {
		t.Errorf("a user signature was not applied: %+v", v)
	}
	os.WriteFile(dir+"/agents/bad.toml", []byte("agent = \n"), 0o600)
	if _, err := LoadSignatures(dir); err == nil || !strings.Contains(err.Error(), "bad.toml") {
		t.Errorf("a broken user file: %v", err)
	}
}

func TestLiveSelf(t *testing.T) {
	p, err := System.Process(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if p.PPid != os.Getppid() || p.Exe == "" || len(p.Args) == 0 {
		t.Errorf("%+v", p)
	}
	env, err := System.Environ(os.Getpid())
	if err != nil || len(env) == 0 {
		t.Errorf("environ: %v", err)
	}
}

// BenchmarkDetectLive classifies this test process from the live /proc:
// the daemon's work per connection.
func BenchmarkDetectLive(b *testing.B) {
	s, err := LoadSignatures("")
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		if _, err := s.Detect(System, os.Getpid()); err != nil {
			b.Fatal(err)
		}
	}
}

// TestNoTerminalIsAgentPolicy: with the opt-in policy, a caller with no
// terminal that no signature names is an agent ("unknown"); one with a
// terminal stays human; off (the default), neither is an agent.
func TestNoTerminalIsAgentPolicy(t *testing.T) {
	s := sigs(t)
	if v, _ := s.Detect(humanTree(false), 300); v.Agent {
		t.Fatalf("policy off: %+v", v)
	}
	s.NoTerminalIsAgent = true
	if v, _ := s.Detect(humanTree(false), 300); !v.Agent || v.Name != "unknown" {
		t.Errorf("no terminal with the policy on: %+v", v)
	}
	if v, _ := s.Detect(humanTree(true), 300); v.Agent {
		t.Errorf("a terminal with the policy on: %+v", v)
	}
	if v, _ := s.Detect(humanTree(false, "CLAUDECODE=1"), 300); v.Name != "claude" {
		t.Errorf("a known agent keeps its name: %+v", v)
	}
}
