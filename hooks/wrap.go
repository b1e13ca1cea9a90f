package hooks

import (
	"strings"

	"github.com/noxkey/noxkey/internal/shellquote"
)

// WrapCommand returns a shell command that runs command in the calling
// shell itself (so cd, exports and other shell state persist as without
// it) with its stdout and stderr each passed through the guard:
//
//   - one `noxkey-hook relay` process makes a private directory of FIFOs,
//     prints it and goes on in the background (started from the command
//     substitution's subshell, so a `wait` or `jobs` in the command does
//     not see it); it filters what arrives on the FIFOs to the shell's
//     original stdout and stderr;
//   - the shell's stdout and stderr are redirected to the FIFOs with exec,
//     not a pipeline or a subshell, so the command runs in this shell;
//   - an EXIT trap restores the descriptors and waits on the done FIFO
//     until the relay has written everything, so `exit N` inside the
//     command keeps its output and its status; a normal end does the same
//     and returns the command's status;
//   - output streams: the relay emits lines as they come.
//
// It uses no $() beyond the one for the relay, no subshell or external
// program but noxkey-hook, and works in bash, zsh and POSIX sh (dash); each
// fork is about a millisecond of every command (BenchmarkWrapperOverhead). hook is the
// absolute path of noxkey-hook.
func WrapCommand(command, hook string) string {
	var b strings.Builder
	b.WriteString(wrapMarker + "\n")
	b.WriteString("exec 8>&1 9>&2\n")
	b.WriteString("__nx_d=$(" + shellSingleQuote(hook) + " relay 8 9 &)\n")
	b.WriteString("[ -p \"$__nx_d/done\" ] || exit 125\n")
	b.WriteString("exec 7<>\"$__nx_d/done\" >\"$__nx_d/o\" 2>\"$__nx_d/e\"\n")
	b.WriteString("__nx_end() { exec 1>&8 2>&9 8>&- 9>&-; read __nx_x <&7; exec 7<&-; }\n")
	b.WriteString("__nx_ret() { return $1; }\n")
	b.WriteString("trap '__nx_s=$?; __nx_end; exit $__nx_s' EXIT\n")
	b.WriteString(command)
	b.WriteString("\n__nx_s=$?; trap - EXIT; __nx_end; __nx_ret $__nx_s\n")
	return b.String()
}

// wrapMarker starts every wrapped command, so it is never wrapped twice.
const wrapMarker = "# noxkey: output filtered by noxkey-hook"

func shellSingleQuote(s string) string { return shellquote.POSIX(s) }

// HandlerCommand is the command line an agent's hook settings hold for
// noxkey: noxkey-hook's path, quoted, and the dialect's subcommand.
func HandlerCommand(hook, dialect string) string { return shellquote.POSIX(hook) + " " + dialect }
