//go:build unix && !linux

package mmap

import "errors"

// Prefault is Linux-only (MADV_POPULATE_READ); elsewhere it does nothing
// and says so, and the pages fault in as read.
func Prefault(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	return errors.ErrUnsupported
}
