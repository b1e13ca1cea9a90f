package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/noxkey/noxkey/internal/atomicfile"
	"github.com/noxkey/noxkey/vault"
	"github.com/noxkey/noxkey/vault/remote"
	"github.com/urfave/cli/v3"
)

func (a *app) remoteCommand() *cli.Command {
	return &cli.Command{
		Name:  "remote",
		Usage: "the team Vault servers (HashiCorp Vault or OpenBao, KV v2) whose secrets noxkey sync copies here",
		Commands: []*cli.Command{
			{
				Name:      "add",
				Usage:     "add a remote to config.toml",
				ArgsUsage: "NAME",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "vault-addr", Usage: "the server's `URL` (default: VAULT_ADDR when syncing)"},
					&cli.StringFlag{Name: "mount", Value: "secret", Usage: "the KV version 2 mount"},
					&cli.StringFlag{Name: "path", Usage: "the team's `PATH` under the mount, e.g. team/acme", Required: true},
					&cli.StringFlag{Name: "as", Usage: "the local `PREFIX` its secrets go under, e.g. acme", Required: true},
					&cli.StringFlag{Name: "role-id", Usage: "log in with AppRole `ID` instead of a token"},
					&cli.StringFlag{Name: "secret-id-file", Usage: "the AppRole secret id is in `FILE`"},
					&cli.StringFlag{Name: "ca-cert", Usage: "the server's CA certificate `FILE` (default: VAULT_CACERT)"},
					&cli.StringFlag{Name: "namespace", Usage: "the Vault namespace (default: VAULT_NAMESPACE)"},
				},
				Action: func(ctx context.Context, cmd *cli.Command) error {
					if cmd.Args().Len() != 1 {
						return usageError("remote add takes a name: noxkey remote add acme --path team/acme --as acme")
					}
					r := remote.Config{Name: cmd.Args().First(), Addr: cmd.String("vault-addr"), Mount: cmd.String("mount"),
						Path: strings.Trim(cmd.String("path"), "/"), As: strings.TrimSuffix(cmd.String("as"), "/"), RoleID: cmd.String("role-id"),
						SecretIDFile: cmd.String("secret-id-file"), CACert: cmd.String("ca-cert"), Namespace: cmd.String("namespace")}
					if r.SecretIDFile != "" {
						abs, err := filepath.Abs(r.SecretIDFile)
						if err != nil {
							return err
						}
						r.SecretIDFile = abs
					}
					if err := r.Check(); err != nil {
						return usageError("%v", err)
					}
					return a.addRemote(r)
				},
			},
			{
				Name:  "ls",
				Usage: "list the remotes and when each was last synced",
				Action: func(ctx context.Context, cmd *cli.Command) error {
					cfg, err := a.daemonConfig()
					if err != nil {
						return err
					}
					if len(cfg.Remotes) == 0 {
						fmt.Fprintln(os.Stderr, "no remotes; add one with: noxkey remote add NAME --vault-addr URL --path team/acme --as acme")
						return nil
					}
					states := a.remoteStates()
					for _, r := range cfg.Remotes {
						fmt.Printf("%-12s %s %s/%s -> %s/  %s\n", r.Name, orDefault(r.Addr, "$VAULT_ADDR"), r.Mount, r.Path, r.As, states[r.Name].describe())
					}
					return nil
				},
			},
			{
				Name:      "rm",
				Usage:     "remove a remote from config.toml (its synced secrets stay, as local ones, until you rm them)",
				ArgsUsage: "NAME",
				Action: func(ctx context.Context, cmd *cli.Command) error {
					if cmd.Args().Len() != 1 {
						return usageError("remote rm takes a name")
					}
					return a.removeRemote(cmd.Args().First())
				},
			},
		},
	}
}

// addRemote appends a [[remote]] table to config.toml, keeping the rest of
// the file as it is.
func (a *app) addRemote(r remote.Config) error {
	cfg, err := a.daemonConfig()
	if err != nil {
		return err
	}
	for _, x := range cfg.Remotes {
		if x.Name == r.Name {
			return usageError("a remote %q exists already; remove it first: noxkey remote rm %s", r.Name, r.Name)
		}
		if vault.HasPrefix(r.As, x.As) || vault.HasPrefix(x.As, r.As) {
			return usageError("--as %s overlaps remote %s's prefix %s; give each remote its own", r.As, x.Name, x.As)
		}
	}
	p := filepath.Join(a.layout.Config, "config.toml")
	old, err := os.ReadFile(p)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	var b strings.Builder
	b.Write(old)
	if len(old) > 0 && !strings.HasSuffix(string(old), "\n") {
		b.WriteByte('\n')
	}
	fmt.Fprintf(&b, "\n[[remote]]\nname = %q\nmount = %q\npath = %q\nas = %q\n", r.Name, r.Mount, r.Path, r.As)
	for _, kv := range [][2]string{{"vault_addr", r.Addr}, {"role_id", r.RoleID}, {"secret_id_file", r.SecretIDFile}, {"ca_cert", r.CACert}, {"namespace", r.Namespace}} {
		if kv[1] != "" {
			fmt.Fprintf(&b, "%s = %q\n", kv[0], kv[1])
		}
	}
	if err := os.MkdirAll(a.layout.Config, 0o700); err != nil {
		return err
	}
	if err := atomicfile.Write(p, []byte(b.String()), atomicfile.Options{Sync: true}); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "added remote %s to %s; fetch its secrets with: noxkey sync %s\n", r.Name, p, r.Name)
	return nil
}

var remoteHeader = regexp.MustCompile(`(?m)^\s*\[\[remote\]\]\s*$`)

// removeRemote takes the [[remote]] table named name out of config.toml.
func (a *app) removeRemote(name string) error {
	p := filepath.Join(a.layout.Config, "config.toml")
	b, err := os.ReadFile(p)
	if err != nil {
		return usageError("no remote %q (there is no config.toml)", name)
	}
	text := string(b)
	starts := remoteHeader.FindAllStringIndex(text, -1)
	for i, st := range starts {
		end := len(text)
		if i+1 < len(starts) {
			end = starts[i+1][0]
		}
		if next := regexp.MustCompile(`(?m)^\s*\[`).FindStringIndex(text[st[1]:]); next != nil && st[1]+next[0] < end {
			end = st[1] + next[0]
		}
		block := text[st[0]:end]
		if regexp.MustCompile(`(?m)^\s*name\s*=\s*"` + regexp.QuoteMeta(name) + `"\s*$`).MatchString(block) {
			out := strings.TrimRight(text[:st[0]], "\n") + "\n" + strings.TrimLeft(text[end:], "\n")
			if strings.TrimSpace(out) == "" {
				out = ""
			}
			if err := atomicfile.Write(p, []byte(out), atomicfile.Options{Sync: true}); err != nil {
				return err
			}
			fmt.Fprintf(os.Stderr, "removed remote %s; its synced secrets stay here as local ones\n", name)
			return nil
		}
	}
	return usageError("no remote %q; see them with: noxkey remote ls", name)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
