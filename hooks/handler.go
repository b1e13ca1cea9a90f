package hooks

import "github.com/noxkey/noxkey/internal/shellquote"

// HandlerCommand is the command line an agent's hook settings hold for
// noxkey: noxkey-hook's path, quoted, and the dialect's subcommand.
func HandlerCommand(hook, dialect string) string { return shellquote.POSIX(hook) + " " + dialect }
