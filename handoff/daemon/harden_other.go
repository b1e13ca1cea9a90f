//go:build !linux

package daemon

import "golang.org/x/sys/unix"

// harden gives the process no core file. (macOS has no PR_SET_DUMPABLE;
// task_for_pid there needs the debugger entitlement or root.)
func harden() error {
	return unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{})
}
