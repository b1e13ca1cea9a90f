package vault

import (
	"fmt"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// lockFile takes a flock on path+".lock": exclusive for writers, shared
// for readers. The lock file is never renamed, so the lock outlives the
// vault file's replacement by rename.
func lockFile(path string, exclusive bool) (unlock func(), err error) {
	fd, err := unix.Open(path+".lock", unix.O_RDWR|unix.O_CREAT|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
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
		return fmt.Errorf("%w: %s %s has mode %04o; it must be %04o so only you can read it. Fix: chmod %o %s",
			ErrUnsafe, what, path, perm, want, want, path)
	}
	return nil
}
