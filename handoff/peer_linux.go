package handoff

import (
	"fmt"
	"net"

	"golang.org/x/sys/unix"
)

// PeerCred returns the pid and uid of the process at the other end of c,
// as the kernel recorded them at connect time (SO_PEERCRED).
func PeerCred(c *net.UnixConn) (pid, uid int, err error) {
	raw, err := c.SyscallConn()
	if err != nil {
		return 0, 0, fmt.Errorf("handoff: peer: %w", err)
	}
	var cred *unix.Ucred
	var serr error
	if err := raw.Control(func(fd uintptr) {
		cred, serr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil {
		return 0, 0, fmt.Errorf("handoff: peer: %w", err)
	}
	if serr != nil {
		return 0, 0, fmt.Errorf("handoff: SO_PEERCRED: %w", serr)
	}
	return int(cred.Pid), int(cred.Uid), nil
}

// OnTmpfs reports whether dir is on a memory file system (tmpfs, ramfs),
// so a handoff script never reaches persistent disk.
func OnTmpfs(dir string) (bool, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return false, fmt.Errorf("handoff: statfs %s: %w", dir, err)
	}
	return st.Type == unix.TMPFS_MAGIC || st.Type == unix.RAMFS_MAGIC, nil
}
