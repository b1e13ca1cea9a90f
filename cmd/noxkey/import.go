package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/joho/godotenv"
	"github.com/noxkey/noxkey/vault"
	"github.com/urfave/cli/v3"
)

func (a *app) importCommand() *cli.Command {
	return &cli.Command{
		Name:      "import",
		Usage:     "store every variable of a dotenv FILE under --prefix, or every secret of a bundle",
		ArgsUsage: "FILE (- for stdin)",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "prefix", Usage: "store NAME as `PREFIX`/NAME (dotenv files)"},
			&cli.BoolFlag{Name: "skip-empty", Usage: "leave out variables with an empty value instead of refusing the file"},
			&cli.StringFlag{Name: "bundle-passphrase-file", Usage: "passphrase of a bundle, from `FILE`", Sources: cli.EnvVars("NOXKEY_BUNDLE_PASSPHRASE_FILE")},
			&cli.StringFlag{Name: "bundle-identity", Usage: "age identity `FILE` of a bundle made with --recipient"},
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if cmd.Args().Len() != 1 {
				return usageError("import takes one file, e.g. noxkey import --prefix acme/api .env")
			}
			data, err := readInput(cmd.Args().First())
			if err != nil {
				return err
			}
			defer clear(data)
			var secrets []vault.Secret
			if isBundle(data) {
				if cmd.String("prefix") != "" {
					return usageError("a bundle keeps the paths it was made with; drop --prefix")
				}
				secrets, err = openBundle(data, cmd.String("bundle-passphrase-file"), cmd.String("bundle-identity"))
			} else {
				secrets, err = parseDotenv(data, cmd.String("prefix"), cmd.Bool("skip-empty"))
			}
			if err != nil {
				return err
			}
			if len(secrets) == 0 {
				return usageError("%s holds no variables; nothing was changed", cmd.Args().First())
			}
			defer func() {
				for i := range secrets {
					secrets[i].Wipe()
				}
			}()
			s := a.writer()
			if err := s.Set(secrets...); err != nil {
				return err
			}
			paths := make([]string, len(secrets))
			for i := range secrets {
				paths[i] = secrets[i].Path
			}
			fmt.Fprintf(os.Stderr, "imported %d secrets\n", len(secrets))
			if settings := settingLike(secrets); len(settings) > 0 {
				fmt.Fprintf(os.Stderr, "noxkey: %s look like settings rather than secrets (a number, a boolean or a short word); they are stored, but the guard does not redact values this short. Remove any you meant to keep in plain configuration: noxkey rm PATH\n", strings.Join(settings, ", "))
			}
			return a.afterWrite(s, "import", paths...)
		},
	}
}

func readInput(name string) ([]byte, error) {
	var r io.Reader = os.Stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, usageError("import: %v", err)
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, vault.MaxFileSize))
	if err != nil {
		return nil, usageError("import: read %s: %v", name, err)
	}
	return data, nil
}

// parseDotenv reads dotenv syntax with godotenv (comments, quotes, export
// prefixes, escapes) into secrets under prefix.
func parseDotenv(data []byte, prefix string, skipEmpty bool) ([]vault.Secret, error) {
	if prefix == "" {
		return nil, usageError("import of a dotenv file needs --prefix, e.g. --prefix acme/api")
	}
	if err := vault.ValidatePrefix(prefix); err != nil {
		return nil, usageError("%v", err)
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return nil, usageError("import: the file holds a NUL byte; it is not a dotenv file")
	}
	env, err := godotenv.Parse(bytes.NewReader(data))
	if err != nil {
		// godotenv's message quotes the file's text, which holds values: leave it out.
		return nil, usageError("import: the file is not valid dotenv syntax (NAME=value lines; quote values that hold spaces, quotes or newlines); nothing was changed")
	}
	names := slices.Sorted(maps.Keys(env))
	var out []vault.Secret
	for _, k := range names {
		p := prefix + "/" + k
		if err := vault.ValidatePath(p); err != nil {
			return nil, usageError("import: variable %q: %v", k, err)
		}
		if env[k] == "" && skipEmpty {
			fmt.Fprintf(os.Stderr, "import: %s is empty; left out\n", k)
			continue
		}
		if env[k] == "" {
			return nil, usageError("import: variable %s is empty; remove it from the file, give it a value, or add --skip-empty; nothing was changed", k)
		}
		out = append(out, vault.Secret{Path: p, Value: []byte(env[k])})
	}
	return out, nil
}

// settingLike lists the secrets whose values look like configuration
// (PORT=8080, DEBUG=true): a short number, a boolean or a word under 6
// bytes.
func settingLike(secrets []vault.Secret) []string {
	var out []string
	for _, s := range secrets {
		v := strings.ToLower(string(s.Value))
		_, numErr := strconv.ParseFloat(v, 64)
		if numErr == nil && len(v) <= 8 || len(v) < 6 || v == "true" || v == "false" || v == "yes" || v == "no" || v == "on" || v == "off" {
			out = append(out, vault.Name(s.Path))
		}
	}
	return out
}
