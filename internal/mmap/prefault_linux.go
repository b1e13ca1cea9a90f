package mmap

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// Prefault has the kernel map the pages of b, a part of a mapping that
// Map returned, in one call (MADV_POPULATE_READ, Linux 5.14 and later).
// Reading a page that is not mapped yet is a page fault, which costs far
// more than populating it (docs/performance.md). It returns
// an error when the kernel cannot, and the pages then fault in as read.
func Prefault(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	p := unsafe.Pointer(unsafe.SliceData(b))
	off := int(uintptr(p) & uintptr(unix.Getpagesize()-1))
	return unix.Madvise(unsafe.Slice((*byte)(unsafe.Add(p, -off)), off+len(b)), unix.MADV_POPULATE_READ)
}
