package daemon

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"

	"filippo.io/age"
	"github.com/noxkey/noxkey/guard/parts"
	"github.com/noxkey/noxkey/vault"
	"golang.org/x/sys/unix"
)

// errRelock: the vault was re-encrypted under a new header since unlock.
var errRelock = errors.New("the vault was re-encrypted since it was unlocked; run: noxkey unlock")

// state is the unlocked vault: its values in one locked, non-dumpable
// memory region, reloaded whenever the vault file changes.
type state struct {
	mu       sync.Mutex
	path     string
	file     *vault.File
	stamp    fileStamp
	arena    []byte // mmap'd, mlock'd where allowed; values are slices of it
	values   map[string][]byte
	metas    []vault.Meta // sorted by path, no values
	lastUse  time.Time
	mlockErr error
}

type fileStamp struct {
	ino, size int64
	mtime     int64
}

func stampOf(path string) (fileStamp, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}, err
	}
	var ino int64
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		ino = int64(st.Ino)
	}
	return fileStamp{ino: ino, size: fi.Size(), mtime: fi.ModTime().UnixNano()}, nil
}

func (s *state) unlocked() bool { return s.file != nil }

// unlock decrypts the vault with ids. The identities are used once: later
// reloads reuse the file key the vault.File keeps, so no passphrase stays
// in memory. The vault is opened apart first: a wrong passphrase leaves
// an unlocked vault unlocked.
func (s *state) unlock(ids []age.Identity) error {
	used := false
	t := &state{path: s.path}
	t.file = vault.OpenFile(s.path, func() ([]age.Identity, error) {
		if used {
			return nil, errRelock
		}
		used = true
		return ids, nil
	})
	if err := t.reload(); err != nil {
		t.lock()
		return err
	}
	s.lock()
	s.file, s.stamp, s.arena, s.values, s.metas, s.mlockErr = t.file, t.stamp, t.arena, t.values, t.metas, t.mlockErr
	s.lastUse = time.Now()
	return nil
}

// reload reads the vault again if its file changed since the last load.
func (s *state) reload() error {
	st, err := stampOf(s.path)
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("vault: %s: %w; create one with: noxkey init", s.path, vault.ErrNoVault)
	}
	if err != nil {
		return fmt.Errorf("vault: %s: %w", s.path, err)
	}
	if s.arena != nil && st == s.stamp {
		return nil
	}
	all, err := s.file.All()
	if err != nil {
		return err
	}
	size := 0
	for _, sec := range all {
		size += len(sec.Value)
	}
	arena, lerr := lockedAlloc(size)
	if arena == nil {
		for _, sec := range all {
			sec.Wipe()
		}
		return lerr
	}
	values := make(map[string][]byte, len(all))
	metas := make([]vault.Meta, 0, len(all))
	off := 0
	for _, sec := range all {
		n := copy(arena[off:], sec.Value)
		values[sec.Path] = arena[off : off+n : off+n]
		off += n
		metas = append(metas, vault.Meta{Path: sec.Path, Description: sec.Description, Created: sec.Created, Updated: sec.Updated, Length: len(sec.Value), Parts: parts.Count(sec.Value), Origin: sec.Origin})
		sec.Wipe()
	}
	s.freeArena()
	s.arena, s.values, s.metas, s.stamp = arena, values, metas, st
	s.mlockErr = lerr
	return nil
}

// lock wipes every value and the file key.
func (s *state) lock() {
	s.freeArena()
	if s.file != nil {
		s.file.Forget()
		s.file = nil
	}
	s.stamp = fileStamp{}
}

func (s *state) freeArena() {
	if s.arena != nil {
		clear(s.arena)
		freeLocked(s.arena)
	}
	s.arena, s.values, s.metas = nil, nil, nil
}

// lockedAlloc maps size bytes (at least one page) of anonymous memory,
// excluded from core dumps and locked in RAM where RLIMIT_MEMLOCK allows.
// A failed mlock is reported with the memory (usable, not locked); a
// failed map, with none.
func lockedAlloc(size int) ([]byte, error) {
	if size == 0 {
		size = 1
	}
	page := os.Getpagesize()
	size = (size + page - 1) / page * page
	b, err := unix.Mmap(-1, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANON)
	if err != nil {
		return nil, fmt.Errorf("daemon: map %d bytes: %w", size, err)
	}
	dontDump(b)
	if err := unix.Mlock(b); err != nil {
		return b, fmt.Errorf("mlock: %w (raise RLIMIT_MEMLOCK, e.g. ulimit -l, to keep values out of swap)", err)
	}
	return b, nil
}

func freeLocked(b []byte) {
	unix.Munlock(b)
	unix.Munmap(b)
}
