package main

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"

	"github.com/noxkey/noxkey/internal/mmap"
)

// moveIn moves at most n bytes of stdin into a memory file, in the
// kernel, and maps it. A hook is bound by the fresh pages it touches
// (docs/performance.md): pages the kernel fills are cheaper, and mapping them takes one fault per 16 pages, where
// read(2) into a fresh buffer takes one fault per page. splice(2) needs a
// pipe on one side, and an agent's stdin is a pipe or a socket (Node
// gives its children socket pairs), so the bytes go through a pipe of
// ours. rest reports that the caller must read the rest the usual way:
// stdin is something splice cannot read (a file, a terminal), or would
// block.
func moveIn(stdin *os.File, n int) (b []byte, rest bool, err error) {
	mem, err := unix.MemfdCreate("noxkey-hook-payload", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, true, nil
	}
	defer unix.Close(mem)
	var p [2]int
	if unix.Pipe2(p[:], unix.O_CLOEXEC) != nil {
		return nil, true, nil
	}
	defer unix.Close(p[0])
	defer unix.Close(p[1])
	in := int(stdin.Fd())
	size := 0
	for size < n {
		k, err := unix.Splice(in, nil, p[1], nil, n-size, 0)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			rest = true // EINVAL: not a pipe or socket; EAGAIN: non-blocking
			break
		}
		if k == 0 {
			break
		}
		for k > 0 {
			m, err := unix.Splice(p[0], nil, mem, nil, int(k), 0)
			if errors.Is(err, unix.EINTR) {
				continue
			}
			if err != nil {
				// The bytes in our pipe are lost to the caller: fail.
				return nil, false, os.NewSyscallError("splice", err)
			}
			k -= m
			size += int(m)
		}
	}
	if size == 0 {
		return nil, rest, nil
	}
	b, err = mmap.Map(mem, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE)
	if err != nil {
		return nil, false, os.NewSyscallError("mmap", err)
	}
	mmap.Prefault(b) // all of it is read: one call, not a fault per 64 KiB
	return b, rest, nil
}
