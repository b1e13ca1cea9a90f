package main

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// fromDisk writes the file at path back and drops it from the page cache,
// so that the next exec reads it from disk. How a binary got into the
// page cache decides how fast a process maps it: `go build` may rename
// the linker's output (written through a mapping, cached in 4 KiB folios)
// or copy it (written with write(2), cached in 64 KiB folios), and a cp
// of the same bytes mapped 0.5-0.8 ms faster on the CI VM. A binary read
// from disk by exec is in 4 KiB folios, as an installed hook is after a
// reboot or once evicted: the state the whole-process benchmarks measure,
// for the hook and the floor alike.
func fromDisk(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	if err := unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED); err != nil {
		return fmt.Errorf("fadvise %s: %w", path, err)
	}
	return nil
}
