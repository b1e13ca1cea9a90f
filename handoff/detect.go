package handoff

import (
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/noxkey/noxkey/configs"
)

// Signature is how one agent is recognised: the [detect] table of
// configs/agents/<agent>.toml.
type Signature struct {
	Agent string
	// Processes are basenames matched against every ancestor's comm,
	// executable, argv[0], and argv[1] after an interpreter.
	Processes []string `toml:"processes"`
	// Env are variables whose presence in the caller's environment makes
	// it an agent.
	Env []string `toml:"env"`
	// WeakEnv are variables that also appear in human terminals (an IDE's
	// integrated terminal): they count only when there is no terminal.
	WeakEnv []string `toml:"weak_env"`
}

// Signatures are every agent's signature plus the interpreters whose
// first argument names the real program.
type Signatures struct {
	Agents       []Signature
	Interpreters map[string]bool
	// NoTerminalIsAgent (config.toml no_terminal_is_agent, off by default)
	// makes a caller with no controlling terminal an agent even when no
	// signature matches: for agents noxkey does not know (Aider, Cline,
	// Goose, ...), at the price of scripts, cron and CI counting as agents.
	NoTerminalIsAgent bool
}

var defaultInterpreters = []string{"node", "nodejs", "bun", "deno", "python", "python3", "ruby"}

// LoadSignatures reads the embedded configs/agents/*.toml, each replaced
// by a file of the same name in userDir/agents (when userDir is set),
// plus any new agent files there.
func LoadSignatures(userDir string) (*Signatures, error) {
	files := map[string][]byte{}
	ents, _ := fs.Glob(configs.FS, "agents/*.toml")
	for _, e := range ents {
		b, err := configs.FS.ReadFile(e)
		if err != nil {
			return nil, err
		}
		files[filepath.Base(e)] = b
	}
	if userDir != "" {
		user, _ := filepath.Glob(filepath.Join(userDir, "agents", "*.toml"))
		for _, p := range user {
			b, err := os.ReadFile(p)
			if err != nil {
				return nil, fmt.Errorf("handoff: %w", err)
			}
			files[filepath.Base(p)] = b
		}
	}
	s := &Signatures{Interpreters: map[string]bool{}}
	for _, i := range defaultInterpreters {
		s.Interpreters[i] = true
	}
	for _, n := range slices.Sorted(maps.Keys(files)) {
		var f struct {
			Agent  string    `toml:"agent"`
			Detect Signature `toml:"detect"`
		}
		if _, err := toml.Decode(string(files[n]), &f); err != nil {
			return nil, fmt.Errorf("handoff: agents/%s: %w", n, err)
		}
		f.Detect.Agent = f.Agent
		if f.Agent == "" {
			f.Detect.Agent = strings.TrimSuffix(n, ".toml")
		}
		s.Agents = append(s.Agents, f.Detect)
	}
	return s, nil
}

// Verdict is the daemon's answer to "who is calling": an AI agent or a
// human, and every signal that led there.
type Verdict struct {
	Agent   bool     `json:"agent"`
	Name    string   `json:"name,omitempty"` // the agent's id, e.g. "claude"
	Shell   string   `json:"shell"`          // the caller's shell: bash zsh dash sh fish ksh, or ""
	TTY     bool     `json:"tty"`
	Pid     int      `json:"pid"`
	Exe     string   `json:"exe,omitempty"`
	Signals []string `json:"signals"`
}

// shells are the names a caller's shell can have.
var shells = map[string]bool{"bash": true, "zsh": true, "dash": true, "sh": true, "fish": true, "ksh": true, "mksh": true, "ash": true}

// maxDepth bounds the walk; a real tree is rarely 30 deep.
const maxDepth = 128

