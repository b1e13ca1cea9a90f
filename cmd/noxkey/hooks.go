package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/noxkey/noxkey/hooks"
	"github.com/urfave/cli/v3"
)

func (a *app) hooksCommand() *cli.Command {
	flags := func() []cli.Flag {
		return []cli.Flag{
			&cli.StringFlag{Name: "agent", Usage: "the agent: " + fmt.Sprint(hooks.KnownAgents()), Required: true},
			&cli.StringFlag{Name: "scope", Value: "user", Usage: "user (your home) or project (the current directory)"},
		}
	}
	return &cli.Command{
		Name:  "hooks",
		Usage: "install noxkey-hook into an AI agent's own hook settings",
		Commands: []*cli.Command{
			{
				Name:  "install",
				Usage: "add noxkey's hooks, keeping everything else in the file",
				Flags: append(flags(), &cli.StringFlag{Name: "hook-path", Usage: "absolute path of noxkey-hook (default: next to noxkey, or on PATH)"}),
				Action: func(ctx context.Context, cmd *cli.Command) error {
					ag, path, err := hookTarget(cmd)
					if err != nil {
						return err
					}
					hook, err := hookPath(cmd.String("hook-path"))
					if err != nil {
						return err
					}
					res, err := ag.Install(path, hook)
					if err != nil {
						return err
					}
					report("installed", res)
					return nil
				},
			},
			{
				Name:  "uninstall",
				Usage: "remove exactly noxkey's hooks",
				Flags: flags(),
				Action: func(ctx context.Context, cmd *cli.Command) error {
					ag, path, err := hookTarget(cmd)
					if err != nil {
						return err
					}
					res, err := ag.Uninstall(path)
					if err != nil {
						return err
					}
					report("uninstalled", res)
					return nil
				},
			},
			{
				Name:  "status",
				Usage: "show whether noxkey's hooks are installed and their noxkey-hook still exists",
				Flags: flags(),
				Action: func(ctx context.Context, cmd *cli.Command) error {
					ag, path, err := hookTarget(cmd)
					if err != nil {
						return err
					}
					ok, hook, err := ag.Installed(path)
					if err != nil {
						return err
					}
					state := "not installed"
					if ok {
						state = "installed"
						if _, err := os.Stat(hook); err != nil {
							state = "installed, but " + hook + " is missing: run noxkey hooks install again"
						}
					}
					fmt.Printf("%s (%s): %s\n", ag.Description, path, state)
					return nil
				},
			},
		},
	}
}

func hookTarget(cmd *cli.Command) (*hooks.Agent, string, error) {
	ag, err := hooks.LoadAgent(cmd.String("agent"))
	if err != nil {
		return nil, "", usageError("%v", err)
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return nil, "", err
	}
	wd, err := os.Getwd()
	if err != nil {
		return nil, "", err
	}
	p, err := ag.ConfigPath(cmd.String("scope"), home, wd)
	if err != nil {
		return nil, "", usageError("%v", err)
	}
	return ag, p, nil
}

// hookPath finds noxkey-hook: the flag, next to this noxkey, or on PATH.
func hookPath(flag string) (string, error) {
	if flag != "" {
		return filepath.Abs(flag)
	}
	if self, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(self), "noxkey-hook")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	p, err := exec.LookPath("noxkey-hook")
	if err != nil {
		return "", usageError("noxkey-hook is not next to noxkey nor on PATH; install it (go install ./cmd/...) or pass --hook-path")
	}
	return filepath.Abs(p)
}

func report(what string, r hooks.Result) {
	switch {
	case !r.Changed:
		fmt.Fprintf(os.Stderr, "%s: nothing to change\n", r.Path)
	case r.Backup != "":
		fmt.Fprintf(os.Stderr, "%s %s (previous file kept as %s)\n", what, r.Path, r.Backup)
	default:
		fmt.Fprintf(os.Stderr, "%s %s\n", what, r.Path)
	}
}
