package daemon

import "golang.org/x/sys/unix"

// dontDump keeps b out of core dumps.
func dontDump(b []byte) { unix.Madvise(b, unix.MADV_DONTDUMP) }
