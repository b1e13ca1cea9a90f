package daemon

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// harden makes this process non-dumpable, so that no other process of the
// same user can read its memory or environment through /proc or ptrace it
// (only a process with CAP_SYS_PTRACE can), and gives it no core file.
func harden() error {
	if err := unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{}); err != nil {
		return fmt.Errorf("daemon: RLIMIT_CORE 0: %w", err)
	}
	if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
		return fmt.Errorf("daemon: PR_SET_DUMPABLE 0: %w", err)
	}
	return nil
}