// Detect classifies the process pid: it walks pid's ancestors to PID 1,
// matching each against the signatures, reads pid's environment markers
// and whether it has a controlling terminal. A missing terminal alone
// never makes a caller an agent.
func (s *Signatures) Detect(procs Procs, pid int) (*Verdict, error) {
	peer, err := procs.Process(pid)
	if err != nil {
		return nil, err
	}
	v := &Verdict{Pid: pid, Exe: peer.Exe, TTY: peer.TTY}
	agent := func(name, signal string) {
		if !v.Agent {
			v.Agent, v.Name = true, name
		}
		v.Signals = append(v.Signals, signal+" => agent "+name)
	}
	if peer.TTY {
		v.Signals = append(v.Signals, fmt.Sprintf("pid %d has a controlling terminal", pid))
	} else {
		v.Signals = append(v.Signals, fmt.Sprintf("pid %d has no controlling terminal (alone, not a sign of an agent: scripts, cron and CI have none)", pid))
	}

	env, err := procs.Environ(pid)
	if err != nil {
		v.Signals = append(v.Signals, "environment unreadable: "+err.Error())
	}
	set := map[string]string{}
	for _, kv := range env {
		if k, val, ok := strings.Cut(kv, "="); ok {
			set[k] = val
		}
	}
	for _, sig := range s.Agents {
		for _, k := range sig.Env {
			if val, ok := set[k]; ok {
				agent(sig.Agent, fmt.Sprintf("env %s=%s", k, markerValue(val)))
			}
		}
		for _, k := range sig.WeakEnv {
			if val, ok := set[k]; ok {
				if peer.TTY {
					v.Signals = append(v.Signals, fmt.Sprintf("env %s=%s ignored: also set in IDE terminals, and a terminal is attached", k, markerValue(val)))
				} else {
					agent(sig.Agent, fmt.Sprintf("env %s=%s with no terminal", k, markerValue(val)))
				}
			}
		}
	}

	p := peer
	for depth := 0; depth < maxDepth; depth++ {
		if depth > 0 && v.Shell == "" {
			if sh := shellOf(p); sh != "" {
				v.Shell = sh
				v.Signals = append(v.Signals, fmt.Sprintf("shell: pid %d %s", p.Pid, sh))
			}
		}
		if sig, name := s.match(p); sig != nil {
			agent(sig.Agent, fmt.Sprintf("ancestor pid %d %q matches process name %q", p.Pid, p.Comm, name))
		}
		if p.PPid <= 1 {
			v.Signals = append(v.Signals, fmt.Sprintf("walk ended at pid %d (parent %d)", p.Pid, p.PPid))
			break
		}
		parent, err := procs.Process(p.PPid)
		if err != nil {
			v.Signals = append(v.Signals, fmt.Sprintf("walk stopped at pid %d: %v", p.PPid, err))
			break
		}
		if parent.StartTime > p.StartTime {
			// A parent cannot be younger than its child: the pid was reused.
			v.Signals = append(v.Signals, fmt.Sprintf("walk stopped at pid %d: started after its child (pid reused)", parent.Pid))
			break
		}
		p = parent
	}
	if !v.Agent && !peer.TTY && s.NoTerminalIsAgent {
		agent("unknown", "no agent signature matched, no controlling terminal, and config.toml's no_terminal_is_agent is on")
	}
	if !v.Agent {
		v.Signals = append(v.Signals, "no agent signature matched => human")
	}
	return v, nil
}

func (s *Signatures) match(p *Process) (*Signature, string) {
	names := p.names(s.Interpreters)
	for i := range s.Agents {
		for _, want := range s.Agents[i].Processes {
			for _, n := range names {
				if n == want {
					return &s.Agents[i], n
				}
			}
		}
	}
	return nil, ""
}

// shellOf names p's shell dialect, or "" when p is not a shell.
func shellOf(p *Process) string {
	for _, n := range []string{filepath.Base(p.Exe), p.Comm} {
		n = strings.TrimPrefix(n, "-") // login shells: -bash
		if shells[n] {
			return n
		}
	}
	return ""
}

// markerValue shows a marker's value in an explanation only when it is
// short and plainly not a credential; session ids are shortened.
func markerValue(v string) string {
	if len(v) > 12 {
		return v[:8] + "..."
	}
	return v
}
