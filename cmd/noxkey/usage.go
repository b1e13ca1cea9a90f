package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/noxkey/noxkey/handoff/daemon"
	"github.com/noxkey/noxkey/hooks/install"
	"github.com/urfave/cli/v3"
)

// version is what noxkey --version prints.
const version = "0.1.0-dev"

// unknownCommand answers `noxkey lst` or `noxkey hooks instal`: an error
// that names the closest command (exit 1), rather than help text or "No
// help topic". Without arguments it shows the help.
func unknownCommand(ctx context.Context, cmd *cli.Command) error {
	if cmd.Args().Len() == 0 {
		if cmd.Root() == cmd {
			return cli.ShowRootCommandHelp(cmd)
		}
		return cli.ShowSubcommandHelp(cmd)
	}
	name := cmd.Args().First()
	msg := fmt.Sprintf("no command %q", name)
	if cmd.Root() != cmd {
		msg = fmt.Sprintf("%s has no command %q", cmd.Name, name)
	}
	if s := cli.SuggestCommand(cmd.Commands, name); s != "" && s != "help" && s != "h" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	return usageError("%s (%s --help lists the commands)", msg, cmd.FullName())
}

// oneLineUsageErrors makes every command answer a bad flag or argument
// with one line that names the closest flag and where the help is,
// instead of the whole help text, and every command group answer an
// unknown command as unknownCommand does.
func oneLineUsageErrors(c *cli.Command) {
	if len(c.Commands) > 0 && c.Action == nil {
		c.Action = unknownCommand
	}
	c.OnUsageError = func(ctx context.Context, cmd *cli.Command, err error, _ bool) error {
		msg := err.Error()
		if name, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
			if s := cli.SuggestFlag(cmd.Flags, strings.TrimLeft(name, "-"), false); s != "" {
				msg += fmt.Sprintf("; did you mean %s?", s)
			}
		}
		return usageError("%s (see: %s --help)", msg, cmd.FullName())
	}
	for _, sub := range c.Commands {
		oneLineUsageErrors(sub)
	}
}

// completeSecretPaths completes a secret path from an unlocked daemon's
// list of names; it never asks a passphrase or starts a daemon, so a
// locked vault completes nothing. Flags complete as usual.
func (a *app) completeSecretPaths(ctx context.Context, cmd *cli.Command) {
	if args := os.Args; len(args) > 1 && strings.HasPrefix(args[len(args)-2], "-") {
		cli.DefaultCompleteWithFlags(ctx, cmd)
		return
	}
	if !a.usesDaemon() {
		return
	}
	c, err := a.connect(false)
	if err != nil {
		return
	}
	st, err := a.call(c, &daemon.Request{Op: daemon.OpStatus})
	c.Close()
	if err != nil || st.Status == nil || !st.Status.Unlocked {
		return // listing a locked vault would ask for the passphrase
	}
	ms, err := a.list("")
	if err != nil {
		return
	}
	for _, m := range ms {
		fmt.Fprintln(cmd.Root().Writer, m.Path)
	}
}

// completeAgents completes --agent with the agents noxkey installs for.
func completeAgents(ctx context.Context, cmd *cli.Command) {
	for _, n := range append(install.KnownAgents(), "all") {
		fmt.Fprintln(cmd.Root().Writer, n)
	}
}
