//go:build unix

// Package mmap maps files into memory for the hook's hot path.
//
// unix.Mmap records every mapping in a process-wide map so that Munmap
// can be handed any slice of one, at a cost to every hook call's index
// load (docs/performance.md). Map records nothing: Unmap must be given
// what Map returned, whole.
package mmap

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// Map maps size bytes of fd from offset 0; size must be positive.
func Map(fd, size, prot, flags int) ([]byte, error) {
	p, err := unix.MmapPtr(fd, 0, nil, uintptr(size), prot, flags)
	if err != nil {
		return nil, err
	}
	return unsafe.Slice((*byte)(p), size), nil
}

// Unmap unmaps b, which Map or Buffer returned; an empty b is a no-op.
func Unmap(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	return unix.MunmapPtr(unsafe.Pointer(unsafe.SliceData(b)), uintptr(len(b)))
}
