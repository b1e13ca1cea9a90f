package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/noxkey/noxkey/handoff/daemon"
	"github.com/noxkey/noxkey/vault"
	"github.com/urfave/cli/v3"
)

func (a *app) historyCommand() *cli.Command {
	return &cli.Command{
		Name:      "history",
		Usage:     "list the values the secret at PATH has held (when, length, checksum; never a value)",
		ArgsUsage: "PATH",
		Description: `The vault keeps the last 10 values each secret replaced, encrypted with
the rest; the guard keeps redacting them. noxkey restore PATH N makes
version N the value again. rm removes a secret with its history; mv
starts the new path without one.`,
		Flags: []cli.Flag{&cli.BoolFlag{Name: "json", Usage: `print [{"n","set","replaced","length","mac"}]`}},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			p, err := argPath(cmd)
			if err != nil {
				return err
			}
			h, err := a.history(p)
			if err != nil {
				return err
			}
			if cmd.Bool("json") {
				return json.NewEncoder(os.Stdout).Encode(h)
			}
			fmt.Printf("%-7s  %-19s  %-19s  %6s  %s\n", "VERSION", "SET", "REPLACED", "LENGTH", "MAC")
			for _, v := range h {
				n, replaced := "current", "-"
				if v.N > 0 {
					n, replaced = strconv.Itoa(v.N), v.Replaced.Local().Format(time.DateTime)
				}
				fmt.Printf("%-7s  %-19s  %-19s  %6d  %s\n", n, v.Set.Local().Format(time.DateTime), replaced, v.Length, v.MAC)
			}
			return nil
		},
	}
}

func (a *app) restoreCommand() *cli.Command {
	return &cli.Command{
		Name:      "restore",
		Usage:     "make version N of the secret at PATH (see noxkey history) its value again",
		ArgsUsage: "PATH N",
		Description: `The value it replaces joins the history, so a restore can be undone
with another.`,
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if cmd.Args().Len() != 2 {
				return usageError("restore takes a secret path and a version, e.g. noxkey restore acme/api/KEY 1")
			}
			p := cmd.Args().Get(0)
			if err := vault.ValidatePath(p); err != nil {
				return usageError("%v", err)
			}
			n, err := strconv.Atoi(cmd.Args().Get(1))
			if err != nil || n < 1 {
				return usageError("restore: %q is not a version; versions are 1, 2, ... as noxkey history %s lists them", cmd.Args().Get(1), p)
			}
			if r, _, _, ok := a.remoteOf(p); ok {
				return usageError("%s is under team remote %s: a value restored here would not reach the Vault server; set the value you want with noxkey set, which writes it there (KV keeps its own versions); nothing was changed", p, r.Name)
			}
			w := a.writer()
			file := w // written directly when no unlocked daemon does it
			ok, err := false, error(nil)
			if dw, isDW := w.(*daemonWriter); isDW {
				file = dw.Store
				ok, err = dw.try(func(c *daemon.Client) (*daemon.Response, error) {
					return a.call(c, &daemon.Request{Op: daemon.OpRestore, Path: p, Version: n})
				})
			}
			if !ok && err == nil {
				h, isH := file.(vault.Historian)
				if !isH {
					return fmt.Errorf("restore: this vault back-end keeps no history")
				}
				err = h.Restore(p, n)
			}
			if err != nil {
				return err
			}
			if err := a.afterWrite(w, "restore", p); err != nil {
				return err
			}
			fmt.Fprintf(os.Stderr, "%s: version %d restored; the value it replaced is version 1 now\n", p, n)
			return nil
		},
	}
}

// history returns the versions of the secret at p, from the daemon when
// it serves the vault.
func (a *app) history(p string) ([]vault.Version, error) {
	if !a.usesDaemon() {
		h, ok := a.store().(vault.Historian)
		if !ok {
			return nil, fmt.Errorf("history: this vault back-end keeps no history")
		}
		return h.History(p)
	}
	_, out, err := a.sealedCall(&daemon.Request{Op: daemon.OpHistory, Path: p}, "history\x00"+p)
	if err != nil {
		return nil, err
	}
	var h []vault.Version
	if err := json.Unmarshal(out, &h); err != nil {
		return nil, fmt.Errorf("daemon: malformed answer: %w", err)
	}
	return h, nil
}
