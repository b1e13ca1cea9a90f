package guard

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"github.com/noxkey/noxkey/internal/atomicfile"
)

// A load checks the checksum over the whole index only until it has once
// passed for this very file: the file's identity (device, inode, size,
// modification and change times, and the stored checksum) is then kept in a
// stamp beside it, and later loads that find the same identity skip the
// check, which would otherwise read every page of a large index on every
// hook call. Any write to the index, a rename over it or a chmod changes
// its change time, so a changed file is checked again.
//
// File times come from a coarse clock (a few milliseconds), so a write in
// the same tick as the verified one would keep the identity. A stamp is
// therefore written only for a file whose change time is at least
// stampSettle old: every later write then gets a later time.
var stampSettle = time.Second

// stampPath is where the stamp of the index at path is kept.
func stampPath(path string) string { return path + ".ok" }

// identity appends to b the index file's stamp line (strconv, not fmt:
// see Fingerprint).
func identity(b []byte, st *unix.Stat_t, data []byte) []byte {
	b = append(b, "noxkey-guard-stamp 1"...)
	for _, v := range [...]int64{int64(st.Dev), int64(st.Ino), st.Size, int64(st.Mtim.Sec), int64(st.Mtim.Nsec), int64(st.Ctim.Sec), int64(st.Ctim.Nsec)} {
		b = strconv.AppendInt(append(b, ' '), v, 10)
	}
	b = append(b, ' ')
	b = hex.AppendEncode(b, data[len(data)-trailerSize:len(data)-trailerSize+8]) // the stored MAC's start
	return append(b, '\n')
}

// settled reports whether the file's change time is stampSettle old.
func settled(st *unix.Stat_t) bool {
	return time.Since(time.Unix(st.Ctim.Sec, st.Ctim.Nsec)) >= stampSettle
}

// stamped reports whether the stamp beside the index at path names this
// very file (identity) with a valid MAC under key, and is the user's
// private file: a stamp written by anyone without the armed key does not
// verify. Its buffers stay out of Load's stack frame (see loadError).
//
//go:noinline
func stamped(path string, st *unix.Stat_t, data, key []byte) bool {
	fd, err := unix.Open(stampPath(path), unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	var fst unix.Stat_t
	if unix.Fstat(fd, &fst) != nil || int(fst.Uid) != os.Geteuid() || fst.Mode&0o077 != 0 || fst.Mode&unix.S_IFMT != unix.S_IFREG {
		return false
	}
	var buf [256]byte
	n, err := unix.Read(fd, buf[:])
	var id [256]byte
	want := stampLine(id[:0], st, data, key)
	return err == nil && n == len(want) && hmac.Equal(buf[:n], want)
}

// stampLine is the stamp's content: identity, then its MAC under key.
func stampLine(b []byte, st *unix.Stat_t, data, key []byte) []byte {
	b = identity(b, st, data)
	m := hmac.New(sha256.New, key)
	m.Write(b)
	var sum [sha256.Size]byte
	b = hex.AppendEncode(b, m.Sum(sum[:0]))
	return append(b, '\n')
}

// writeStamp replaces the stamp beside the index at path (not fsynced);
// failures are ignored, since the stamp only saves work.
func writeStamp(path string, st *unix.Stat_t, data, key []byte) {
	atomicfile.Write(stampPath(path), stampLine(nil, st, data, key), atomicfile.Options{})
}
