package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/noxkey/noxkey/internal/atomicfile"
	"github.com/noxkey/noxkey/vault"
	"github.com/noxkey/noxkey/vault/remote"
	"github.com/urfave/cli/v3"
	"golang.org/x/term"
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

func (a *app) syncCommand() *cli.Command {
	return &cli.Command{
		Name:      "sync",
		Usage:     "copy the secrets of every remote (or NAME) into the local vault, fetching only what changed",
		ArgsUsage: "[NAME]",
		Description: `Reads the remote's KV v2 metadata, fetches the secrets whose version is
newer than the one recorded here, removes what was deleted there, then
writes the vault once and rebuilds the guard index once: a sync that
fails midway changes nothing. Prints what changed, names only.`,
		Action: func(ctx context.Context, cmd *cli.Command) error {
			cfg, err := a.daemonConfig()
			if err != nil {
				return err
			}
			if len(cfg.Remotes) == 0 {
				return usageError("no remotes; add one with: noxkey remote add NAME --vault-addr URL --path team/acme --as acme")
			}
			var errs []error
			found := false
			for _, r := range cfg.Remotes {
				if cmd.Args().Len() > 0 && r.Name != cmd.Args().First() {
					continue
				}
				found = true
				if err := a.syncRemote(ctx, r, true); err != nil {
					errs = append(errs, err)
				}
			}
			if !found {
				return usageError("no remote %q; see them with: noxkey remote ls", cmd.Args().First())
			}
			return errors.Join(errs...)
		},
	}
}

// syncRemote syncs r into the local vault (through the daemon when it
// serves it), records the outcome, and reports it on stderr.
func (a *app) syncRemote(ctx context.Context, r remote.Config, report bool) (err error) {
	start := time.Now()
	defer func() { a.recordSync(r.Name, start, err) }()
	c, err := remote.Dial(ctx, r)
	if err != nil {
		return err
	}
	local, err := a.list(r.As)
	if err != nil && !errors.Is(err, vault.ErrNotFound) {
		return err
	}
	var progress func(done, total int)
	if report && term.IsTerminal(int(os.Stderr.Fd())) {
		progress = func(done, total int) {
			if total >= 200 && (done%100 == 0 || done == total) {
				fmt.Fprintf(os.Stderr, "\rsync %s: %d/%d", r.Name, done, total)
				if done == total {
					fmt.Fprint(os.Stderr, "\r\033[K")
				}
			}
		}
	}
	p, err := c.Plan(ctx, local, progress)
	if err != nil {
		return err
	}
	defer p.Wipe()
	if len(p.Set)+len(p.Remove) > 0 {
		w := a.writer()
		if err := applyTo(w, p.Set, p.Remove); err != nil {
			return err
		}
		if err := a.afterWrite(w, "sync", append(append([]string{}, p.Added...), p.Changed...)...); err != nil {
			return err
		}
	}
	if report {
		for _, x := range p.Added {
			fmt.Fprintf(os.Stderr, "+ %s\n", x)
		}
		for _, x := range p.Changed {
			fmt.Fprintf(os.Stderr, "~ %s\n", x)
		}
		for _, x := range p.Remove {
			fmt.Fprintf(os.Stderr, "- %s\n", x)
		}
		for _, x := range p.Skipped {
			fmt.Fprintf(os.Stderr, "! %s\n", x)
		}
		fmt.Fprintf(os.Stderr, "sync %s: %d added, %d changed, %d removed, %d skipped of %d remote secrets in %s\n",
			r.Name, len(p.Added), len(p.Changed), len(p.Remove), len(p.Skipped), p.Checked, time.Since(start).Round(time.Millisecond))
	}
	return nil
}

// applier is a Store that can set and remove in one write.
type applier interface {
	Apply(set []vault.Secret, remove []string) error
}

func applyTo(s vault.Store, set []vault.Secret, remove []string) error {
	if ap, ok := s.(applier); ok {
		return ap.Apply(set, remove)
	}
	return fmt.Errorf("this vault back-end cannot hold synced secrets; use the file back-end")
}

