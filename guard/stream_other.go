//go:build !linux

package guard

import "errors"

// readNowait is Linux-only; elsewhere the filter polls before each read.
func readNowait(fd int, p []byte) (int, error) {
	return 0, errors.ErrUnsupported
}

// growPipe is Linux-only.
func growPipe(fd, n int) {}
