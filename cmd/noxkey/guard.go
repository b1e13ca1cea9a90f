package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/noxkey/noxkey/guard"
	"github.com/noxkey/noxkey/guard/arm"
	"github.com/noxkey/noxkey/guard/config"
	"github.com/noxkey/noxkey/guard/parts"
	"github.com/noxkey/noxkey/handoff/daemon"
	"github.com/noxkey/noxkey/vault"
	"github.com/urfave/cli/v3"
)

func (a *app) guardCommand() *cli.Command {
	return &cli.Command{
		Name:  "guard",
		Usage: "the DLP guard's index and scanner",
		Commands: []*cli.Command{
			{
				Name:  "rebuild",
				Usage: "rebuild the guard index from the vault (done after every vault write)",
				Action: func(ctx context.Context, cmd *cli.Command) error {
					// An unlocked daemon rebuilds it with the key it holds:
					// no passphrase to type again.
					if a.usesDaemon() {
						if c, err := a.connect(false); err == nil {
							resp, err := a.call(c, &daemon.Request{Op: daemon.OpRebuild})
							c.Close()
							if err == nil && resp.Status != nil {
								fmt.Fprintf(os.Stderr, "guard index: %d secrets in %s (rebuilt by the unlocked daemon)\n", resp.Status.Secrets, a.layout.Index())
								return nil
							}
							var de *daemonError
							if err != nil && !(errors.As(err, &de) && de.code == daemon.CodeLocked) {
								return err
							}
						}
					}
					n, skipped, err := a.rebuildIndex(a.store())
					if err != nil {
						return err
					}
					fmt.Fprintf(os.Stderr, "guard index: %d secrets in %s\n", n, a.layout.Index())
					for _, s := range skipped {
						fmt.Fprintf(os.Stderr, "noxkey: warning: %s is shorter than the guard's min_length; it is not matched\n", s)
					}
					return nil
				},
			},
			{
				Name:  "arm",
				Usage: "arm the guard: put its keys (derived from the vault's index key) where noxkey-hook reads them (noxkey unlock does this too)",
				Action: func(ctx context.Context, cmd *cli.Command) error {
					key, err := a.store().IndexKey()
					if err != nil {
						return err
					}
					defer clear(key)
					if err := armKey(key); err != nil {
						return err
					}
					line, _ := armedLine(a.layout.Index())
					fmt.Fprintln(os.Stderr, "guard: "+line)
					return nil
				},
			},
			{
				Name:  "disarm",
				Usage: "disarm the guard: remove its key from the keyring; noxkey-hook then blocks what it would scan",
				Action: func(ctx context.Context, cmd *cli.Command) error {
					id, err := indexVaultID(a.layout.Index())
					if err != nil {
						return err
					}
					if err := arm.Disarm(id); err != nil {
						return err
					}
					fmt.Fprintln(os.Stderr, "guard: disarmed; agents' tool output is blocked until: noxkey unlock")
					return nil
				},
			},
			{
				Name:  "scan",
				Usage: "report vault secrets and pattern-rule hits in FILEs (or stdin): names and positions, never values",
				Description: `Exits 1 when it finds anything (--exit-code changes that), 0 when not,
as gitleaks does, so it can gate a commit or a CI step:

   git diff --cached | noxkey guard scan
   noxkey guard scan --sarif build.log > noxkey.sarif   # GitHub code scanning`,
				ArgsUsage: "[FILE...]",
				Flags: []cli.Flag{
					&cli.BoolFlag{Name: "json", Usage: `print {"findings": N, "files": [{"path", "findings": [{line, col, name, kind, length}]}]}`},
					&cli.BoolFlag{Name: "sarif", Usage: "print a SARIF 2.1.0 report"},
					&cli.IntFlag{Name: "exit-code", Value: 1, Usage: "exit status when something is found"},
				},
				Action: func(ctx context.Context, cmd *cli.Command) error {
					if cmd.Bool("json") && cmd.Bool("sarif") {
						return usageError("guard scan: use --json or --sarif, not both")
					}
					g, err := guard.Open(a.layout.Config, a.layout.Index(), arm.Lookup)
					if err != nil {
						return err
					}
					if g.Warning != "" {
						fmt.Fprintln(os.Stderr, g.Warning)
					}
					files := cmd.Args().Slice()
					if len(files) == 0 {
						files = []string{"-"}
					}
					var report scanReport
					for _, f := range files {
						data, err := readScanInput(f)
						if err != nil {
							return err
						}
						ms := g.Find(data)
						report.add(f, data, ms)
						if !cmd.Bool("json") && !cmd.Bool("sarif") {
							for _, line := range guard.Summary(f, data, ms) {
								fmt.Println(line)
							}
						}
						clear(data)
					}
					switch {
					case cmd.Bool("json"):
						if err := json.NewEncoder(os.Stdout).Encode(report); err != nil {
							return err
						}
					case cmd.Bool("sarif"):
						if err := json.NewEncoder(os.Stdout).Encode(report.sarif()); err != nil {
							return err
						}
					case report.Findings == 0:
						fmt.Fprintln(os.Stderr, "no secrets found")
					default:
						fmt.Fprintf(os.Stderr, "%d found\n", report.Findings)
					}
					if report.Findings > 0 {
						return cli.Exit("", cmd.Int("exit-code"))
					}
					return nil
				},
			},
		},
	}
}

