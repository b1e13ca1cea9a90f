//go:build unix && !linux

package mmap

import (
	"errors"

	"golang.org/x/sys/unix"
)

// Prefault is Linux-only (MADV_POPULATE_READ); elsewhere it does nothing
// and says so, and the pages fault in as read.
func Prefault(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	return errors.ErrUnsupported
}

// Buffer returns n bytes (n > 0) of zeroed private memory outside the Go
// heap. (Transparent huge pages, which Linux's Buffer asks for, are
// Linux's.) Release it with Unmap.
func Buffer(n int) ([]byte, error) {
	return Map(-1, n, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANON)
}
