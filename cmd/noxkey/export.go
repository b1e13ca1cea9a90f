package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"syscall"
	"unicode"

	"github.com/noxkey/noxkey/handoff"
	"github.com/noxkey/noxkey/handoff/daemon"
	"github.com/noxkey/noxkey/internal/atomicfile"

	"filippo.io/age"
	"github.com/joho/godotenv"
	"github.com/noxkey/noxkey/internal/prompt"
	"github.com/noxkey/noxkey/vault"
	"github.com/urfave/cli/v3"
)

func (a *app) exportCommand() *cli.Command {
	return &cli.Command{
		Name:      "export",
		Usage:     "print the secrets under PREFIX as a dotenv file",
		ArgsUsage: "PREFIX",
		Flags: []cli.Flag{&cli.StringFlag{Name: "output", Aliases: []string{"o"},
			Usage: "write to `FILE` (mode 0600, replaced atomically) instead of stdout, where a shell's > would use your umask"}},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			return a.printEach(cmd, "export", dotenvLine)
		},
	}
}

func (a *app) loadCommand() *cli.Command {
	return &cli.Command{
		Name:      "load",
		Usage:     "print `export NAME='value'` lines for the secrets under PREFIX, for eval",
		ArgsUsage: "PREFIX",
		Action: func(ctx context.Context, cmd *cli.Command) error {
			return a.printEach(cmd, "load", func(w *bytes.Buffer, name string, v []byte) error {
				line := handoff.DialectFor("sh").Assign(name, v)
				w.Write(line)
				clear(line)
				return nil
			})
		},
	}
}

// printEach writes one line per secret under the prefix; NAMEs must be unique.
func (a *app) printEach(cmd *cli.Command, op string, line func(*bytes.Buffer, string, []byte) error) (err error) {
	prefix, err := argPrefix(cmd, true)
	if err != nil {
		return err
	}
	secs, err := a.selected(op, prefix)
	if err != nil {
		return err
	}
	defer a.reportUnused(op, pathsOf(secs), &err)
	var buf bytes.Buffer
	defer func() { clear(buf.Bytes()) }()
	var lineErr error
	for _, s := range secs {
		if err := line(&buf, vault.Name(s.Path), s.Value); err != nil && lineErr == nil {
			lineErr = fmt.Errorf("%s: %w", s.Path, err)
		}
		s.Wipe()
	}
	if lineErr != nil {
		return usageError("%v", lineErr)
	}
	a.log.Info().Str("op", op).Str("prefix", prefix).Int("count", len(secs)).Msg("read")
	if out := cmd.String("output"); out != "" {
		if err := atomicfile.Write(out, buf.Bytes(), atomicfile.Options{Sync: true}); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		fmt.Fprintf(os.Stderr, "wrote %d secrets to %s (mode 0600)\n", len(secs), out)
		return nil
	}
	_, err = os.Stdout.Write(buf.Bytes())
	return err
}

// selected returns the secrets under prefix for op (export, load,
// bundle: refused to agents), refusing two with one NAME.
func (a *app) selected(op, prefix string) ([]*vault.Secret, error) {
	all, err := a.bulk(op, prefix, nil)
	if err != nil {
		return nil, err
	}
	var out []*vault.Secret
	seen := map[string]string{}
	for _, s := range all {
		if !vault.HasPrefix(s.Path, prefix) {
			s.Wipe()
			continue
		}
		n := vault.Name(s.Path)
		if other, dup := seen[n]; dup {
			got := pathsOf(all)
			for _, o := range all {
				o.Wipe()
			}
			err := usageError("%s and %s both have the NAME %s; choose a narrower prefix", other, s.Path, n)
			a.reportUnused(op, got, &err)
			return nil, err
		}
		seen[n] = s.Path
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no secrets under %q: %w", prefix, vault.ErrNotFound)
	}
	return out, nil
}

func (a *app) bundleCommand() *cli.Command {
	return &cli.Command{
		Name:      "bundle",
		Usage:     "write the secrets under PREFIX to an age-encrypted FILE that `noxkey import` reads",
		ArgsUsage: "PREFIX",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the bundle to `FILE` (created 0600, never replaced)", Required: true},
			&cli.StringSliceFlag{Name: "recipient", Aliases: []string{"r"}, Usage: "encrypt to age public key `KEY` instead of a bundle passphrase"},
			&cli.StringFlag{Name: "bundle-passphrase-file", Usage: "bundle passphrase from `FILE`", Sources: cli.EnvVars("NOXKEY_BUNDLE_PASSPHRASE_FILE")},
		},
		Action: func(ctx context.Context, cmd *cli.Command) (err error) {
			prefix, err := argPrefix(cmd, true)
			if err != nil {
				return err
			}
			// Everything that can be checked before the values are asked
			// for is checked first: the recipients and the output name.
			var rcpts []age.Recipient
			for _, r := range cmd.StringSlice("recipient") {
				rs, err := age.ParseRecipients(strings.NewReader(r))
				if err != nil {
					return usageError("--recipient %q: %v", r, err)
				}
				rcpts = append(rcpts, rs...)
			}
			out := cmd.String("output")
			if _, err := os.Lstat(out); err == nil {
				return usageError("bundle: %s already exists (choose a new file name)", out)
			}
			secs, err := a.selected("bundle", prefix)
			if err != nil {
				return err
			}
			defer a.reportUnused("bundle", pathsOf(secs), &err)
			defer func() {
				for _, s := range secs {
					s.Wipe()
				}
			}()
			if len(rcpts) == 0 {
				r, err := passphraseRecipient(func() ([]byte, error) { return bundlePassphrase(cmd.String("bundle-passphrase-file"), true) })
				if err != nil {
					return err
				}
				rcpts = append(rcpts, r)
			}
			f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o600)
			if err != nil {
				return usageError("bundle: %v (choose a new file name)", err)
			}
			if err := vault.WriteBundle(f, secs, rcpts...); err != nil {
				f.Close()
				os.Remove(out)
				return err
			}
			if err := f.Sync(); err != nil {
				f.Close()
				return err
			}
			a.log.Info().Str("op", "bundle").Str("prefix", prefix).Int("count", len(secs)).Msg("read")
			fmt.Fprintf(os.Stderr, "wrote %d secrets to %s\n", len(secs), out)
			return f.Close()
		},
	}
}

