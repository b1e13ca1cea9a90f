package hooks

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/noxkey/noxkey/guard"
	"github.com/noxkey/noxkey/hooks/relay"
	"github.com/noxkey/noxkey/internal/regexp"
)

// Kind is what happened, in every agent's terms.
type Kind int

// The neutral events every dialect maps its payloads to.
const (
	PreTool    Kind = iota // a tool is about to run
	PostTool               // a tool ran; Output is what the model would see
	ToolFailed             // a tool failed; Output is its error text, which cannot be replaced
	Prompt                 // the user submitted a prompt
	FileRead               // a file is about to be read (Content given, or Path)
)

// Event is a dialect's payload in neutral terms.
type Event struct {
	Kind    Kind
	Tool    string // the agent's own tool name
	Shell   bool   // the tool runs a shell command (Command)
	Command string
	Output  any // PostTool: a string or any JSON value
	Prompt  string
	Path    string // FileRead: the file; relative to Cwd
	Content []byte // FileRead: its content, when the agent gives it
	Cwd     string
	// CopyDir (FileRead): the agent can be pointed at another file, so a
	// file holding a secret is copied redacted into this private
	// directory and read from there (Redirect) rather than refused.
	CopyDir string
}

// Verdict is the neutral decision.
type Verdict int

// What a dialect is told to do.
const (
	Allow    Verdict = iota // answer nothing that changes the action
	Redact                  // replace the output with Decision.Output / Text
	Rewrite                 // run Decision.Command instead
	Block                   // block with Decision.Reason
	Note                    // tell the model Decision.Reason (the output itself cannot change)
	Redirect                // read Decision.Path, a redacted copy, instead
)

// Decision is the core's answer to an Event.
type Decision struct {
	Verdict Verdict
	Output  any    // Redact: the output, same shape, secrets replaced
	Text    string // Redact: the redacted output as text
	Command string // Rewrite: the wrapped command
	Reason  string // Block: why, and what to do; Redact, Note, Redirect: the context note
	Path    string // Redirect: the redacted copy
	Names   []string
}

// Core decides for every dialect. G is nil when the guard could not load
// (Err says why): every decision then blocks, the safe side.
type Core struct {
	G    *guard.Guard
	Err  error
	Hook string // absolute path of noxkey-hook, for command rewrites
	// Merge rewrites commands to send stderr into stdout in the order
	// written, for agents that show the model one stream.
	Merge bool
	// Fresh: the agent starts a shell for each command, which a rewrite
	// may replace (relay.Command).
	Fresh bool
	// LiveOnly: the agent replaces a tool's result after it ran, so a
	// command is rewritten only to filter its live output, when guard.toml
	// asks for that (Guard.LiveOutput).
	LiveOnly bool
	// Load, when set, loads the guard on first need: a tool call the
	// hook leaves alone costs no index load.
	Load func() (*guard.Guard, error)

	// What Claude Code's hooks need of their surroundings:
	//
	// ShellPrefix is CLAUDE_CODE_SHELL_PREFIX as the hook sees it: every
	// Bash command runs through it, so none is rewritten, and one that
	// is not noxkey-hook's is refused (its output would be unfiltered).
	ShellPrefix string
	// CopyDir returns a private directory for redacted copies of files a
	// Read would open, or "" (Read is then left to the after-tool
	// answer). Called only when a Read needs it.
	CopyDir func() string
	// Cursor: Cursor runs this Claude-format hook (CURSOR_VERSION is set).
	Cursor bool
}

// loaded loads the guard if it is not yet and reports whether it is usable.
func (c *Core) loaded() bool {
	if c.G == nil && c.Err == nil && c.Load != nil {
		c.G, c.Err = c.Load()
		c.Load = nil
	}
	return c.G != nil
}

// failReason says why the guard cannot run and what to do.
func (c *Core) failReason() string {
	if c.Err == nil {
		return FailReason("the guard cannot run")
	}
	return FailReason(c.Err.Error())
}

// FailReason is the reason a hook gives when the guard cannot run: why,
// and the way out (the error's own, or a rebuild of the index).
func FailReason(why string) string {
	why = "noxkey-hook: " + strings.TrimPrefix(why, "noxkey-hook: ")
	if !strings.Contains(why, "noxkey guard rebuild") && !strings.Contains(why, "noxkey unlock") {
		why += "; run: noxkey guard rebuild"
	}
	return why
}

// nothingToScan reports whether ev carries no text at all: an output or
// prompt that is empty (its leaves empty strings, nulls or booleans).
func nothingToScan(ev Event) bool {
	switch ev.Kind {
	case PostTool, ToolFailed:
		return emptyLeaves(ev.Output)
	case Prompt:
		return ev.Prompt == ""
	}
	return false
}

