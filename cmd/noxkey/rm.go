package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/noxkey/noxkey/internal/prompt"
	"github.com/noxkey/noxkey/vault"
	"github.com/urfave/cli/v3"
)

func (a *app) rmCommand() *cli.Command {
	return &cli.Command{
		Name:      "rm",
		Usage:     "remove the secrets at PATHs, or every secret under --prefix, in one write",
		ArgsUsage: "PATH...",
		Description: `All or none: a PATH that is not there changes nothing. Removing more than
one secret asks first on a terminal (y/N), as rm -i does; --yes answers
for scripts, which get no question and must say --yes.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "prefix", Usage: "remove every secret under `PREFIX` (e.g. acme/old)"},
			&cli.BoolFlag{Name: "yes", Aliases: []string{"y"}, Usage: "do not ask before removing more than one secret"},
			&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "for a secret of a team remote: remove it there even if a teammate changed it since your last sync"},
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			paths := cmd.Args().Slice()
			prefix := cmd.String("prefix")
			switch {
			case prefix == "" && len(paths) == 0:
				return usageError("name what to remove: noxkey rm PATH... or noxkey rm --prefix PREFIX")
			case prefix != "" && len(paths) > 0:
				return usageError("use PATHs or --prefix, not both")
			}
			for _, p := range paths {
				if err := vault.ValidatePath(p); err != nil {
					return usageError("%v", err)
				}
			}
			if prefix != "" {
				if err := vault.ValidatePrefix(prefix); err != nil || prefix == "" {
					return usageError("--prefix: %v", err)
				}
				ms, err := a.list(prefix)
				if err != nil {
					return err
				}
				if len(ms) == 0 {
					return fmt.Errorf("vault: nothing under %s: %w; see the stored names with: noxkey ls", prefix, vault.ErrNotFound)
				}
				for _, m := range ms {
					paths = append(paths, m.Path)
				}
			}
			if len(paths) > 1 && !cmd.Bool("yes") {
				if err := confirm(fmt.Sprintf("remove %d secrets (%s)?", len(paths), summarize(paths)), "--yes"); err != nil {
					return err
				}
			}
			// A team remote's secret is removed there first (with
			// check-and-set), then here; local ones in one write.
			var local []string
			for _, p := range paths {
				r, key, field, ok := a.remoteOf(p)
				if !ok {
					local = append(local, p)
					continue
				}
				if err := a.writeRemote(ctx, r, key, field, nil, cmd.Bool("force")); err != nil {
					return err
				}
			}
			if len(local) == 0 {
				return nil
			}
			paths = local
			s := a.writer()
			if err := s.Delete(paths...); err != nil {
				return err
			}
			if len(paths) > 1 {
				fmt.Fprintf(os.Stderr, "removed %d secrets\n", len(paths))
			}
			return a.afterWrite(s, "rm", paths...)
		},
	}
}

// confirm asks question on the terminal; no terminal, or any answer but
// y/yes, is a refusal that changes nothing.
func confirm(question, flag string) error {
	ok, err := prompt.YesNo("noxkey: " + question)
	if errors.Is(err, prompt.ErrNoAnswer) {
		return usageError("%s: there is no terminal to ask; add %s to confirm; nothing was changed", strings.TrimSuffix(question, "?"), flag)
	}
	if err != nil || !ok {
		return usageError("not confirmed; nothing was changed")
	}
	return nil
}

// summarize names the first few paths.
func summarize(paths []string) string {
	if len(paths) <= 3 {
		return strings.Join(paths, ", ")
	}
	return strings.Join(paths[:3], ", ") + fmt.Sprintf(" and %d more", len(paths)-3)
}
