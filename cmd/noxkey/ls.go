package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/noxkey/noxkey/handoff/daemon"
	"github.com/noxkey/noxkey/vault"
	"github.com/urfave/cli/v3"
)

func (a *app) lsCommand() *cli.Command {
	return &cli.Command{
		Name:      "ls",
		Usage:     "list secret names, descriptions and update times (never values)",
		ArgsUsage: "[PREFIX]",
		Flags:     []cli.Flag{&cli.BoolFlag{Name: "json", Usage: `print [{"path","description","created","updated","length","parts","origin"}]`}},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			prefix, err := argPrefix(cmd, false)
			if err != nil {
				return err
			}
			ms, err := a.list(prefix)
			if err != nil {
				return err
			}
			if cmd.Bool("json") {
				out := make([]lsEntry, 0, len(ms))
				for _, m := range ms {
					out = append(out, lsEntry{m.Path, m.Description, m.Created, m.Updated, m.Length, m.Parts, m.Origin})
				}
				return json.NewEncoder(os.Stdout).Encode(out)
			}
			if len(ms) == 0 {
				fmt.Fprintf(os.Stderr, "no secrets under %q\n", prefix)
				return nil
			}
			w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(w, "PATH\tUPDATED\tDESCRIPTION")
			for _, m := range ms {
				desc := m.Description
				if m.Parts > 0 {
					desc = strings.TrimSpace(fmt.Sprintf("%s (%d parts)", desc, m.Parts))
				}
				if o := m.Origin; o != nil {
					desc = strings.TrimSpace(fmt.Sprintf("%s [remote %s, version %d]", desc, o.Remote, o.Version))
				}
				fmt.Fprintf(w, "%s\t%s\t%s\n", m.Path, m.Updated.Local().Format(time.DateTime), desc)
			}
			return w.Flush()
		},
	}
}

func (a *app) peekCommand() *cli.Command {
	return &cli.Command{
		Name:      "peek",
		Usage:     "show at most a quarter of PATH's first characters (8 at most), its length and a keyed checksum",
		ArgsUsage: "PATH",
		Flags:     []cli.Flag{&cli.BoolFlag{Name: "json", Usage: `print {"path","peek"}`}},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			p, err := argPath(cmd)
			if err != nil {
				return err
			}
			show := func(peek string) error {
				if cmd.Bool("json") {
					return json.NewEncoder(os.Stdout).Encode(map[string]string{"path": p, "peek": peek})
				}
				_, err := fmt.Println(peek)
				return err
			}
			if !a.usesDaemon() {
				sec, err := a.store().Get(p)
				if err != nil {
					return err
				}
				defer sec.Wipe()
				key, err := a.store().IndexKey()
				if err != nil {
					return err
				}
				defer clear(key)
				return show(vault.Peek(sec.Value, key))
			}
			_, out, err := a.sealedCall(&daemon.Request{Op: daemon.OpPeek, Path: p}, "peek\x00"+p)
			if err != nil {
				return err
			}
			return show(string(out))
		},
	}
}

// list returns the metadata under prefix: from the daemon, which agents
// may ask too, or read directly for --vault and the Keychain.
func (a *app) list(prefix string) ([]vault.Meta, error) {
	if !a.usesDaemon() {
		return a.store().List(prefix)
	}
	_, out, err := a.sealedCall(&daemon.Request{Op: daemon.OpList, Prefix: prefix}, "list\x00"+prefix)
	if err != nil {
		return nil, err
	}
	var ms []vault.Meta
	if err := json.Unmarshal(out, &ms); err != nil {
		return nil, fmt.Errorf("daemon: malformed answer: %w", err)
	}
	return ms, nil
}

// lsEntry is one secret in ls --json: never its value.
type lsEntry struct {
	Path        string        `json:"path"`
	Description string        `json:"description"`
	Created     time.Time     `json:"created"`
	Updated     time.Time     `json:"updated"`
	Length      int           `json:"length"`
	Parts       int           `json:"parts"`
	Origin      *vault.Origin `json:"origin,omitempty"` // a team remote's secret
}
