package main

import (
	"context"
	"fmt"
	"os"

	"github.com/noxkey/noxkey/vault"
	"github.com/urfave/cli/v3"
)

func (a *app) editCommand() *cli.Command {
	return &cli.Command{
		Name:      "edit",
		Usage:     "change the description of the secret at PATH, its value kept (set changes the value)",
		ArgsUsage: "PATH",
		Flags: []cli.Flag{&cli.StringFlag{Name: "description", Aliases: []string{"d"}, Required: true,
			Usage: "the new description (\"\" is refused: give the secret one)"}},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			p, err := argPath(cmd)
			if err != nil {
				return err
			}
			desc := cmd.String("description")
			if desc == "" {
				return usageError("edit: give a description; nothing was changed")
			}
			if err := a.refuseAgents(); err != nil {
				return err
			}
			if err := a.setDescription(p, desc); err != nil {
				return err
			}
			fmt.Fprintf(os.Stderr, "%s: description changed\n", p)
			return nil
		},
	}
}

// setDescription gives the secret at p a new description, its value and
// origin kept (a description stays on this machine: remotes have none).
func (a *app) setDescription(p, desc string) error {
	metas, err := a.list(parentOf(p))
	if err != nil {
		return err
	}
	var origin *vault.Origin
	found := false
	for _, m := range metas {
		if m.Path == p {
			origin, found = m.Origin, true
		}
	}
	if !found {
		return fmt.Errorf("vault: %s: %w; see the stored names with: noxkey ls", p, vault.ErrNotFound)
	}
	value, err := a.readValue(p)
	if err != nil {
		return err
	}
	defer clear(value)
	s := a.writer()
	if err := s.Set(vault.Secret{Path: p, Value: value, Description: desc, Origin: origin}); err != nil {
		return err
	}
	return a.afterWrite(s, "edit", p)
}
