package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"filippo.io/age"
	"filippo.io/age/plugin"
	"github.com/noxkey/noxkey/internal/paths"
	"github.com/noxkey/noxkey/internal/prompt"
	"github.com/noxkey/noxkey/vault"
	"github.com/rs/zerolog"
	"github.com/urfave/cli/v3"
)

// app is what every command shares: where files are, how to unlock, the log.
type app struct {
	home           string // --home, passed on to a daemon started on demand
	layout         paths.Layout
	vaultPath      string
	passphraseFile string
	identityFile   string
	log            zerolog.Logger
}

func newApp() *app { return &app{log: zerolog.Nop()} }

func (a *app) setup(ctx context.Context, cmd *cli.Command) (context.Context, error) {
	a.home = cmd.String("home")
	a.layout = paths.Resolve(a.home)
	a.vaultPath = cmd.String("vault")
	if a.vaultPath == "" {
		a.vaultPath = a.layout.Vault()
	}
	a.passphraseFile = cmd.String("passphrase-file")
	a.identityFile = cmd.String("identity")
	lvl, err := zerolog.ParseLevel(cmd.String("log-level"))
	if err != nil || lvl == zerolog.NoLevel {
		return ctx, usageError("--log-level %q: use debug, info, warn or error", cmd.String("log-level"))
	}
	switch cmd.String("log-format") {
	case "json":
		a.log = zerolog.New(os.Stderr).Level(lvl).With().Timestamp().Logger()
	case "console":
		a.log = zerolog.New(zerolog.ConsoleWriter{Out: os.Stderr, NoColor: true}).Level(lvl).With().Timestamp().Logger()
	default:
		return ctx, usageError("--log-format %q: use console or json", cmd.String("log-format"))
	}
	return ctx, nil
}

// store opens the vault; the passphrase is asked only if it must decrypt.
// NOXKEY_BACKEND=keychain selects the macOS Keychain (darwin+cgo builds).
func (a *app) store() vault.Store {
	if os.Getenv("NOXKEY_BACKEND") == "keychain" {
		s, err := vault.OpenKeychain()
		if err != nil {
			return failedStore{err}
		}
		return s
	}
	return vault.OpenFile(a.vaultPath, a.identities)
}

// failedStore reports why a back-end could not be opened on every call.
type failedStore struct{ err error }

func (f failedStore) List(string) ([]vault.Meta, error) { return nil, f.err }
func (f failedStore) Get(string) (*vault.Secret, error) { return nil, f.err }
func (f failedStore) All() ([]*vault.Secret, error)     { return nil, f.err }
func (f failedStore) Set(...vault.Secret) error         { return f.err }
func (f failedStore) Delete(...string) error            { return f.err }
func (f failedStore) IndexKey() ([]byte, error)         { return nil, f.err }

func (a *app) identities() ([]age.Identity, error) {
	if a.identityFile != "" {
		ids, _, err := vault.ReadIdentityFile(a.identityFile, pluginUI())
		return ids, err
	}
	pass, err := a.passphrase("Vault passphrase", false)
	if err != nil {
		return nil, err
	}
	defer clear(pass)
	id, err := vault.PassphraseIdentity(pass)
	if err != nil {
		return nil, err
	}
	return []age.Identity{id}, nil
}

func (a *app) passphrase(label string, confirm bool) ([]byte, error) {
	if a.passphraseFile != "" {
		return prompt.PassphraseFromFile(a.passphraseFile)
	}
	return prompt.Passphrase(label, confirm)
}

// minPassphrase is the fewest characters a new passphrase may have.
const minPassphrase = 8

// passphraseRecipient asks a new passphrase (after checking the work
// factor, so a bad setting fails before anyone types) and returns its
// scrypt recipient; the passphrase is wiped.
func passphraseRecipient(ask func() ([]byte, error)) (age.Recipient, error) {
	wf, err := workFactor()
	if err != nil {
		return nil, err
	}
	pass, err := ask()
	if err != nil {
		return nil, err
	}
	defer clear(pass)
	if n := utf8.RuneCount(pass); n < minPassphrase {
		return nil, usageError("the new passphrase has %d characters: too few to stand up to guessing once someone has the vault file; use at least %d (a few random words are best); nothing was changed", n, minPassphrase)
	}
	return vault.PassphraseRecipient(pass, wf)
}

// workFactor is NOXKEY_SCRYPT_WORK_FACTOR, for tests; 0 means age's default.
func workFactor() (int, error) {
	v := os.Getenv("NOXKEY_SCRYPT_WORK_FACTOR")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 30 {
		return 0, usageError("NOXKEY_SCRYPT_WORK_FACTOR=%q: use a whole number from 1 to 30, or unset it for age's default", v)
	}
	return n, nil
}

