package vault

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// lockFile takes a flock on path+".lock": exclusive for writers, shared
// for readers. The lock file is never renamed, so the lock outlives the
// vault file's replacement by rename. A reader creates no lock file: where
// none exists, or it cannot be opened (a backup in a read-only folder),
// it reads without one, which the atomic rename of every write makes safe.
func lockFile(path string, exclusive bool) (unlock func(), err error) {
	flags := unix.O_RDWR | unix.O_CREAT
	if !exclusive {
		flags = unix.O_RDONLY
	}
	fd, err := unix.Open(path+".lock", flags|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if !exclusive && (err == unix.ENOENT || err == unix.EACCES || err == unix.EROFS) {
		return func() {}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("vault: open lock %s.lock: %w", path, err)
	}
	how := unix.LOCK_SH
	if exclusive {
		how = unix.LOCK_EX
	}
	for {
		err = unix.Flock(fd, how)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("vault: lock %s.lock: %w", path, err)
	}
	return func() { unix.Flock(fd, unix.LOCK_UN); unix.Close(fd) }, nil
}

// checkPrivate refuses a file or directory that is a symlink, is not owned
// by the effective user, or is readable or writable by group or others.
func checkPrivate(path string, dir bool) error {
	fi, err := os.Lstat(path)
	if err != nil {
		return err
	}
	what := "file"
	if dir {
		what = "directory"
	}
	if fi.Mode()&os.ModeSymlink != 0 {
		return fmt.Errorf("%w: %s %s is a symbolic link; noxkey opens only real files there. Replace the link with the file it points to",
			ErrUnsafe, what, path)
	}
	if dir != fi.IsDir() || (!dir && !fi.Mode().IsRegular()) {
		return fmt.Errorf("%w: %s is not a regular %s", ErrUnsafe, path, what)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fmt.Errorf("%w: cannot read the owner of %s", ErrUnsafe, path)
	}
	if int(st.Uid) != os.Geteuid() {
		return fmt.Errorf("%w: %s %s is owned by uid %d, not by you (uid %d). Refusing to use it; if it is yours, run: chown %d %s",
			ErrUnsafe, what, path, st.Uid, os.Geteuid(), os.Geteuid(), path)
	}
	want := os.FileMode(0o600)
	if dir {
		want = 0o700
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		if dir && sharedDir(path, fi) {
			return fmt.Errorf("%w: the vault is in %s, which others can read (mode %04o); keep it in a private directory of yours instead: mkdir -m 700 DIR, move the vault there, and use --vault DIR/%s",
				ErrUnsafe, path, perm, "vault.age")
		}
		return fmt.Errorf("%w: %s %s has mode %04o; it must be %04o so only you can read it. Fix: chmod %o %s",
			ErrUnsafe, what, path, perm, want, want, path)
	}
	return nil
}

// sharedDir reports whether dir is one that must never be made private:
// the root, a sticky directory such as /tmp, the home directory or one
// of its parents. For those, chmod 700 is dangerous advice.
func sharedDir(dir string, fi os.FileInfo) bool {
	if fi.Mode()&os.ModeSticky != 0 {
		return true
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return true
	}
	if abs == "/" {
		return true
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return false
	}
	rel, err := filepath.Rel(abs, home)
	return err == nil && (rel == "." || !strings.HasPrefix(rel, ".."))
}