// remoteOf finds the remote whose prefix holds path, and the remote
// secret and field it maps to.
func (a *app) remoteOf(path string) (r remote.Config, key, field string, ok bool) {
	cfg, err := a.daemonConfig()
	if err != nil {
		return r, "", "", false
	}
	for _, x := range cfg.Remotes {
		if vault.HasPrefix(path, x.As) && path != x.As {
			rest := strings.TrimPrefix(path, x.As+"/")
			if i := strings.LastIndexByte(rest, '/'); i >= 0 {
				return x, rest[:i], rest[i+1:], true
			}
			return x, "", rest, true
		}
	}
	return r, "", "", false
}

// writeRemote writes the field path maps to in remote r first, with
// check-and-set on the version this machine last synced (value nil:
// removes it), then syncs that remote secret here, so every field of it
// records the new version.
func (a *app) writeRemote(ctx context.Context, r remote.Config, key, field string, value []byte, force bool) error {
	c, err := remote.Dial(ctx, r)
	if err != nil {
		return err
	}
	local, err := a.list(r.As)
	if err != nil && !errors.Is(err, vault.ErrNotFound) {
		return err
	}
	have := remote.Version{Key: key}
	for _, m := range local {
		if m.Origin != nil && m.Origin.Remote == r.Name && m.Origin.Key == key {
			have.Version, have.Updated = m.Origin.Version, m.Origin.Updated
		}
	}
	if _, err := c.SetField(ctx, key, field, value, have, force); err != nil {
		return err
	}
	p, err := c.Plan(ctx, local, nil, key)
	if err != nil {
		return fmt.Errorf("%s was written to the Vault server, but not here: %w; run: noxkey sync %s", c.LocalPath(key, field), err, r.Name)
	}
	defer p.Wipe()
	w := a.writer()
	if err := applyTo(w, p.Set, p.Remove); err != nil {
		return err
	}
	return a.afterWrite(w, "set", c.LocalPath(key, field))
}

// syncState is what the last sync of a remote did.
type syncState struct {
	Last     time.Time `json:"last"`
	LastOK   time.Time `json:"last_ok,omitempty"`
	Error    string    `json:"error,omitempty"`
	Duration string    `json:"duration"`
}

func (s syncState) describe() string {
	switch {
	case s.Last.IsZero():
		return "never synced"
	case s.Error != "":
		return fmt.Sprintf("last sync failed %s ago: %s", time.Since(s.Last).Round(time.Second), s.Error)
	}
	return fmt.Sprintf("synced %s ago", time.Since(s.Last).Round(time.Second))
}

func (a *app) remoteStatePath() string { return filepath.Join(a.layout.Data, "remotes.json") }

func (a *app) remoteStates() map[string]syncState {
	out := map[string]syncState{}
	if b, err := os.ReadFile(a.remoteStatePath()); err == nil {
		json.Unmarshal(b, &out)
	}
	return out
}

// recordSync keeps when a remote was synced and how it went (names and
// times only) in remotes.json, for status and doctor.
func (a *app) recordSync(name string, start time.Time, err error) {
	states := a.remoteStates()
	s := states[name]
	s.Last, s.Duration, s.Error = start.UTC(), time.Since(start).Round(time.Millisecond).String(), ""
	if err != nil {
		s.Error, _, _ = strings.Cut(err.Error(), "\n")
	} else {
		s.LastOK = s.Last
	}
	states[name] = s
	b, _ := json.MarshalIndent(states, "", "  ")
	atomicfile.Write(a.remoteStatePath(), append(b, '\n'), atomicfile.Options{})
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

// printRemotes prints each remote's last sync, for status and doctor.
func (a *app) printRemotes() {
	cfg, err := a.daemonConfig()
	if err != nil || len(cfg.Remotes) == 0 {
		return
	}
	states := a.remoteStates()
	for _, r := range cfg.Remotes {
		fmt.Printf("remote:  %s (%s/): %s\n", r.Name, r.As, states[r.Name].describe())
	}
}

// checkRemotes reports each remote's last sync: a failed one needs fixing.
func (a *app) checkRemotes(d *doctor) {
	cfg, err := a.daemonConfig()
	if err != nil || len(cfg.Remotes) == 0 {
		return
	}
	states := a.remoteStates()
	for _, r := range cfg.Remotes {
		st := states[r.Name]
		switch {
		case st.Last.IsZero():
			d.note("remote "+r.Name, "never synced; run: noxkey sync "+r.Name)
		case st.Error != "":
			d.fix("remote "+r.Name, st.describe()+"; fix it, then run: noxkey sync "+r.Name)
		default:
			d.ok("remote "+r.Name, st.describe())
		}
	}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
