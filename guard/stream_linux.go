package guard

import "golang.org/x/sys/unix"

// readNowait reads what fd holds without waiting (preadv2 with
// RWF_NOWAIT, Linux 4.14; pipes since 5.8): EAGAIN when it holds nothing.
// A filter's read is then one system call instead of two (poll, read).
func readNowait(fd int, p []byte) (int, error) {
	return unix.Preadv2(fd, [][]byte{p}, -1, unix.RWF_NOWAIT)
}

// growPipe asks that the pipe fd reads from hold up to n bytes (fcntl
// F_SETPIPE_SZ, Linux 2.6.35; up to /proc/sys/fs/pipe-max-size, 1 MiB by
// default, for an unprivileged process). Anything else, or a refusal, is
// left as it is.
func growPipe(fd, n int) {
	unix.FcntlInt(uintptr(fd), unix.F_SETPIPE_SZ, n)
}
