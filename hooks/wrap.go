package hooks

import "strings"

// WrapCommand returns a shell command that runs command in the calling
// shell itself (so cd, exports and other shell state persist as without
// it) with its stdout and stderr each passed through `noxkey-hook filter`:
//
//   - the filters read from FIFOs in a private mktemp -d directory, and
//     the shell's stdout and stderr are redirected to them with exec, not
//     a pipeline or a subshell, so the command runs in this shell;
//   - the filters are started twice-forked, so they are not jobs of the
//     shell: a `wait` or `jobs` in the command does not see them;
//   - an EXIT trap restores the descriptors and waits (on a third FIFO,
//     held open read-write) until both filters have written everything,
//     so `exit N` inside the command keeps its output and its status; a
//     normal end does the same and returns the command's status;
//   - output streams: each filter emits lines as they come.
//
// It works in bash, zsh and POSIX sh (dash). hook is the absolute path of
// noxkey-hook.
func WrapCommand(command, hook string) string {
	h := shellSingleQuote(hook)
	var b strings.Builder
	b.WriteString(wrapMarker + "\n")
	b.WriteString("__nx_d=$(mktemp -d \"${TMPDIR:-/tmp}/noxkey.XXXXXXXX\") || exit 125\n")
	b.WriteString("mkfifo \"$__nx_d/o\" \"$__nx_d/e\" \"$__nx_d/done\" || exit 125\n")
	b.WriteString("exec 7<>\"$__nx_d/done\"\n")
	b.WriteString("( (" + h + " filter <\"$__nx_d/o\"; echo >\"$__nx_d/done\") & )\n")
	b.WriteString("( (" + h + " filter <\"$__nx_d/e\" >&2; echo >\"$__nx_d/done\") & )\n")
	b.WriteString("exec 8>&1 9>&2 >\"$__nx_d/o\" 2>\"$__nx_d/e\"\n")
	b.WriteString("__nx_end() { exec 1>&8 2>&9 8>&- 9>&-; read __nx_x <&7; read __nx_x <&7; exec 7<&-; rm -rf \"$__nx_d\"; }\n")
	b.WriteString("trap '__nx_s=$?; __nx_end; exit $__nx_s' EXIT\n")
	b.WriteString(command)
	b.WriteString("\n__nx_s=$?; trap - EXIT; __nx_end; (exit $__nx_s)\n")
	return b.String()
}

// wrapMarker starts every wrapped command, so it is never wrapped twice.
const wrapMarker = "# noxkey: output filtered by noxkey-hook"

func shellSingleQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
