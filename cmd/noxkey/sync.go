package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/noxkey/noxkey/handoff/daemon"
	"github.com/noxkey/noxkey/vault"
	"github.com/noxkey/noxkey/vault/remote"
	"github.com/urfave/cli/v3"
	"golang.org/x/term"
)

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
	// A team secret is shared: an agent may use it, not change it for
	// everyone.
	if err := a.refuseAgents(); err != nil {
		return err
	}
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

// syncEvery syncs every remote each cfg.SyncInterval while the vault is
// unlocked, with the credentials the daemon finds then (its environment
// from when it started, ~/.vault-token, or the remote's AppRole), so a
// secret a teammate rotated is redacted here within the interval.
func (a *app) syncEvery(ctx context.Context, s *daemon.Server, cfg *daemonConfig) {
	t := time.NewTicker(cfg.SyncInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for _, r := range cfg.Remotes {
			local, err := s.Metas(r.As)
			if errors.Is(err, daemon.ErrLocked) {
				break // nothing to sync into until it is unlocked
			}
			start := time.Now()
			if err == nil {
				err = a.daemonSync(ctx, s, r, local)
			}
			a.recordSync(r.Name, start, err)
			if err != nil {
				a.log.Warn().Str("remote", r.Name).Err(err).Msg("sync")
			}
		}
	}
}

// daemonSync is one sync of r by the daemon.
func (a *app) daemonSync(ctx context.Context, s *daemon.Server, r remote.Config, local []vault.Meta) error {
	c, err := remote.Dial(ctx, r)
	if err != nil {
		return err
	}
	p, err := c.Plan(ctx, local, nil)
	if err != nil {
		return err
	}
	defer p.Wipe()
	if len(p.Set)+len(p.Remove) == 0 {
		return nil
	}
	return s.Apply(p.Set, p.Remove)
}
