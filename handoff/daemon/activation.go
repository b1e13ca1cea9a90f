package daemon

import (
	"net"
	"os"
	"strconv"
	"syscall"
)

// SystemdListener returns the socket systemd passed (socket activation:
// LISTEN_PID is us, LISTEN_FDS >= 1, the first at fd 3), or nil. The
// protocol is these three values; a library would add nothing.
func SystemdListener() (net.Listener, error) {
	if os.Getenv("LISTEN_PID") != strconv.Itoa(os.Getpid()) {
		return nil, nil
	}
	n, _ := strconv.Atoi(os.Getenv("LISTEN_FDS"))
	os.Unsetenv("LISTEN_PID")
	os.Unsetenv("LISTEN_FDS")
	os.Unsetenv("LISTEN_FDNAMES")
	if n < 1 {
		return nil, nil
	}
	syscall.CloseOnExec(3)
	return net.FileListener(os.NewFile(3, "systemd-socket"))
}
