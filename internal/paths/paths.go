// Package paths resolves where noxkey keeps its files. NOXKEY_HOME
// overrides everything (tests use it); otherwise the XDG base directories.
package paths

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"
)

// Layout names every file noxkey uses.
type Layout struct {
	Config  string // directory of config.toml, guard.toml, agents/, rules/
	Data    string // directory of vault.age, guard.idx, audit.log
	Runtime string // directory of noxkey.sock and handoff/
}

// Vault is the path of the vault file.
func (l Layout) Vault() string { return filepath.Join(l.Data, "vault.age") }

// Index is the path of the guard index.
func (l Layout) Index() string { return filepath.Join(l.Data, "guard.idx") }

// Audit is the path of the audit log.
func (l Layout) Audit() string { return filepath.Join(l.Data, "audit.log") }

// Resolve returns the layout for home (empty: NOXKEY_HOME, then XDG).
func Resolve(home string) Layout {
	if home == "" {
		home = os.Getenv("NOXKEY_HOME")
	}
	if home != "" {
		return Layout{Config: home, Data: home, Runtime: filepath.Join(home, "run")}
	}
	userHome, _ := os.UserHomeDir()
	xdg := func(env, def string) string {
		if v := os.Getenv(env); filepath.IsAbs(v) {
			return v
		}
		return filepath.Join(userHome, def)
	}
	l := Layout{
		Config: filepath.Join(xdg("XDG_CONFIG_HOME", ".config"), "noxkey"),
		Data:   filepath.Join(xdg("XDG_DATA_HOME", ".local/share"), "noxkey"),
	}
	if rt := os.Getenv("XDG_RUNTIME_DIR"); filepath.IsAbs(rt) {
		l.Runtime = filepath.Join(rt, "noxkey")
	} else {
		l.Runtime = filepath.Join(os.TempDir(), "noxkey-"+strconv.Itoa(os.Geteuid()))
	}
	return l
}

// EnsurePrivateDir creates dir 0700 if missing and refuses one that is a
// symlink, owned by another user, or open to group or others.
func EnsurePrivateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	var st unix.Stat_t
	if err := unix.Lstat(dir, &st); err != nil {
		return fmt.Errorf("stat %s: %w", dir, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return fmt.Errorf("%s is not a directory (a symbolic link?); remove it and try again", dir)
	}
	if int(st.Uid) != os.Geteuid() {
		return fmt.Errorf("%s is owned by uid %d, not by you; remove it or set NOXKEY_HOME", dir, st.Uid)
	}
	if st.Mode&0o077 != 0 {
		return fmt.Errorf("%s has mode %04o; it must be 0700. Fix: chmod 700 %s", dir, st.Mode&0o777, dir)
	}
	return nil
}

// Socket is the daemon's Unix socket.
func (l Layout) Socket() string { return filepath.Join(l.Runtime, "noxkey.sock") }

// Handoff is the directory of handoff scripts.
func (l Layout) Handoff() string { return filepath.Join(l.Runtime, "handoff") }
