package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/noxkey/noxkey/hooks/install"
	"github.com/urfave/cli/v3"
)

func (a *app) hooksCommand() *cli.Command {
	flags := func() []cli.Flag {
		return []cli.Flag{
			&cli.StringFlag{Name: "agent", Usage: "the agent: " + strings.Join(install.KnownAgents(), ", ") + ", or all", Required: true},
			&cli.StringFlag{Name: "scope", Value: "user", Usage: "user (your home) or project (the current directory)"},
		}
	}
	statusFlags := []cli.Flag{
		&cli.StringFlag{Name: "agent", Value: "all", Usage: "the agent: " + strings.Join(install.KnownAgents(), ", ") + ", or all"},
		&cli.StringFlag{Name: "scope", Value: "user", Usage: "user (your home) or project (the current directory)"},
		&cli.BoolFlag{Name: "json", Usage: `print [{"agent","path","installed","hook","hook_found"}]`},
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
					hook, err := hookPath(cmd.String("hook-path"))
					if err != nil {
						return err
					}
					if _, err := os.Stat(a.layout.Index()); err != nil {
						defer fmt.Fprintf(os.Stderr, "noxkey: warning: there is no guard index at %s yet, so the hooks will refuse every tool call (fail closed) until you run: noxkey init (or noxkey guard rebuild)\n", a.layout.Index())
					}
					return a.eachTarget(cmd, func(t hookTarget) error {
						hook := hook
						if cmd.String("scope") == "project" && !t.agent.Scopes.ProjectIsLocal && cmd.String("hook-path") == "" {
							hook = sharedHookName(t.path, hook)
						}
						res, err := t.agent.Install(t.path, hook)
						if err != nil {
							return err
						}
						report("installed", res)
						for _, n := range t.agent.Notes {
							fmt.Fprintf(os.Stderr, "  %s: %s\n", t.agent.Description, n)
						}
						return nil
					})
				},
			},
			{
				Name:  "uninstall",
				Usage: "remove exactly noxkey's hooks",
				Flags: flags(),
				Action: func(ctx context.Context, cmd *cli.Command) error {
					return a.eachTarget(cmd, func(t hookTarget) error {
						res, err := t.agent.Uninstall(t.path)
						if err == nil {
							report("uninstalled", res)
						}
						return err
					})
				},
			},
			{
				Name:  "status",
				Usage: "show whether noxkey's hooks are installed and their noxkey-hook still exists",
				Flags: statusFlags,
				Action: func(ctx context.Context, cmd *cli.Command) error {
					targets, err := a.hookTargets(cmd)
					if err != nil {
						return err
					}
					if cmd.Bool("json") {
						type state struct {
							Agent     string `json:"agent"`
							Path      string `json:"path"`
							Installed bool   `json:"installed"`
							Hook      string `json:"hook,omitempty"` // the noxkey-hook the entries call
							HookFound bool   `json:"hook_found"`
						}
						out := []state{}
						for _, t := range targets {
							ok, hook, _ := t.agent.Installed(t.path)
							_, err := resolveHook(hook)
							out = append(out, state{t.agent.Agent, t.path, ok, hook, ok && err == nil})
						}
						return json.NewEncoder(os.Stdout).Encode(out)
					}
					for _, t := range targets {
						fmt.Printf("%-20s %s: %s\n", t.agent.Description, t.path, hookState(t.agent, t.path))
					}
					return nil
				},
			},
		},
	}
}

type hookTarget struct {
	agent *install.Agent
	path  string
}

// hookTargets resolves --agent (one, or all) and --scope to settings files.
func (a *app) hookTargets(cmd *cli.Command) ([]hookTarget, error) {
	names := []string{cmd.String("agent")}
	if names[0] == "all" {
		names = install.KnownAgents()
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return nil, err
	}
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	var out []hookTarget
	for _, n := range names {
		ag, err := install.LoadAgent(n)
		if err != nil {
			return nil, usageError("%v", err)
		}
		if len(ag.Hooks) == 0 && ag.Plugin == "" {
			return nil, usageError("noxkey recognises %s but installs no hooks for it; known: %s", n, strings.Join(install.KnownAgents(), ", "))
		}
		p, err := ag.ConfigPath(cmd.String("scope"), home, wd)
		if err != nil {
			return nil, usageError("%v", err)
		}
		ag.BackupDir = filepath.Join(a.layout.Data, "hooks-backup") // out of the project's tree
		out = append(out, hookTarget{ag, p})
	}
	return out, nil
}

// eachTarget runs change on every agent's file; one file's error does
// not stop the others.
func (a *app) eachTarget(cmd *cli.Command, change func(hookTarget) error) error {
	targets, err := a.hookTargets(cmd)
	if err != nil {
		return err
	}
	var errs []error
	for _, t := range targets {
		errs = append(errs, change(t))
	}
	return errors.Join(errs...)
}

// hookState says whether noxkey's hooks are in path and whether the
// noxkey-hook they call still exists.
func hookState(ag *install.Agent, path string) string {
	ok, hook, err := ag.Installed(path)
	switch {
	case err != nil:
		return "cannot tell: " + err.Error()
	case !ok:
		return "not installed"
	}
	found, err := resolveHook(hook)
	if err != nil {
		return "installed, but " + hook + " is missing: run noxkey hooks install again"
	}
	if found != hook {
		return "installed (" + hook + ", on PATH: " + found + ")"
	}
	return "installed (" + hook + ")"
}

// sharedHookName is how a project file teammates share names noxkey-hook:
// the bare name when PATH finds this same noxkey-hook (each teammate's
// agent then runs their own), else its absolute path, with a warning.
func sharedHookName(file, hook string) string {
	if p, err := exec.LookPath("noxkey-hook"); err == nil {
		a, errA := os.Stat(p)
		b, errB := os.Stat(hook)
		if errA == nil && errB == nil && os.SameFile(a, b) {
			return "noxkey-hook"
		}
	}
	fmt.Fprintf(os.Stderr, "noxkey: warning: %s will hold this machine's path %s, which teammates may not have; put %s on PATH and install again to write the name noxkey-hook alone\n", file, hook, filepath.Dir(hook))
	return hook
}

// resolveHook is the file a handler's noxkey-hook names: a bare name is
// looked up on PATH, as the agent's shell will.
func resolveHook(hook string) (string, error) {
	if filepath.IsAbs(hook) {
		_, err := os.Stat(hook)
		return hook, err
	}
	return exec.LookPath(hook)
}

// hookPath finds noxkey-hook: the flag, next to this noxkey, or on PATH.
func hookPath(flag string) (string, error) {
	if flag != "" {
		p, err := filepath.Abs(flag)
		return filepath.Clean(p), err
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

func report(what string, r install.Result) {
	switch {
	case !r.Changed:
		fmt.Fprintf(os.Stderr, "%s: nothing to change\n", r.Path)
	case r.Removed:
		fmt.Fprintf(os.Stderr, "%s %s: removed, nothing else was in it (previous file kept as %s)\n", what, r.Path, r.Backup)
	case r.Backup != "":
		fmt.Fprintf(os.Stderr, "%s %s (previous file kept as %s)\n", what, r.Path, r.Backup)
	default:
		fmt.Fprintf(os.Stderr, "%s %s\n", what, r.Path)
	}
}
