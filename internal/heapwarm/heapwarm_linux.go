// Package heapwarm maps, when a program starts, the heap pages its first
// allocations will use, in one call (MADV_POPULATE_WRITE, Linux 5.14 and
// later), instead of taking a page fault on each. noxkey-hook imports it
// for its side effect; nothing else should.
//
// A short-lived process writes to about fifty fresh heap pages, and on a
// virtual machine that shadows page tables each first write is a page
// fault that costs 10 to 15 us; populating costs under 1 us a page. The
// heap grows from the lowest free page of the chunk the allocator is
// carving (512 KiB), so this maps that chunk up to a fresh span's address
// and 320 KiB past it. It is only a hint: pages the program does not
// use stay zero and unused, and if the kernel refuses, pages fault in as
// before. It imports only package syscall so that it runs before most
// package initialisation (which allocates too).
package heapwarm

import (
	"syscall"
	"unsafe"
)

const (
	madvPopulateWrite = 23        // MADV_POPULATE_WRITE
	chunk             = 512 << 10 // the runtime's page cache: 64 pages of 8 KiB
	ahead             = 320 << 10
)

// fresh is a new span of its own: an object over 32 KiB is allocated
// from free pages, where the next spans will come from.
var fresh []byte

func init() {
	fresh = make([]byte, 33<<10)
	p := unsafe.Pointer(unsafe.SliceData(fresh))
	off := uintptr(p) & (chunk - 1)
	syscall.Syscall(syscall.SYS_MADVISE, uintptr(p)-off, off+ahead, madvPopulateWrite)
	fresh = nil
}
