// Command noxkey-hook is run by AI coding agents as a hook on every tool
// call; it keeps vault secrets out of what reaches the model. It reads only
// the guard index and guard.toml: no passphrase, no daemon.
//
// A hook lives a few milliseconds, so its runtime neither watches for CPU
// limit changes, which costs a goroutine and a thread at start, nor reads
// cgroup files (the go:debug settings below).
//
//go:debug updatemaxprocs=0
//go:debug containermaxprocs=0
package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"unsafe"

	"github.com/noxkey/noxkey/guard"
	"github.com/noxkey/noxkey/guard/arm"
	"github.com/noxkey/noxkey/hooks"
	"github.com/noxkey/noxkey/hooks/relay"
	"github.com/noxkey/noxkey/internal/paths"
)

const usage = `usage: noxkey-hook COMMAND

commands:
  claude   answer one Claude Code hook payload (PreToolUse, PostToolUse,
           PostToolUseFailure, UserPromptSubmit) read from stdin
  codex | gemini | cursor | copilot [EVENT] | windsurf | opencode | droid
           answer one hook payload of that agent, read from stdin
  filter   copy stdin to stdout with every vault secret redacted, as it goes
  --shell [--merge] SCRIPT
           run SCRIPT in your shell (CLAUDE_CODE_SHELL, SHELL, or bash) with
           its output filtered: Claude Code's CLAUDE_CODE_SHELL_PREFIX, and
           the command rewrites of other agents
  version  print the version

exit status: 0 ok; 2 the guard index or guard.toml cannot be used (nothing
of the input is written; the reason is on stderr).
`

const version = "0.1.0-dev"

func init() {
	// A hook call is a short process: no allocation profiling, whose first
	// sample unwinds the stack.
	runtime.MemProfileRate = 0
}

func main() {
	// The hook's deepest path (guard.Open under a dialect) fits the main
	// goroutine's first stack (guard/file.go, loadError), so the stack is
	// never copied: a copy reads the stack maps of every frame from pages
	// not yet touched. A copy moves here too, which is how
	// TestMainStackIsNeverCopied (NOXKEY_HOOK_STACK_CHECK) sees it.
	var here byte
	at := uintptr(unsafe.Pointer(&here))
	code := run(os.Args[1:])
	if uintptr(unsafe.Pointer(&here)) != at && os.Getenv("NOXKEY_HOOK_STACK_CHECK") != "" {
		os.Stderr.WriteString("noxkey-hook: the main goroutine's stack was copied\n")
	}
	os.Exit(code)
}

func run(args []string) int {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return 1
	}
	switch args[0] {
	case "filter":
		return filter()
	case relay.ShellFlag:
		return relay.Run(args[1:], quietGuard)
	case relay.CarryFlag:
		return relay.Carry(args[1:], quietGuard)
	case "claude", "codex", "gemini", "cursor", "copilot", "windsurf", "opencode", "droid":
		return dialect(args[0], args[1:])
	case "version", "--version":
		fmt.Println("noxkey-hook", version)
		return 0
	case "-h", "--help", "help":
		fmt.Print(usage)
		return 0
	}
	fmt.Fprintf(os.Stderr, "noxkey-hook: unknown command %q\n%s", args[0], usage)
	return 1
}

// quietGuard opens the guard for a command's output: no warning, since
// stderr here is the command's.
func quietGuard() (*guard.Guard, error) {
	l := paths.Resolve("")
	return guard.Open(l.Config, l.Index(), arm.Lookup)
}

// openGuard opens the guard of layout l and says on stderr when its
// settings may be stale.
func openGuard(l paths.Layout) (*guard.Guard, error) {
	g, err := guard.Open(l.Config, l.Index(), arm.Lookup)
	if g != nil && g.Warning != "" {
		fmt.Fprintln(os.Stderr, g.Warning)
	}
	return g, err
}

// logEvent appends "agent event args exit=N answered=B" to the file
// named by NOXKEY_HOOK_EVENT_LOG, for diagnostics and the e2e suite:
// names only, never payload content. event is asked for only then.
func logEvent(agent string, event func() string, args []string, code int, answered bool) {
	path := os.Getenv("NOXKEY_HOOK_EVENT_LOG")
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return
	}
	fmt.Fprintf(f, "%s %s %s exit=%d answered=%t\n", agent, event(), strings.Join(args, " "), code, answered)
	f.Close()
}

// filter is the streaming filter: fail closed when the guard cannot load.
func filter() int {
	g, err := openGuard(paths.Resolve(""))
	if err != nil {
		// Empty input has nothing to hide: it passes, armed or not.
		var one [1]byte
		if n, rerr := io.ReadFull(os.Stdin, one[:]); n == 0 && rerr == io.EOF {
			return 0
		}
		fmt.Fprintf(os.Stderr, "noxkey-hook: %v\n", err)
		return 2
	}
	if err := g.Stream(os.Stdout, os.Stdin, guard.DefaultIdle); err != nil {
		fmt.Fprintf(os.Stderr, "noxkey-hook: filter: %v\n", err)
		return 1
	}
	return 0
}

// dialect answers one payload of agent; the guard is loaded only if the
// answer needs it.
func dialect(agent string, args []string) int {
	payload, err := readPayload(os.Stdin, maxPayload)
	c := &hooks.Core{}
	l := paths.Resolve("")
	switch {
	case err != nil:
		c.Err = fmt.Errorf("cannot read the hook payload: %w", err)
	case len(payload) > maxPayload:
		c.Err = fmt.Errorf("the hook payload is larger than %d MiB and was not read whole", maxPayload>>20)
		payload = payload[:maxPayload]
		if agent == "claude" { // enough of it to refuse in the event's own way
			payload = []byte(`{"hook_event_name":"` + hooks.ClaudeEventPrefix(payload[:4096]) + `"}`)
		}
	default:
		c.Load = func() (*guard.Guard, error) { return openGuard(l) }
	}
	c.Hook, _ = os.Executable()
	if agent == "claude" {
		c.Cursor = os.Getenv("CURSOR_VERSION") != ""
		c.ShellPrefix = os.Getenv("CLAUDE_CODE_SHELL_PREFIX")
		c.CopyDir = func() string {
			if paths.EnsurePrivateDir(l.Runtime) != nil {
				return ""
			}
			return filepath.Join(l.Runtime, "redacted")
		}
		// Most calls are tool outputs with nothing to redact: find those
		// without decoding the payload into maps.
		if c.Load != nil && !c.Cursor {
			if cs, ok := hooks.ReadClaudeStrings(payload); ok && cs.MayBeQuiet() {
				c.G, c.Err = c.Load()
				c.Load = nil
				if cs.Quiet(c.G) {
					logEvent(agent, func() string { return cs.Event }, args, 0, false)
					return 0
				}
			}
		}
	}
	var out []byte
	var code int
	if agent == "copilot" && len(args) > 0 {
		out, code = hooks.CopilotEvent(payload, c, args[0])
	} else {
		out, code = hooks.DialectOf(agent)(payload, c)
	}
	if agent == "windsurf" && code == 2 {
		os.Stderr.Write(out) // Cascade shows stderr as the reason
	} else {
		os.Stdout.Write(out)
	}
	logEvent(agent, func() string { return hooks.EventName(payload) }, args, code, len(out) > 0)
	return code
}
