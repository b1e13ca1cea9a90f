package hooks

import (
	"strings"

	"github.com/noxkey/noxkey/internal/shellquote"
)

// WrapCommand returns a shell command that runs command in the calling
// shell itself (so cd, exports and other shell state persist as without
// it) with its stdout and stderr each passed through the guard:
//
//   - a `noxkey-hook relay` process filters what arrives on the FIFOs of
//     a private directory to the shell's original stdout and stderr. When
//     relayDir names one that the hook prestarted (`relay --prestart`),
//     the shell claims it (noclobber: O_EXCL), checks that it runs, sends
//     its pid and descriptors, and on "ok" uses it: no process starts for
//     the command. Otherwise, or on "no", the command substitution starts
//     one, which makes the directory, prints it and goes on in the
//     background (from the substitution's subshell, so a `wait` or `jobs`
//     in the command does not see it);
//   - the shell's stdout and stderr are redirected to the FIFOs with exec,
//     not a pipeline or a subshell, so the command runs in this shell;
//   - an EXIT trap restores the descriptors and waits on the done FIFO
//     until the relay has written everything, so `exit N` inside the
//     command keeps its output and its status; a normal end does the same
//     and returns the command's status;
//   - output streams: the relay emits lines as they come.
//
// It uses no $() beyond the one for a relay it starts, no subshell or
// external program but noxkey-hook, and works in bash, zsh and POSIX sh
// (dash); each fork is about a millisecond of every command
// (BenchmarkWrapperOverhead). hook is the absolute path of noxkey-hook.
func WrapCommand(command, hook, relayDir string) string {
	var b strings.Builder
	b.WriteString(wrapMarker + "\n")
	b.WriteString("exec 8>&1 9>&2\n")
	b.WriteString("__nx_f=\n")
	if relayDir != "" {
		b.WriteString("__nx_d=" + shellSingleQuote(relayDir) + "\n")
		b.WriteString("case $- in *C*) __nx_c= ;; *) __nx_c=1; set -C ;; esac\n")
		b.WriteString("true 2>/dev/null >\"$__nx_d/claim\" && __nx_f=1\n")
		b.WriteString("[ -z \"$__nx_c\" ] || set +C\n")
		b.WriteString("if [ -n \"$__nx_f\" ] && read __nx_p <\"$__nx_d/pid\" && kill -0 \"$__nx_p\" 2>/dev/null; then\n")
		b.WriteString("  exec 7<>\"$__nx_d/done\" 6>\"$__nx_d/o\"\n")
		b.WriteString("  echo \"$$ 6 8 9\" >&6\n")
		b.WriteString("  read __nx_x <&7\n")
		b.WriteString("  if [ \"$__nx_x\" = ok ]; then exec >&6 2>\"$__nx_d/e\" 6>&-; else __nx_f=; exec 6>&- 7<&-; fi\n")
		b.WriteString("else __nx_f=; fi\n")
	}
	b.WriteString("if [ -z \"$__nx_f\" ]; then\n")
	b.WriteString("  __nx_d=$(" + shellSingleQuote(hook) + " relay 8 9 &)\n")
	b.WriteString("  [ -p \"$__nx_d/done\" ] || exit 125\n")
	b.WriteString("  exec 7<>\"$__nx_d/done\" >\"$__nx_d/o\" 2>\"$__nx_d/e\"\n")
	b.WriteString("fi\n")
	b.WriteString("__nx_end() { exec 1>&8 2>&9 8>&- 9>&-; read __nx_x <&7; exec 7<&-; }\n")
	b.WriteString("__nx_ret() { return $1; }\n")
	b.WriteString("trap '__nx_s=$?; __nx_end; exit $__nx_s' EXIT\n")
	b.WriteString(command)
	b.WriteString("\n__nx_s=$?; trap - EXIT; __nx_end; __nx_ret $__nx_s\n")
	return b.String()
}

// A Prestarter starts a relay ahead of a rewritten command and returns
// its directory for WrapCommand, or "" when it cannot (see `noxkey-hook
// relay --prestart`). A nil Prestarter starts none.
type Prestarter func() string

func (p Prestarter) dir() string {
	if p == nil {
		return ""
	}
	return p()
}

// wrapMarker starts every wrapped command, so it is never wrapped twice.
const wrapMarker = "# noxkey: output filtered by noxkey-hook"

func shellSingleQuote(s string) string { return shellquote.POSIX(s) }

// HandlerCommand is the command line an agent's hook settings hold for
// noxkey: noxkey-hook's path, quoted, and the dialect's subcommand.
func HandlerCommand(hook, dialect string) string { return shellquote.POSIX(hook) + " " + dialect }
