package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/noxkey/noxkey/configs"
	"github.com/noxkey/noxkey/handoff"
	"github.com/noxkey/noxkey/handoff/daemon"
	"github.com/noxkey/noxkey/internal/paths"
	"github.com/noxkey/noxkey/vault"
	"github.com/noxkey/noxkey/vault/remote"
	"github.com/rs/zerolog"
	"github.com/urfave/cli/v3"
)

// daemonConfig is config.toml: the daemon's settings.
type daemonConfig struct {
	IdleTimeout time.Duration `toml:"idle_timeout"`
	HandoffTTL  time.Duration `toml:"handoff_ttl"`
	// NoTerminalIsAgent: a caller without a terminal is an agent, known
	// or not (handoff.Signatures.NoTerminalIsAgent).
	NoTerminalIsAgent bool `toml:"no_terminal_is_agent"`
	// Remotes are the teams' Vault servers (noxkey remote add).
	Remotes []remote.Config `toml:"remote"`
	// SyncInterval, when set, has the unlocked daemon sync every remote
	// that often.
	SyncInterval time.Duration `toml:"sync_interval"`
}

func (a *app) daemonConfig() (*daemonConfig, error) {
	c := &daemonConfig{IdleTimeout: 15 * time.Minute, HandoffTTL: time.Minute}
	p := filepath.Join(a.layout.Config, "config.toml")
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if _, err := toml.Decode(string(b), c); err != nil {
		return nil, usageError("%s: %v (durations are strings such as \"15m\" or \"60s\")", p, err)
	}
	return c, nil
}

func (a *app) daemonCommand() *cli.Command {
	return &cli.Command{
		Name:  "daemon",
		Usage: "run the daemon that holds the unlocked vault (started on demand by get, run, unlock)",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "detach", Usage: "start in the background and return once it answers"},
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if cmd.Bool("detach") {
				c, err := a.connect(true)
				if err != nil {
					return err
				}
				c.Close()
				return nil
			}
			return a.serveDaemon(ctx)
		},
		Commands: []*cli.Command{
			{
				Name:  "stop",
				Usage: "lock the vault and end the daemon",
				Action: func(ctx context.Context, cmd *cli.Command) error {
					if err := a.tellRunning(daemon.OpStop, "no daemon is running"); err != nil {
						return err
					}
					// Ended, not only told: a daemon started next (unlock)
					// would otherwise find the old one's lock still held.
					return daemon.WaitStopped(a.layout.Runtime, 5*time.Second)
				},
			},
			{
				Name:  "install",
				Usage: "install systemd user units (socket activation) for the daemon",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "dir", Usage: "write the units into `DIR` (default ~/.config/systemd/user)"},
				},
				Action: func(ctx context.Context, cmd *cli.Command) error {
					return a.installUnits(cmd.String("dir"))
				},
			},
		},
	}
}

func (a *app) serveDaemon(ctx context.Context) error {
	cfg, err := a.daemonConfig()
	if err != nil {
		return err
	}
	sigs, err := handoff.LoadSignatures(a.layout.Config)
	if err != nil {
		return err
	}
	sigs.NoTerminalIsAgent = cfg.NoTerminalIsAgent
	for _, name := range userOverrides(a.layout.Config) {
		a.log.Warn().Str("file", name).Msg("a user file replaces a built-in agent signature")
	}
	ln, err := daemon.SystemdListener()
	if err != nil {
		return fmt.Errorf("daemon: systemd socket: %w", err)
	}
	log := a.log
	if log.GetLevel() > zerolog.InfoLevel {
		log = log.Level(zerolog.InfoLevel)
	}
	s := daemon.New(daemon.Config{
		Socket: a.layout.Socket(), Runtime: a.layout.Runtime, Vault: a.layout.Vault(), Audit: a.layout.Audit(),
		IdleTimeout: cfg.IdleTimeout, HandoffTTL: cfg.HandoffTTL, Signatures: sigs, Log: log, Listener: ln,
		AfterWrite: func(st vault.Store) error {
			_, _, err := a.rebuildIndex(st)
			return err
		},
		AfterUnlock: func(st vault.Store) error {
			key, err := st.IndexKey()
			if err != nil {
				return err
			}
			defer clear(key)
			return armKey(key)
		},
	})
	if err := paths.EnsurePrivateDir(a.layout.Data); err != nil {
		return err
	}
	if err := s.Listen(); err != nil {
		if errors.Is(err, daemon.ErrRunning) {
			return cli.Exit("noxkey: a daemon is already running for "+a.layout.Runtime, exitOK)
		}
		return err
	}
	if cfg.SyncInterval > 0 && len(cfg.Remotes) > 0 {
		go a.syncEvery(ctx, s, cfg)
	}
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		<-ch
		s.Stop()
	}()
	log.Info().Str("socket", a.layout.Socket()).Int("pid", os.Getpid()).Dur("idle_timeout", cfg.IdleTimeout).Msg("daemon started")
	err = s.Serve()
	log.Info().Msg("daemon stopped")
	return err
}

// userOverrides lists the user's agent files that replace built-in ones.
func userOverrides(configDir string) []string {
	var out []string
	user, _ := filepath.Glob(filepath.Join(configDir, "agents", "*.toml"))
	for _, p := range user {
		if _, err := configs.FS.ReadFile("agents/" + filepath.Base(p)); err == nil {
			out = append(out, p)
		}
	}
	return out
}

func (a *app) installUnits(dir string) error {
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return err
		}
		base := os.Getenv("XDG_CONFIG_HOME")
		if !filepath.IsAbs(base) {
			base = filepath.Join(home, ".config")
		}
		dir = filepath.Join(base, "systemd", "user")
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, name := range []string{"noxkey.service", "noxkey.socket"} {
		body, err := configs.FS.ReadFile("systemd/" + name)
		if err != nil {
			return err
		}
		body = []byte(strings.ReplaceAll(string(body), "@NOXKEY@", exe))
		if err := os.WriteFile(filepath.Join(dir, name), body, 0o644); err != nil {
			return fmt.Errorf("daemon install: %w", err)
		}
	}
	fmt.Printf("wrote %s/noxkey.service and noxkey.socket\nnow run: systemctl --user daemon-reload && systemctl --user enable --now noxkey.socket\n", dir)
	return nil
}
