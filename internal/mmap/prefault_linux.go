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

// hugePage is the size of a transparent huge page on the CPUs Go runs
// Linux on with 4 KiB pages (x86-64, and arm64 with 4 KiB pages).
const hugePage = 2 << 20

// Buffer returns at least n bytes (n > 0) of zeroed private memory
// outside the Go heap, in whole huge pages, aligned to one and advised
// to be backed by them (MADV_HUGEPAGE, transparent huge pages): a buffer
// written through page by page takes a fault for each 4 KiB page, and on
// a virtual machine that shadows page tables a fault costs far more than
// the kernel's zeroing of a whole huge page (docs/performance.md). Where
// the kernel gives no huge page the memory is 4 KiB pages, as any.
// Release it with Unmap.
func Buffer(n int) ([]byte, error) {
	size := (n + hugePage - 1) &^ (hugePage - 1)
	raw, err := Map(-1, size+hugePage, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANON)
	if err != nil {
		return nil, err
	}
	head := int(-uintptr(unsafe.Pointer(unsafe.SliceData(raw))) & (hugePage - 1))
	b := raw[head : head+size : head+size]
	// The unaligned ends go back (munmap takes any whole pages of a
	// mapping).
	Unmap(raw[:head])
	Unmap(raw[head+size:])
	unix.Madvise(b, unix.MADV_HUGEPAGE) // refused: 4 KiB pages
	return b, nil
}