func readScanInput(name string) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(os.Stdin)
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, usageError("guard scan: %v", err)
	}
	return b, nil
}

// rebuildIndex writes guard.idx from every secret of the store. It costs
// no passphrase derivation after a write: the store keeps its file key.
func (a *app) rebuildIndex(s vault.Store) (int, []string, error) {
	all, err := s.All()
	if err != nil {
		return 0, nil, err
	}
	// A value a secret replaced stays redacted: a rotated key may still
	// be valid for a while, and old logs and files still hold it.
	if w, ok := s.(*daemonWriter); ok {
		s = w.Store
	}
	if h, ok := s.(vault.Historian); ok {
		prev, err := h.Previous()
		if err != nil {
			return 0, nil, err
		}
		all = append(all, prev...)
	}
	defer func() {
		for _, x := range all {
			x.Wipe()
		}
	}()
	key, err := s.IndexKey()
	if err != nil {
		return 0, nil, err
	}
	defer clear(key)
	return a.writeIndex(all, key)
}

// writeIndex builds the index of secrets under key and writes it atomically.
func (a *app) writeIndex(all []*vault.Secret, key []byte) (int, []string, error) {
	cfg, err := config.LoadConfig(a.layout.Config)
	if err != nil {
		return 0, nil, err
	}
	st, err := cfg.Settings()
	if err != nil {
		return 0, nil, err
	}
	secs := make([]guard.Secret, len(all))
	for i, x := range all {
		secs[i] = guard.Secret{Name: x.Path, Value: x.Value}
	}
	// A structured secret's parts are matched as its own.
	secs, wipeParts := parts.Expand(secs, max(cfg.MinLength, 6))
	defer wipeParts()
	ix, skipped, err := guard.Build(secs, key, guard.Options{MinLen: cfg.MinLength, PartialMin: cfg.PartialMin, Settings: st})
	if err != nil {
		return 0, nil, err
	}
	if err := ix.WriteFile(a.layout.Index()); err != nil {
		return 0, nil, err
	}
	a.log.Info().Int("secrets", ix.Len()).Str("index", a.layout.Index()).Msg("guard index written")
	if err := armKey(key); err != nil {
		return 0, nil, fmt.Errorf("the guard index was written, but %w", err)
	}
	return ix.Len(), skipped, nil
}

// armKey arms the guard with the vault's index key (package arm): the
// hook can use the index from now until reboot or noxkey guard disarm.
func armKey(key []byte) error {
	id, armed, err := guard.ArmedKey(key)
	if err != nil {
		return err
	}
	defer clear(armed)
	if _, err := arm.Arm(id, armed); err != nil {
		return fmt.Errorf("the guard could not be armed: %w", err)
	}
	return nil
}

// indexVaultID reads the vault id from the guard index's header, so that
// disarm and status need no passphrase.
func indexVaultID(path string) (string, error) {
	id, err := guard.IndexVaultID(path)
	if err != nil {
		return "", err
	}
	return id, nil
}

// armedLine describes whether the guard of the index at path is armed.
func armedLine(path string) (string, bool) {
	id, err := indexVaultID(path)
	if err != nil {
		return "unknown (" + err.Error() + ")", false
	}
	if w, ok := arm.Armed(id); ok {
		return "armed (" + w.String() + ")", true
	}
	return "not armed: noxkey-hook blocks what it would scan; run: noxkey unlock", false
}
