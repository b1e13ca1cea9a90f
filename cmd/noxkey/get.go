package main

import (
	"context"
	"fmt"
	"os"

	"github.com/noxkey/noxkey/handoff"
	"github.com/noxkey/noxkey/handoff/daemon"
	"github.com/noxkey/noxkey/vault"
	"github.com/urfave/cli/v3"
)

func (a *app) getCommand() *cli.Command {
	return &cli.Command{
		Name:  "get",
		Usage: "hand the value of PATH to your shell: eval \"$(noxkey get PATH)\"",
		Description: `Prints a line that sets NAME (the path's last part) in your shell, so that
eval "$(noxkey get PATH)" works the same for you and for an AI agent. You
get export NAME='<value>', quoted for your shell (set -gx in fish), so a
value is never run as a command; --raw prints the bare value, --copy puts
it on the clipboard. An agent's caller gets one line, source '<file>',
naming a private script that exports NAME and deletes itself: the value
reaches the agent's shell, never its conversation.`,
		ArgsUsage: "PATH",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "raw", Usage: "print the value without a trailing newline (not for agents)"},
			&cli.BoolFlag{Name: "copy", Usage: "put the value on the clipboard, cleared after 30 s (not for agents)"},
			&cli.StringFlag{Name: "shell", Usage: "write the handoff for `SHELL` (bash, zsh, dash, sh, fish) instead of the detected one"},
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			p, err := argPath(cmd)
			if err != nil {
				return err
			}
			mode := "print"
			switch {
			case cmd.Bool("raw") && cmd.Bool("copy"):
				return usageError("use --raw or --copy, not both")
			case cmd.Bool("raw"):
				mode = "raw"
			case cmd.Bool("copy"):
				mode = "copy"
			}
			if !a.usesDaemon() {
				return a.getDirect(p, mode, cmd.String("shell"))
			}
			resp, value, err := a.sealedCall(&daemon.Request{Op: daemon.OpGet, Path: p, Mode: mode, Shell: cmd.String("shell")}, "get\x00"+p)
			if err != nil {
				return err
			}
			if resp.Handoff != "" {
				a.log.Info().Str("op", "get").Str("path", p).Msg("handed off")
				fmt.Println(resp.Handoff)
				return nil
			}
			defer clear(value)
			a.log.Info().Str("op", "get").Str("path", p).Msg("read")
			shell := cmd.String("shell")
			if shell == "" && resp.Caller != nil {
				shell = resp.Caller.Shell
			}
			return printValue(value, mode, vault.Name(p), shell)
		},
	}
}

// printValue shows value to a human in mode: by default the line that
// exports it as name in shell, the same thing eval does for an agent.
func printValue(value []byte, mode, name, shell string) error {
	switch mode {
	case "copy":
		return copyToClipboard(value)
	case "raw":
		_, err := os.Stdout.Write(value)
		return err
	}
	out := handoff.DialectFor(shell).Assign(name, value)
	_, err := os.Stdout.Write(out)
	clear(out)
	return err
}

// getDirect serves get for --vault and the Keychain, which the daemon
// does not hold: the daemon still classifies the caller, and an agent gets
// a handoff script written here.
func (a *app) getDirect(p, mode, shell string) error {
	v, err := a.whoami()
	if err != nil {
		return err
	}
	if v.Agent && mode != "print" {
		return errRefused
	}
	sec, err := a.store().Get(p)
	if err != nil {
		return err
	}
	defer sec.Wipe()
	if shell == "" {
		shell = v.Shell
	}
	if !v.Agent {
		return printValue(sec.Value, mode, vault.Name(p), shell)
	}
	d := handoff.DialectFor(shell)
	path, err := handoff.WriteScript(a.layout.Handoff(), d, []handoff.Var{{Name: vault.Name(p), Value: sec.Value}})
	if err != nil {
		return err
	}
	fmt.Println(d.SourceLine(path))
	return nil
}
