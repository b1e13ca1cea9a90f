// Package relay runs an agent's shell command with its output passed
// through the guard, and changes nothing else about how it runs.
//
// Both halves live here. The shell half is one command line: Command
// turns an agent's command into
//
//	[exec] '/abs/noxkey-hook' --shell [--merge] '<the command, quoted>'
//
// (exec, for agents that start a shell for each command: the agent's
// shell becomes noxkey-hook, so a command that kills its own shell ends
// the process the agent waits for, as without it)
// and Claude Code's CLAUDE_CODE_SHELL_PREFIX ("/abs/noxkey-hook --shell")
// makes Claude Code run `'/abs/noxkey-hook' --shell '<its script>'` for
// every Bash command by itself. The process half, Run, hands the command
// to a fresh `SHELL -c` as one argument, so its syntax, errors, exit
// status, descriptors and traps are the shell's own, and filters the
// shell's stdout and stderr to its own:
//
//   - one pipe for both when they reach the same file (or --merge), so
//     their order is kept; otherwise one each, and a stream's held text
//     is written before the other stream's next bytes;
//   - when the shell exits, everything already written is filtered and
//     written out, and Run exits with the shell's status (or dies of its
//     signal). If a background job still holds a pipe, Run first starts
//     a carrier (`noxkey-hook --carry`, see Carry) that inherits the
//     pipes and the destinations and filters what the job writes later,
//     so the command returns when it returns without noxkey and nothing
//     ever bypasses the guard;
//   - the guard that cannot load withholds the output (one line on
//     stderr says why) and still drains it, so the command runs as it
//     would.
package relay

import (
	"strings"

	"github.com/noxkey/noxkey/internal/shellquote"
)

// Words of the protocol between the shell half, the agents' settings
// and the process half: noxkey-hook dispatches on them.
const (
	// ShellFlag runs a script in a shell with its output filtered.
	ShellFlag = "--shell"
	// MergeFlag sends the shell's stderr into the same pipe as its
	// stdout, in the order written, for agents that show the model one
	// stream (Codex).
	MergeFlag = "--merge"
	// CarryFlag is the carrier a Run starts for a background job.
	CarryFlag = "--carry"
)

// Command is command rewritten to run through noxkey-hook (hook, an
// absolute path); merge as MergeFlag. replace execs noxkey-hook in place
// of the agent's shell: only for agents whose shell lives for one command,
// since it ends a shell the agent keeps.
func Command(command, hook string, merge, replace bool) string {
	s := shellquote.POSIX(hook) + " " + ShellFlag + " "
	if replace {
		s = "exec " + s
	}
	if merge {
		s += MergeFlag + " "
	}
	return s + shellquote.POSIX(command)
}

// IsCommand reports whether command already runs through hook.
func IsCommand(command, hook string) bool {
	return strings.HasPrefix(strings.TrimPrefix(command, "exec "), shellquote.POSIX(hook)+" "+ShellFlag+" ")
}

// Prefix is the CLAUDE_CODE_SHELL_PREFIX that runs Claude Code's Bash
// commands through hook. Claude Code splits a prefix at its last " -"
// into a program (quoted as one word, so a path with spaces works) and
// its arguments, and appends the script as one quoted word.
func Prefix(hook string) string { return hook + " " + ShellFlag }
