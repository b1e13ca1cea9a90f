package main

import (
	"context"
	"fmt"
	"os"

	"filippo.io/age"
	"github.com/noxkey/noxkey/vault"
	"github.com/urfave/cli/v3"
)

func (a *app) initCommand() *cli.Command {
	return &cli.Command{
		Name:  "init",
		Usage: "create the vault (passphrase asked twice, or --identity FILE)",
		Action: func(ctx context.Context, cmd *cli.Command) error {
			// Refuse before asking a passphrase twice for nothing.
			if _, err := os.Lstat(a.vaultPath); err == nil {
				return fmt.Errorf("vault: %s: vault already exists; nothing was changed. Use it as it is, or move it away first to start over", a.vaultPath)
			}
			var rcpts []age.Recipient
			if a.identityFile != "" {
				_, r, err := vault.ReadIdentityFile(a.identityFile, pluginUI())
				if err != nil {
					return err
				}
				rcpts = r
			} else {
				r, err := passphraseRecipient(func() ([]byte, error) { return a.passphrase("New vault passphrase", true) })
				if err != nil {
					return err
				}
				rcpts = []age.Recipient{r}
			}
			key, err := vault.Create(a.vaultPath, rcpts...)
			if err != nil {
				return err
			}
			defer clear(key)
			a.log.Info().Str("vault", a.vaultPath).Msg("vault created")
			fmt.Fprintf(os.Stderr, "Created %s\nStore a secret with: printf '%%s' \"$VALUE\" | noxkey set org/proj/NAME\n", a.vaultPath)
			if a.vaultPath != a.layout.Vault() {
				return nil
			}
			_, _, err = a.writeIndex(nil, key) // empty: the hook works from the start
			return err
		},
	}
}
