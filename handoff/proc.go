package handoff

import "path/filepath"

// Process is what the caller detection reads about one process.
type Process struct {
	Pid       int
	PPid      int
	StartTime uint64 // in clock ticks since boot (Linux) or microseconds (macOS)
	Comm      string
	Exe       string // resolved executable path; empty when unreadable
	Args      []string
	TTY       bool // has a controlling terminal
}

// Procs reads processes. The live system is System; tests inject trees.
type Procs interface {
	Process(pid int) (*Process, error)
	// Environ returns pid's environment as KEY=VALUE strings.
	Environ(pid int) ([]string, error)
}

// names are the basenames a signature can match: comm, the executable,
// argv[0], and argv[1] when argv[0] is an interpreter (node .../codex).
func (p *Process) names(interpreters map[string]bool) []string {
	out := []string{p.Comm}
	if p.Exe != "" {
		out = append(out, filepath.Base(p.Exe))
	}
	if len(p.Args) > 0 {
		a0 := filepath.Base(p.Args[0])
		out = append(out, a0)
		if (interpreters[a0] || interpreters[p.Comm]) && len(p.Args) > 1 {
			for _, a := range p.Args[1:] {
				if len(a) > 0 && a[0] == '-' {
					continue // node --max-old-space-size=... .../gemini
				}
				out = append(out, filepath.Base(a))
				break
			}
		}
	}
	return out
}
