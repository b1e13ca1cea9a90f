package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/noxkey/noxkey/handoff/daemon"
	"github.com/noxkey/noxkey/vault"
	"github.com/urfave/cli/v3"
)

func (a *app) mvCommand() *cli.Command {
	return &cli.Command{
		Name:      "mv",
		Usage:     "rename the secret at OLD to NEW, its value and description kept",
		ArgsUsage: "OLD NEW",
		Description: `NEW is written before OLD is removed, so a failure in between leaves
both, never neither. A secret already at NEW is not replaced without
--force. Not available to AI agents (it reads the value).`,
		Flags: []cli.Flag{&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "replace a secret already at NEW"}},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if cmd.Args().Len() != 2 {
				return usageError("mv takes two secret paths, e.g. noxkey mv acme/api/KEY acme/api/STRIPE_KEY")
			}
			from, to := cmd.Args().Get(0), cmd.Args().Get(1)
			for _, p := range []string{from, to} {
				if err := vault.ValidatePath(p); err != nil {
					return usageError("%v", err)
				}
			}
			if from == to {
				return usageError("OLD and NEW are the same path; nothing was changed")
			}
			if err := a.refuseAgents(); err != nil {
				return err
			}
			for _, p := range []string{from, to} {
				if r, _, _, ok := a.remoteOf(p); ok {
					return usageError("%s is under team remote %s (%s/): set the new path and rm the old one, which writes both to the Vault server; nothing was changed", p, r.Name, r.As)
				}
			}
			metas, err := a.list(parentOf(from))
			if err != nil {
				return err
			}
			desc, found := "", false
			for _, m := range metas {
				if m.Path == from {
					desc, found = m.Description, true
				}
			}
			if !found {
				return fmt.Errorf("vault: %s: %w; nothing was changed; see the stored names with: noxkey ls", from, vault.ErrNotFound)
			}
			if !cmd.Bool("force") {
				if others, err := a.list(parentOf(to)); err == nil {
					for _, m := range others {
						if m.Path == to {
							return usageError("%s already holds a secret; add --force to replace it; nothing was changed", to)
						}
					}
				}
			}
			value, err := a.readValue(from)
			if err != nil {
				return err
			}
			defer clear(value)
			s := a.writer()
			if err := s.Set(vault.Secret{Path: to, Value: value, Description: desc}); err != nil {
				return err
			}
			if err := s.Delete(from); err != nil {
				return fmt.Errorf("%s was written, but %s was not removed: %w; remove it with: noxkey rm %s", to, from, err, from)
			}
			return a.afterWrite(s, "mv", from, to)
		},
	}
}

// readValue reads one value for a human command: from the daemon when it
// serves the vault, else from the file.
func (a *app) readValue(p string) ([]byte, error) {
	if !a.usesDaemon() {
		sec, err := a.store().Get(p)
		if err != nil {
			return nil, err
		}
		return sec.Value, nil
	}
	_, value, err := a.sealedCall(&daemon.Request{Op: daemon.OpGet, Path: p, Mode: "raw"}, "get\x00"+p)
	return value, err
}

// parentOf is the prefix that holds path: acme/api for acme/api/KEY.
func parentOf(path string) string {
	if i := strings.LastIndexByte(path, '/'); i > 0 {
		return path[:i]
	}
	return ""
}
