//go:build linux && (amd64 || arm64 || riscv64 || loong64)

// Package warmstart maps, as a program starts, its code and read-only
// data, one call per segment (MADV_POPULATE_READ, Linux 5.14 and later),
// instead of taking a page fault on each. noxkey-hook imports it for this
// side effect; nothing else should.
//
// A page fault costs far more than populating a page (docs/performance.md),
// and a hook call would otherwise fault on a few dozen code and data pages
// (each package's init and main's path lie far apart in the binary). The
// writable data is left to fault: populating it copies every page.
//
// It imports nothing (its system call is syscall.RawSyscall, reached by
// name), so its init runs before the standard library's: Go initializes,
// of the packages whose imports are initialized, the first by import path.
//
// It is only a hint. It reads the program headers through the runtime's
// auxiliary vector (runtime.getAuxv, reached by name as golang.org/x/sys
// does); if that changes, the calls miss or fail and the hook is slower,
// never wrong. A kernel that refuses leaves the faults to happen.
package warmstart

import "unsafe"

const madvPopulateRead = 22 // MADV_POPULATE_READ

func init() { mapReadOnly() }

//go:linkname runtimeAuxv runtime.getAuxv
func runtimeAuxv() []uintptr

// rawSyscall is syscall.RawSyscall, which the standard library lets other
// packages reach by name. Raw: the P is not handed to another thread
// during the call, which at init, for under a millisecond, costs nothing.
//
//go:linkname rawSyscall syscall.RawSyscall
func rawSyscall(trap, a1, a2, a3 uintptr) (r1, r2, errno uintptr)

// madvise is madvise(2); errors are ignored (see the package comment).
// Not internal/mmap.Prefault, which does the same for the guard index:
// that package imports golang.org/x/sys/unix, and so would this one.
func madvise(addr, n, advice uintptr) { rawSyscall(sysMadvise, addr, n, advice) }

// phdr is an ELF64 program header.
type phdr struct {
	typ, flags uint32
	_          uint64 // offset
	vaddr      uint64
	_          uint64 // physical address
	filesz     uint64
	_, _       uint64 // size in memory, alignment
}

// mapReadOnly maps the executable's code and read-only data segments,
// found through the program headers the kernel passed in the auxiliary
// vector.
func mapReadOnly() {
	var at, n, size uintptr
	auxv := runtimeAuxv()
	for i := 0; i+1 < len(auxv); i += 2 {
		switch auxv[i] {
		case 3: // AT_PHDR
			at = auxv[i+1]
		case 4: // AT_PHENT
			size = auxv[i+1]
		case 5: // AT_PHNUM
			n = auxv[i+1]
		}
	}
	if at == 0 || size != unsafe.Sizeof(phdr{}) || n == 0 || n > 64 {
		return
	}
	phs := unsafe.Slice(*(**phdr)(unsafe.Pointer(&at)), n)
	var bias uintptr // the load address of a position-independent executable
	for _, ph := range phs {
		if ph.typ == 6 { // PT_PHDR
			bias = at - uintptr(ph.vaddr)
		}
	}
	for _, ph := range phs {
		if ph.typ == 1 && ph.flags&2 == 0 { // PT_LOAD, not PF_W
			start := uintptr(ph.vaddr) + bias
			off := start & 4095
			madvise(start-off, off+uintptr(ph.filesz), madvPopulateRead)
		}
	}
}