func pluginUI() *plugin.ClientUI {
	return &plugin.ClientUI{
		DisplayMessage: func(name, msg string) error {
			fmt.Fprintf(os.Stderr, "age-plugin-%s: %s\n", name, msg)
			return nil
		},
		RequestValue: func(name, p string, _ bool) (string, error) {
			b, err := prompt.Passphrase("age-plugin-"+name+": "+p, false)
			return string(b), err
		},
		Confirm: func(name, p, yes, no string) (bool, error) {
			return prompt.Confirm("age-plugin-"+name+": "+p, yes, no)
		},
		WaitTimer: func(name string) {
			fmt.Fprintf(os.Stderr, "age-plugin-%s: waiting (touch your key?)\n", name)
		},
	}
}

// afterWrite runs after every successful vault write: the guard index is
// rebuilt so the hook sees the change at once. Writes to another vault
// file (--vault) leave the index alone.
func (a *app) afterWrite(s vault.Store, op string, paths ...string) error {
	a.log.Info().Str("op", op).Strs("paths", paths).Msg("vault written")
	if a.vaultPath != a.layout.Vault() {
		return nil
	}
	if w, ok := s.(*daemonWriter); ok && w.viaDaemon {
		return nil // the daemon rebuilt the index
	}
	if _, _, err := a.rebuildIndex(s); err != nil {
		return fmt.Errorf("the vault was written, but the guard index was not: %w; run: noxkey guard rebuild", err)
	}
	return nil
}

// argPath returns the single path argument, validated.
func argPath(cmd *cli.Command) (string, error) {
	if cmd.Args().Len() != 1 {
		return "", usageError("%s takes exactly one secret path, e.g. noxkey %s acme/api/STRIPE_KEY", cmd.Name, cmd.Name)
	}
	p := cmd.Args().First()
	if err := vault.ValidatePath(p); err != nil {
		return "", usageError("%v", err)
	}
	return p, nil
}

// argPrefix returns the optional prefix argument, validated.
func argPrefix(cmd *cli.Command, required bool) (string, error) {
	if cmd.Args().Len() > 1 || (required && cmd.Args().Len() == 0) {
		return "", usageError("%s takes one prefix, e.g. noxkey %s acme/api", cmd.Name, cmd.Name)
	}
	p := strings.TrimSuffix(cmd.Args().First(), "/")
	if err := vault.ValidatePrefix(p); err != nil {
		return "", usageError("%v", err)
	}
	return p, nil
}

// needsVault are the commands that read or write the vault: they say at
// once that there is none, before they ask a passphrase or start a
// daemon (a mistyped --home or --vault).
var needsVault = map[string]bool{
	"set": true, "get": true, "ls": true, "peek": true, "rm": true, "mv": true, "edit": true, "history": true, "restore": true, "sync": true, "import": true,
	"export": true, "inject": true, "load": true, "bundle": true, "run": true, "unlock": true, "guard rebuild": true,
}

// vaultExists fails with ErrNoVault (exit 3) when the file vault is missing.
func (a *app) vaultExists() error {
	if os.Getenv("NOXKEY_BACKEND") == "keychain" {
		return nil
	}
	if _, err := os.Stat(a.vaultPath); !errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	where := "create one with: noxkey init"
	switch {
	case a.vaultPath != a.layout.Vault():
		where = "check the --vault path, or create a vault with: noxkey init"
	case a.home != "" || os.Getenv("NOXKEY_HOME") != "":
		where = "check --home / NOXKEY_HOME (" + a.layout.Data + "), or create a vault there with: noxkey init"
	}
	return fmt.Errorf("vault: %s: %w; %s", a.vaultPath, vault.ErrNoVault, where)
}

// requireVault wraps the actions of the commands in needsVault, named by
// their path under the root ("ls", "guard rebuild": "remote ls" is not "ls").
func (a *app) requireVault(root *cli.Command) {
	var walk func(c *cli.Command, path string)
	walk = func(c *cli.Command, path string) {
		if act := c.Action; act != nil && needsVault[path] {
			c.Action = func(ctx context.Context, cmd *cli.Command) error {
				if err := a.vaultExists(); err != nil {
					return err
				}
				return act(ctx, cmd)
			}
		}
		for _, sub := range c.Commands {
			walk(sub, path+" "+sub.Name)
		}
	}
	for _, c := range root.Commands {
		walk(c, c.Name)
	}
}
