//go:build !linux

package daemon

// dontDump: only Linux has MADV_DONTDUMP.
func dontDump([]byte) {}