// emptyLeaves reports whether every leaf of v is "", null or a boolean,
// and every object key a field name (fieldName): other keys are content.
func emptyLeaves(v any) bool {
	switch x := v.(type) {
	case nil, bool:
		return true
	case string:
		return x == ""
	case map[string]any:
		for k, e := range x {
			if !fieldName(k) || !emptyLeaves(e) {
				return false
			}
		}
		return true
	case []any:
		for _, e := range x {
			if !emptyLeaves(e) {
				return false
			}
		}
		return true
	}
	return false
}

// fieldName reports whether k looks like a tool's own field name
// (stdout, isImage, file_path): a short identifier.
func fieldName(k string) bool {
	if k == "" || len(k) > 24 {
		return false
	}
	for i, c := range k {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// Decide returns the decision for ev.
func (c *Core) Decide(ev Event) Decision {
	if ev.Kind == PreTool && (!ev.Shell || c.Hook == "" || relay.IsCommand(ev.Command, c.Hook)) {
		return Decision{}
	}
	if nothingToScan(ev) {
		return Decision{} // an empty output or prompt passes, armed or not
	}
	if !c.loaded() {
		return Decision{Verdict: Block, Reason: c.failReason()}
	}
	switch ev.Kind {
	case PreTool:
		if c.LiveOnly && !c.G.LiveOutput {
			return Decision{} // the command as the model wrote it
		}
		return Decision{Verdict: Rewrite, Command: relay.Command(ev.Command, c.Hook, c.Merge, c.Fresh)}
	case PostTool:
		if s, ok := ev.Output.(string); ok {
			red, ms := c.G.Redact([]byte(s))
			if len(ms) == 0 {
				return Decision{}
			}
			return Decision{Verdict: Redact, Output: string(red), Text: string(red), Reason: redactedContext(ms), Names: guard.Names(ms)}
		}
		red, ms := redactLeaves(ev.Output, c.G)
		if len(ms) == 0 {
			return Decision{}
		}
		text, _ := json.Marshal(red)
		return Decision{Verdict: Redact, Output: red, Text: string(text), Reason: redactedContext(ms), Names: guard.Names(ms)}
	case ToolFailed:
		text, _ := ev.Output.(string)
		_, ms := c.G.Redact([]byte(text))
		if len(ms) == 0 {
			return Decision{}
		}
		return Decision{Verdict: Note, Names: guard.Names(ms), Reason: "noxkey: this failed command's output held the secret(s) " +
			strings.Join(guard.Names(ms), ", ") + ". Do not repeat, store or transmit that value; use the environment variable by name instead."}
	case Prompt:
		ms := c.G.Index.FindAll([]byte(ev.Prompt))
		if len(ms) == 0 {
			return Decision{}
		}
		return Decision{Verdict: Block, Reason: promptReason(ms), Names: guard.Names(ms)}
	case FileRead:
		if ev.CopyDir != "" {
			return c.redirectRead(ev)
		}
		content := ev.Content
		if content == nil {
			var err error
			if content, err = readFile(ev.Path, ev.Cwd); err != nil {
				return Decision{Verdict: Block, Reason: "noxkey: " + filepath.Base(ev.Path) + " " + err.Error() + ", so it is not read"}
			}
		}
		ms := c.G.Index.FindAll(content)
		if len(ms) == 0 {
			return Decision{}
		}
		return Decision{Verdict: Block, Names: guard.Names(ms), Reason: fmt.Sprintf(
			"noxkey: %s holds the secret %s, so it is not read. Use the value by name ($%s) in commands instead.",
			filepath.Base(ev.Path), strings.Join(guard.Names(ms), ", "), lastSegment(guard.Names(ms)[0]))}
	}
	return Decision{}
}

// redirectRead points a read of a file holding a secret at a redacted
// copy (Claude Code sends a large file's text to the model API to count
// its tokens before the after-tool answer could replace it).
func (c *Core) redirectRead(ev Event) Decision {
	path := ev.Path
	if path == "" {
		return Decision{}
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(ev.Cwd, path)
	}
	cp, ms, err := redactedCopy(path, c.G, ev.CopyDir)
	if err != nil {
		return Decision{Verdict: Block, Reason: "noxkey: " + err.Error() + "; the file may hold a secret, so it is not read"}
	}
	if cp == "" {
		return Decision{}
	}
	return Decision{Verdict: Redirect, Path: cp, Names: guard.Names(ms),
		Reason: "noxkey: " + filepath.Base(path) + " holds " + strings.Join(guard.Names(ms), ", ") + "; it is read with those values redacted."}
}

// promptReason tells the user why a prompt was blocked: the secret's
// name, never its value.
func promptReason(ms []guard.Match) string {
	return "noxkey: your prompt contains the secret " + strings.Join(guard.Names(ms), ", ") +
		". It was not sent. Keep secrets in the vault (printf '%s' \"$VALUE\" | noxkey set PATH) and refer to them by name, e.g. $" +
		lastSegment(guard.Names(ms)[0]) + "."
}

// maxReadFile bounds a file the hook reads to scan: a larger one is
// refused, never scanned in part.
const maxReadFile = 64 << 20

// errTooLarge is readFile's answer for a file over maxReadFile.
var errTooLarge = errors.New("is larger than 64 MiB; the guard cannot check it")

// readFile reads a regular file to scan it (path relative to cwd):
// nothing, and no error, for a file that is not regular or cannot be
// read (the tool then reports that itself); errTooLarge past maxReadFile.
func readFile(path, cwd string) ([]byte, error) {
	if path == "" {
		return nil, nil
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(cwd, path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return nil, nil
	}
	b, err := io.ReadAll(io.LimitReader(f, maxReadFile+1))
	if err != nil {
		return nil, nil
	}
	if len(b) > maxReadFile {
		clear(b)
		return nil, errTooLarge
	}
	return b, nil
}

// envDump matches commands that print the environment wholesale. Compiled
// on first use: noxkey-hook must not pay for it on every tool call (nor
// for a sync.OnceValue closure made at its start).
func envDump() *regexp.Regexp {
	envDumpOnce.Do(func() {
		envDumpRE = regexp.MustCompile(`(^|[;&|(]\s*|\bsudo\s+|\bexec\s+)(env|printenv|export\s+-p|declare\s+-[a-zA-Z]*p[a-zA-Z]*|typeset\s+-p|set)\s*($|[;&|)>])|/proc/[^\s]*/environ`)
	})
	return envDumpRE
}

var (
	envDumpOnce sync.Once
	envDumpRE   *regexp.Regexp
)

// CommandExposure says why a command line would put a secret in front of
// the model, or "" when it would not: the line holds a secret, names a
// secret's variable, reads a file holding one, or prints the environment
// wholesale. For agents that can only block (Windsurf).
func (c *Core) CommandExposure(cmd, cwd string) string {
	if !c.loaded() {
		return c.failReason()
	}
	if ms := c.G.Index.FindAll([]byte(cmd)); len(ms) > 0 {
		return "noxkey: the command holds the secret " + strings.Join(guard.Names(ms), ", ") + "; refer to it by its variable name instead"
	}
	if isNoxkeyRun(cmd) {
		return "" // its output passes through the guard
	}
	if envDump().MatchString(cmd) {
		return "noxkey: this command prints the whole environment, which holds secrets; print the variables you need by name, or check one with: test -n \"$NAME\" && echo set"
	}
	for _, n := range c.G.Index.Names() {
		if v := lastSegment(n); usesVar(cmd, v) {
			return "noxkey: the command uses $" + v + " (" + n + ") where its output may show it, and this agent cannot filter output; run it as: noxkey run --env " + n + " -- sh -c '<command>'"
		}
	}
	for _, f := range strings.Fields(cmd) {
		f = strings.Trim(f, `"';&|<>()`)
		if f == "" || strings.HasPrefix(f, "-") {
			continue
		}
		data, err := readFile(f, cwd)
		if err != nil {
			return "noxkey: " + f + " " + err.Error() + ", so a command that reads it is not run"
		}
		if ms := c.G.Index.FindAll(data); len(ms) > 0 {
			return "noxkey: " + f + " holds the secret " + strings.Join(guard.Names(ms), ", ") + ", so a command that reads it is not run"
		}
	}
	return ""
}

// usesVar reports whether cmd expands $name or ${name...}.
func usesVar(cmd, name string) bool {
	for i := strings.Index(cmd, "$"); i >= 0; {
		rest := strings.TrimPrefix(cmd[i+1:], "{")
		if strings.HasPrefix(rest, name) {
			after := rest[len(name):]
			if after == "" || !(after[0] == '_' || after[0] >= '0' && after[0] <= '9' || after[0] >= 'A' && after[0] <= 'Z' || after[0] >= 'a' && after[0] <= 'z') {
				return true
			}
		}
		j := strings.Index(cmd[i+1:], "$")
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return false
}

// isNoxkeyRun reports whether cmd is one `noxkey run ...` and nothing
// else: no separator, pipe or substitution outside single quotes.
func isNoxkeyRun(cmd string) bool {
	f := strings.Fields(cmd)
	if len(f) < 2 || filepath.Base(f[0]) != "noxkey" || f[1] != "run" {
		return false
	}
	quoted := false
	for i := 0; i < len(cmd); i++ {
		c := cmd[i]
		if c == '\'' {
			quoted = !quoted
			continue
		}
		if !quoted && strings.IndexByte(";&|\n`$<>()", c) >= 0 {
			return false
		}
	}
	return !quoted
}
