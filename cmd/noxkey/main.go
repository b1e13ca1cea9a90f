// Command noxkey stores secrets in an encrypted vault and hands them to
// shells and AI coding agents without their values entering the agent's
// conversation.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/noxkey/noxkey/handoff/daemon"
	"github.com/noxkey/noxkey/internal/prompt"
	"github.com/noxkey/noxkey/vault"
	"github.com/urfave/cli/v3"
)

// Exit codes, documented in `noxkey --help`.
const (
	exitOK       = 0
	exitUsage    = 1
	exitLocked   = 2
	exitNotFound = 3
	exitRefused  = 4
)

const exitCodesHelp = `EXIT CODES:
   0  ok
   1  usage or input error (bad path, bad value, unreadable file, ...)
   2  vault locked or wrong passphrase
   3  secret or vault not found
   4  refused: the command is not available to AI agents

FILES:
   NOXKEY_HOME overrides every location (vault.age, guard.idx, config.toml).
   Otherwise $XDG_DATA_HOME/noxkey/vault.age and $XDG_CONFIG_HOME/noxkey/.

PASSPHRASE:
   Asked on the terminal, or read from the file named by --passphrase-file or
   NOXKEY_PASSPHRASE_FILE. Never from argv or a plain environment variable.
   NOXKEY_SCRYPT_WORK_FACTOR (log2 N) lowers scrypt's cost for tests; leave it
   unset for real vaults (age's default, 18).`

// refusalHint follows the refusal: how an agent uses a secret without
// seeing it.
const refusalHint = `Use a secret by name instead: eval "$(noxkey get PATH)" && cmd "$NAME", or noxkey run --env PATH -- cmd (its output is filtered).`

func main() {
	os.Exit(run(context.Background(), os.Args))
}

func run(ctx context.Context, args []string) int {
	app := newApp()
	err := app.root().Run(ctx, args)
	if err == nil {
		return exitOK
	}
	var de *daemonError
	if errors.As(err, &de) && de.code == daemon.CodeRefused {
		// Exactly this first line, no prefix: agents and scripts match on
		// it. The second names what an agent can do instead.
		fmt.Fprintln(os.Stderr, errRefused.msg)
		fmt.Fprintln(os.Stderr, refusalHint)
		return exitRefused
	}
	if msg := err.Error(); msg != "" {
		fmt.Fprintf(os.Stderr, "noxkey: %s\n", msg)
	}
	return exitCode(err)
}

func exitCode(err error) int {
	var ec cli.ExitCoder
	switch {
	case errors.As(err, &ec):
		return ec.ExitCode()
	case errors.Is(err, vault.ErrWrongPassphrase), errors.Is(err, prompt.ErrNoTTY):
		return exitLocked
	case errors.Is(err, vault.ErrNotFound), errors.Is(err, vault.ErrNoVault):
		return exitNotFound
	}
	return exitUsage
}

func (a *app) root() *cli.Command {
	root := &cli.Command{
		Name:                  "noxkey",
		Version:               version,
		Action:                unknownCommand,
		Usage:                 "let AI coding agents use your secrets without seeing them",
		Description:           exitCodesHelp,
		EnableShellCompletion: true,
		ConfigureShellCompletionCommand: func(c *cli.Command) {
			c.Hidden = false
			c.Usage = "print a completion script for bash, zsh, fish or pwsh: source <(noxkey completion bash)"
		},
		ExitErrHandler: func(context.Context, *cli.Command, error) {},
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "home", Usage: "keep every file in `DIR`", Sources: cli.EnvVars("NOXKEY_HOME")},
			&cli.StringFlag{Name: "vault", Usage: "use the vault file `FILE` (e.g. vault.age.bak to check a backup)"},
			&cli.StringFlag{Name: "passphrase-file", Usage: "read the passphrase from `FILE`", Sources: cli.EnvVars("NOXKEY_PASSPHRASE_FILE")},
			&cli.StringFlag{Name: "identity", Usage: "unlock with the age identity file `FILE` instead of a passphrase", Sources: cli.EnvVars("NOXKEY_IDENTITY_FILE")},
			&cli.StringFlag{Name: "log-level", Value: "warn", Usage: "debug, info, warn or error"},
			&cli.StringFlag{Name: "log-format", Value: "console", Usage: "console or json"},
		},
		Before: a.setup,
		Commands: []*cli.Command{
			a.initCommand(),
			a.setCommand(),
			a.getCommand(),
			a.lsCommand(),
			a.peekCommand(),
			a.rmCommand(),
			a.mvCommand(),
			a.editCommand(),
			a.historyCommand(),
			a.restoreCommand(),
			a.importCommand(),
			a.remoteCommand(),
			a.syncCommand(),
			a.exportCommand(),
			a.injectCommand(),
			a.loadCommand(),
			a.bundleCommand(),
			a.guardCommand(),
			a.scrubCommand(),
			a.hooksCommand(),
			a.runCommand(),
			a.unlockCommand(),
			a.lockCommand(),
			a.statusCommand(),
			a.whoamiCommand(),
			a.daemonCommand(),
			a.logCommand(),
			a.doctorCommand(),
			a.clearClipboardCommand(),
		},
	}
	oneLineUsageErrors(root)
	a.requireVault(root)
	for _, c := range root.Commands {
		switch c.Name {
		case "get", "peek", "rm", "mv", "edit", "history", "restore":
			c.ShellComplete = a.completeSecretPaths
		case "hooks":
			for _, sub := range c.Commands {
				sub.ShellComplete = completeAgents
			}
		}
	}
	return root
}

// usageError makes err exit with code 1.
func usageError(format string, args ...any) error {
	return cli.Exit(fmt.Sprintf(format, args...), exitUsage)
}
