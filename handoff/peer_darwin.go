package handoff

import (
	"fmt"
	"net"

	"golang.org/x/sys/unix"
)

// PeerCred returns the pid and uid of the process at the other end of c
// (LOCAL_PEERPID and LOCAL_PEERCRED).
func PeerCred(c *net.UnixConn) (pid, uid int, err error) {
	raw, err := c.SyscallConn()
	if err != nil {
		return 0, 0, fmt.Errorf("handoff: peer: %w", err)
	}
	var serr error
	if err := raw.Control(func(fd uintptr) {
		var x *unix.Xucred
		x, serr = unix.GetsockoptXucred(int(fd), unix.SOL_LOCAL, unix.LOCAL_PEERCRED)
		if serr != nil {
			return
		}
		uid = int(x.Uid)
		pid, serr = unix.GetsockoptInt(int(fd), unix.SOL_LOCAL, unix.LOCAL_PEERPID)
	}); err != nil {
		return 0, 0, fmt.Errorf("handoff: peer: %w", err)
	}
	if serr != nil {
		return 0, 0, fmt.Errorf("handoff: peer credentials: %w", serr)
	}
	return pid, uid, nil
}

// OnTmpfs reports whether dir is on a memory file system. macOS keeps
// $TMPDIR on disk (encrypted by FileVault); only a RAM disk counts.
func OnTmpfs(dir string) (bool, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return false, fmt.Errorf("handoff: statfs %s: %w", dir, err)
	}
	name := unix.ByteSliceToString(st.Fstypename[:])
	return name == "tmpfs" || name == "devfs", nil
}
