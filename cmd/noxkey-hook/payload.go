package main

import (
	"errors"
	"io"
	"os"
	"slices"
)

// maxPayload bounds a hook payload; a larger one is refused the same way
// as a malformed one, having read no more than this.
const maxPayload = 64 << 20

// readPayload reads at most limit+1 bytes of stdin, so a caller sees that
// it was longer than limit.
func readPayload(stdin *os.File, limit int) ([]byte, error) {
	return readUpTo(stdin, limit+1)
}

// readUpTo reads at most n bytes of r. Its buffer reserves up to 1 MiB
// up front, which the runtime takes fresh from the OS: capacity never
// written costs no page. (io.ReadAll grows by doubling and touches about
// twice the payload; bytes.Buffer.Grow clears what it reserves.)
func readUpTo(r io.Reader, n int) ([]byte, error) {
	buf := make([]byte, 0, min(n, 1<<20))
	for len(buf) < n {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, min(cap(buf), n-len(buf)))
		}
		k, err := r.Read(buf[len(buf):min(cap(buf), n)])
		buf = buf[:len(buf)+k]
		if errors.Is(err, io.EOF) {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}
