package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/noxkey/noxkey/guard/config"
	"github.com/noxkey/noxkey/internal/prompt"
	"github.com/noxkey/noxkey/vault"
	"github.com/urfave/cli/v3"
	"golang.org/x/term"
)

func (a *app) setCommand() *cli.Command {
	return &cli.Command{
		Name:      "set",
		Usage:     "store the value read from stdin (or a hidden prompt) under PATH",
		ArgsUsage: "PATH",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "description", Aliases: []string{"d"}, Usage: "what the secret is for"},
			&cli.BoolFlag{Name: "multiline", Aliases: []string{"m"}, Usage: "at the hidden prompt, read every line until Ctrl-D (a PEM key), as pass insert -m does"},
			&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "replace a secret already at PATH without asking; for a team remote's secret, even if a teammate changed it since your last sync"},
		},
		Description: `At the terminal, a secret already at PATH is replaced only after you
answer y (asked before the value, as pass insert does; on a locked
vault the passphrase comes first). A value piped on stdin replaces it
without a question, so scripts can rotate secrets.`,
		Action: func(ctx context.Context, cmd *cli.Command) error {
			p, err := argPath(cmd)
			if err != nil {
				return err
			}
			if !cmd.Bool("force") && term.IsTerminal(int(os.Stdin.Fd())) {
				if err := a.confirmReplace(p); err != nil {
					return err
				}
			}
			val, err := prompt.Value(os.Stdin, "Value for "+p, cmd.Bool("multiline"))
			if err != nil {
				return usageError("%v", err)
			}
			defer clear(val)
			if err := vault.CheckValue(val); err != nil {
				return usageError("%s: %v", p, err)
			}
			if cfg, err := config.LoadConfig(a.layout.Config); err == nil && len(val) < cfg.MinLength {
				fmt.Fprintf(os.Stderr, "noxkey: warning: %s is %d bytes long; the guard does not match secrets shorter than %d bytes (min_length in guard.toml), so it cannot redact this one\n", p, len(val), cfg.MinLength)
			}
			// A team remote's secret is written there first, with
			// check-and-set on the version last synced here.
			if r, key, field, ok := a.remoteOf(p); ok {
				if err := a.writeRemote(ctx, r, key, field, val, cmd.Bool("force")); err != nil {
					return err
				}
				if d := cmd.String("description"); d != "" {
					return a.setDescription(p, d)
				}
				return nil
			}
			// A mistyped passphrase at the terminal is asked again (three
			// tries, as sudo), rather than losing the value typed before it.
			for try := 1; ; try++ {
				s := a.writer()
				err := s.Set(vault.Secret{Path: p, Value: val, Description: cmd.String("description")})
				if errors.Is(err, vault.ErrWrongPassphrase) && try < 3 && a.passphraseFile == "" && a.identityFile == "" && hasTTY() {
					fmt.Fprintln(os.Stderr, "noxkey: wrong passphrase; try again")
					continue
				}
				if err != nil {
					return err
				}
				return a.afterWrite(s, "set", p)
			}
		},
	}
}

// confirmReplace asks before a typed value replaces the secret at p. Its
// metadata comes from the daemon (unlocked with the passphrase if need
// be), so the question comes before the value is typed.
func (a *app) confirmReplace(p string) error {
	metas, err := a.list(parentOf(p))
	if err != nil {
		return err
	}
	for _, m := range metas {
		if m.Path != p {
			continue
		}
		when := ""
		if !m.Updated.IsZero() {
			when = ", set " + m.Updated.Local().Format(time.DateTime)
		}
		return confirm(fmt.Sprintf("%s already holds a secret (%d bytes%s); replace it?", p, m.Length, when), "--force")
	}
	return nil
}

// hasTTY reports whether there is a terminal to ask on.
func hasTTY() bool {
	f, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return false
	}
	f.Close()
	return true
}