func bundlePassphrase(file string, confirm bool) ([]byte, error) {
	if file != "" {
		return prompt.PassphraseFromFile(file)
	}
	return prompt.Passphrase("Bundle passphrase", confirm)
}

func isBundle(data []byte) bool { return vault.IsBundle(data) }

func openBundle(data []byte, passFile, identityFile string) ([]vault.Secret, error) {
	var ids []age.Identity
	if identityFile != "" {
		i, _, err := vault.ReadIdentityFile(identityFile, pluginUI())
		if err != nil {
			return nil, err
		}
		ids = i
	} else {
		pass, err := bundlePassphrase(passFile, false)
		if err != nil {
			return nil, err
		}
		id, err := vault.PassphraseIdentity(pass)
		clear(pass)
		if err != nil {
			return nil, err
		}
		ids = []age.Identity{id}
	}
	return vault.ReadBundle(data, ids...)
}

// dotenvLine writes NAME='value' (literal) when it can, else a
// double-quoted escaped string, and checks that godotenv reads the line
// back to exactly the value: a value no dotenv parser can carry (one ending
// in a backslash before the closing quote) is refused with advice.
func dotenvLine(w *bytes.Buffer, name string, v []byte) error {
	var line string
	if !bytes.ContainsAny(v, "'\n\r") && !bytes.HasSuffix(v, []byte("\\")) {
		line = name + "='" + string(v) + "'\n"
	} else {
		line = name + `="` + dotenvEscape(v) + "\"\n"
	}
	back, err := godotenv.Unmarshal(line)
	same := err == nil && back[name] == string(v)
	for k := range back {
		delete(back, k)
	}
	if !same {
		return fmt.Errorf("this value cannot be written as a dotenv line that reads back exactly; move it with noxkey bundle instead")
	}
	w.WriteString(line)
	return nil
}

// dotenvEscape escapes a value for a double-quoted dotenv string the way
// godotenv reads it back (its own Marshal turns "007" into 7).
func dotenvEscape(v []byte) string {
	var b strings.Builder
	for _, c := range v {
		switch c {
		case '\\', '"', '!', '$', '`':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// reportUnused tells the daemon's audit log, when *errp is set, that the
// values it sent for mode were not used: the daemon logged its answer
// "ok" when it sent them, and only the client knows what came after.
// Nothing is reported for a vault read without the daemon (no audit log).
func (a *app) reportUnused(mode string, paths []string, errp *error) {
	if *errp == nil || len(paths) == 0 || !a.usesDaemon() {
		return
	}
	reason, _, _ := strings.Cut((*errp).Error(), "\n")
	if len(reason) > 500 {
		reason = reason[:500]
	}
	reason = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, reason)
	c, err := a.connect(false)
	if err != nil {
		return
	}
	defer c.Close()
	c.Call(&daemon.Request{Op: daemon.OpReport, Mode: mode, Paths: paths, Reason: reason})
}

// pathsOf lists the paths of secs.
func pathsOf(secs []*vault.Secret) []string {
	out := make([]string, len(secs))
	for i, s := range secs {
		out[i] = s.Path
	}
	return out
}

// bulk returns the secrets at paths and under prefix (everything when
// both are empty) for mode: "run" (allowed to agents), or export, load,
// bundle (refused to agents). Through the daemon when it serves the
// vault, else read directly after the daemon's verdict.
func (a *app) bulk(mode, prefix string, paths []string) ([]*vault.Secret, error) {
	if !a.usesDaemon() {
		if mode != "run" {
			if err := a.refuseAgents(); err != nil {
				return nil, err
			}
		}
		all, err := a.store().All()
		if err != nil {
			return nil, err
		}
		var out []*vault.Secret
		for _, s := range all {
			if (len(paths) == 0 || prefix != "") && vault.HasPrefix(s.Path, prefix) || slices.Contains(paths, s.Path) {
				out = append(out, s)
			} else {
				s.Wipe()
			}
		}
		return out, nil
	}
	_, plain, err := a.sealedCall(&daemon.Request{Op: daemon.OpEnv, Mode: mode, Prefix: prefix, Paths: paths}, "env\x00"+mode)
	if err != nil {
		return nil, err
	}
	defer clear(plain)
	var ents []daemon.WireSecret
	if err := json.Unmarshal(plain, &ents); err != nil {
		return nil, fmt.Errorf("daemon: malformed answer: %w", err)
	}
	out := make([]*vault.Secret, len(ents))
	for i, e := range ents {
		out[i] = &vault.Secret{Path: e.Path, Value: e.Value}
	}
	return out, nil
}
