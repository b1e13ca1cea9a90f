package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/noxkey/noxkey/guard"
	"github.com/noxkey/noxkey/guard/arm"
	"github.com/noxkey/noxkey/guard/scrub"
	"github.com/noxkey/noxkey/handoff"
	"github.com/noxkey/noxkey/handoff/daemon"
	"github.com/noxkey/noxkey/hooks/install"
	"github.com/noxkey/noxkey/internal/paths"
	"github.com/urfave/cli/v3"
)

func (a *app) doctorCommand() *cli.Command {
	return &cli.Command{
		Name:  "doctor",
		Usage: "check the vault, the guard index, the daemon, the runtime dir and every agent's hooks; say what to fix",
		Description: `Exits 0 when nothing needs fixing, 1 when something does (each FIX line
says what to do).`,
		Flags: []cli.Flag{&cli.BoolFlag{Name: "json", Usage: `print {"problems": N, "checks": [{"level": "ok"|"note"|"fix", "what", "detail"}]}`}},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			d := &doctor{json: cmd.Bool("json"), checks: []doctorCheck{}}
			a.checkVault(d)
			a.checkDaemon(d)
			a.checkHooks(d)
			a.checkHistory(d)
			a.checkRemotes(d)
			if d.json {
				if err := json.NewEncoder(os.Stdout).Encode(map[string]any{"problems": d.problems, "checks": d.checks}); err != nil {
					return err
				}
				if d.problems > 0 {
					return cli.Exit("", exitUsage)
				}
				return nil
			}
			if d.problems > 0 {
				return cli.Exit(fmt.Sprintf("noxkey doctor: %d problem(s); each says what to do", d.problems), exitUsage)
			}
			fmt.Println("noxkey doctor: all good")
			return nil
		},
	}
}

// doctor collects the checks: printed as they come, or kept for --json.
type doctor struct {
	problems int
	json     bool
	checks   []doctorCheck
}

type doctorCheck struct {
	Level  string `json:"level"` // ok, note or fix
	What   string `json:"what"`
	Detail string `json:"detail"`
}

func (d *doctor) add(level, label, what, detail string) {
	if d.json {
		d.checks = append(d.checks, doctorCheck{level, what, detail})
		return
	}
	fmt.Printf("%-5s %-14s %s\n", label, what, detail)
}

func (d *doctor) ok(what, detail string)   { d.add("ok", "ok", what, detail) }
func (d *doctor) note(what, detail string) { d.add("note", "note", what, detail) }
func (d *doctor) fix(what, detail string) {
	d.problems++
	d.add("fix", "FIX", what, detail)
}

func (a *app) checkVault(d *doctor) {
	v := a.layout.Vault()
	vi, err := os.Lstat(v)
	switch {
	case errors.Is(err, os.ErrNotExist):
		d.fix("vault", v+" does not exist; create it with: noxkey init")
		return
	case err != nil:
		d.fix("vault", err.Error())
		return
	case !vi.Mode().IsRegular():
		d.fix("vault", v+" is not a regular file (a symlink?); move it away and restore vault.age.bak")
		return
	case vi.Mode().Perm() != 0o600:
		d.fix("vault", fmt.Sprintf("%s has mode %04o; run: chmod 600 %s", v, vi.Mode().Perm(), v))
	default:
		d.ok("vault", fmt.Sprintf("%s (0600, %d bytes, written %s)", v, vi.Size(), vi.ModTime().Format(time.DateTime)))
	}
	if di, err := os.Stat(filepath.Dir(v)); err == nil && di.Mode().Perm() != 0o700 {
		d.fix("vault dir", fmt.Sprintf("%s has mode %04o; run: chmod 700 %s", filepath.Dir(v), di.Mode().Perm(), filepath.Dir(v)))
	}
	ix := a.layout.Index()
	ii, err := os.Stat(ix)
	if err != nil {
		d.fix("guard index", ix+" is missing: the hooks block everything; run: noxkey guard rebuild")
		return
	}
	if line, ok := armedLine(ix); ok {
		d.ok("guard key", line)
	} else {
		d.fix("guard key", line)
	}
	g, err := guard.Open(a.layout.Config, ix, arm.Lookup)
	switch {
	case errors.Is(err, arm.ErrNotArmed):
		return
	case err != nil:
		d.fix("guard index", err.Error())
	case ii.ModTime().Before(vi.ModTime()):
		d.fix("guard index", fmt.Sprintf("older than the vault (%s < %s): a secret may be missing from it; run: noxkey guard rebuild",
			ii.ModTime().Format(time.DateTime), vi.ModTime().Format(time.DateTime)))
	case g.Warning != "":
		d.fix("guard index", g.Warning)
	default:
		d.ok("guard index", fmt.Sprintf("%s (%d secrets, newer than the vault)", ix, g.Index.Len()))
	}
}

func (a *app) checkDaemon(d *doctor) {
	rt := a.layout.Runtime
	if _, err := os.Stat(rt); err == nil {
		if err := paths.EnsurePrivateDir(rt); err != nil {
			d.fix("runtime dir", err.Error())
		} else if tmp, err := handoff.OnTmpfs(rt); err == nil && !tmp {
			d.note("runtime dir", rt+" is on a persistent file system: handoff scripts touch the disk for seconds; set XDG_RUNTIME_DIR to a tmpfs")
		} else {
			d.ok("runtime dir", rt+" (0700, tmpfs)")
		}
	}
	c, err := a.connect(false)
	if err != nil {
		d.note("daemon", "not running; noxkey get starts it, and noxkey unlock unlocks it")
		return
	}
	defer c.Close()
	resp, err := a.call(c, &daemon.Request{Op: daemon.OpStatus})
	if err != nil {
		d.fix("daemon", "it does not answer: "+err.Error()+"; run: noxkey daemon stop, then noxkey unlock")
		return
	}
	if resp.Status.Unlocked {
		d.ok("daemon", fmt.Sprintf("pid %d, unlocked, %d secrets", resp.Status.Pid, resp.Status.Secrets))
	} else {
		d.ok("daemon", fmt.Sprintf("pid %d, locked (noxkey unlock when you need it)", resp.Status.Pid))
	}
	if resp.Caller != nil && resp.Caller.Agent {
		d.note("caller", "this shell looks like the AI agent "+resp.Caller.Name+"; noxkey whoami --explain says why")
	}
}

func (a *app) checkHooks(d *doctor) {
	home, _ := os.UserHomeDir()
	wd, _ := os.Getwd()
	found := false
	for _, name := range install.KnownAgents() {
		ag, err := install.LoadAgent(name)
		if err != nil {
			d.fix("hooks", err.Error())
			continue
		}
		for _, scope := range []string{"user", "project"} {
			p, err := ag.ConfigPath(scope, home, wd)
			if err != nil {
				continue
			}
			if _, err := os.Stat(p); err != nil {
				continue
			}
			state := hookState(ag, p)
			if state == "not installed" {
				continue
			}
			found = true
			if strings.HasPrefix(state, "installed") && !strings.Contains(state, "missing") {
				d.ok(name+" hooks", scope+": "+p)
			} else {
				d.fix(name+" hooks", scope+": "+p+": "+state)
			}
		}
	}
	if !found {
		d.note("hooks", "no agent has noxkey's hooks; run: noxkey hooks install --agent AGENT ("+strings.Join(install.KnownAgents(), ", ")+", or all)")
	}
}

// maxDoctorScan bounds what doctor reads of agents' files: past it, it
// asks for a scrub --dry-run instead of counting.
const maxDoctorScan = 1 << 30

// checkHistory counts, per agent, the findings still in the files it keeps
// (what noxkey scrub would redact). A finding is not a problem of noxkey's
// setup: it is a note with the command that removes it.
func (a *app) checkHistory(d *doctor) {
	g, err := guard.Open(a.layout.Config, a.layout.Index(), arm.Lookup)
	if err != nil {
		return // checkVault said why
	}
	defer g.Index.Close()
	locs, err := scrub.Locations()
	if err != nil {
		return
	}
	home, _ := os.UserHomeDir()
	clean := true
	for _, agent := range scrub.Agents() {
		var files []string
		var size int64
		for _, p := range locs[agent] {
			for _, f := range scrub.Expand(p, home) {
				if fi, err := os.Stat(f); err == nil {
					size += fi.Size()
				}
				files = append(files, f)
			}
		}
		if size > maxDoctorScan {
			d.note("history", fmt.Sprintf("%s: %d files, %d MB: too many to count here; run: noxkey scrub --agent %s --dry-run", agent, len(files), size>>20, agent))
			clean = false
			continue
		}
		found, in := 0, 0
		for _, f := range files {
			if r := scrub.File(g, f, scrub.Options{DryRun: true, Busy: time.Nanosecond}); len(r.Findings) > 0 {
				found += len(r.Findings)
				in++
			}
		}
		if found > 0 {
			clean = false
			d.note("history", fmt.Sprintf("%s: %d secret(s) in %d of its files; run: noxkey scrub --agent %s", agent, found, in, agent))
		}
	}
	if clean {
		d.ok("history", "no vault secret in agents' transcripts or shell history")
	}
}
