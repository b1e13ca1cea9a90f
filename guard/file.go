package guard

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/noxkey/noxkey/internal/atomicfile"
	"github.com/noxkey/noxkey/internal/mmap"
)

// The index file: a fixed header (with, at spaceTagAt, a keyed tag that
// says whether any registered window holds white space: spaced.go), then
// the filter, the pattern rules'
// keyword tables, the sorted window entries and their directory, the part
// windows and theirs (format 8), the form records, laid out
// as they are used in memory (so a load is an mmap, not a rebuild), the
// names, the settings (rule specs first, then the keyword plan), and a
// trailer: HMAC-SHA256 of everything before it under a key derived from
// the vault's guard key, then trailerMagic. The header names the vault
// (VaultID) and holds no key: the keys come from the armed key (package
// arm), so an index built under another key, or cut short, is refused.
const (
	fileMagic    = "NXKGIDX8"
	fileVersion  = 8
	headerSize   = 120
	formRecSize  = 32
	trailerMagic = "NXKEYMAC"
	trailerSize  = sha256.Size + len(trailerMagic)
)

// KeyLookup returns the armed key (ArmedKey) of the vault with the given
// id (arm.Lookup), or an error that says how to arm it.
type KeyLookup func(vaultID string) ([]byte, error)

// ErrIndex wraps every reason an index file cannot be used.
var ErrIndex = errors.New("guard index unusable")

// MarshalBinary encodes the index in the file format.
func (ix *Index) MarshalBinary() ([]byte, error) {
	nameBytes := len(ix.nameBlob)
	var st []byte
	var kw []uint64 // the rules' keyword set, stored so a load need not build it
	if ix.settings != nil {
		var err error
		if st, err = ix.settings.MarshalBinary(); err != nil {
			return nil, err
		}
		if plan := planRules(ix.settings.Specs); len(plan.keywords) > 0 {
			kw = newKeywordSet(plan.keywords).keywordTables()
		}
	}
	size := headerSize + 8*len(ix.filter) + 8*len(kw) + 8*len(ix.entries) + dirSize(len(ix.dir)) + 8*len(ix.parts) + dirSize(len(ix.partDir)) +
		formRecSize*len(ix.forms) + 4*len(ix.nameEnds) + nameBytes + len(st)
	size = (size + 7) &^ 7
	b := make([]byte, size+trailerSize)
	le := binary.LittleEndian
	copy(b, fileMagic)
	le.PutUint32(b[8:], fileVersion)
	b[12], b[13], b[14] = byte(ix.w), byte(ix.s), byte(ix.shift)
	if ix.wrapping {
		b[15] = 1
	}
	copy(b[16:32], ix.id[:])
	le.PutUint32(b[32:], uint32(len(ix.parts)))
	if len(ix.partDir) > 0 {
		b[36] = byte(bits.TrailingZeros(uint(len(ix.partDir) - 1)))
	}
	b[37] = byte(ix.partMin)
	tag := ix.spaceTag(ix.noSpace)
	copy(b[spaceTagAt:], tag[:])
	le.PutUint32(b[80:], uint32(len(ix.filter)))
	le.PutUint32(b[84:], uint32(len(ix.entries)))
	le.PutUint32(b[88:], uint32(len(ix.forms)))
	le.PutUint32(b[92:], uint32(len(ix.nameEnds)))
	le.PutUint32(b[96:], uint32(ix.maxLen))
	le.PutUint32(b[100:], uint32(nameBytes))
	b[104] = byte(bits.TrailingZeros(uint(len(ix.dir) - 1)))
	le.PutUint32(b[108:], uint32(len(st)))
	le.PutUint32(b[112:], uint32(len(kw)))
	p := headerSize
	for _, w := range ix.filter {
		le.PutUint64(b[p:], w)
		p += 8
	}
	for _, w := range kw {
		le.PutUint64(b[p:], w)
		p += 8
	}
	for _, e := range ix.entries {
		le.PutUint64(b[p:], e)
		p += 8
	}
	for i, d := range ix.dir {
		le.PutUint32(b[p+4*i:], d)
	}
	p += dirSize(len(ix.dir))
	for _, e := range ix.parts {
		le.PutUint64(b[p:], e)
		p += 8
	}
	for i, d := range ix.partDir {
		le.PutUint32(b[p+4*i:], d)
	}
	p += dirSize(len(ix.partDir))
	for _, f := range ix.forms {
		le.PutUint32(b[p:], f.secret)
		le.PutUint32(b[p+4:], f.length)
		copy(b[p+8:p+24], f.tag[:])
		b[p+24] = f.kind
		if f.wrap {
			b[p+25] = 1
		}
		le.PutUint32(b[p+28:], f.ext)
		p += formRecSize
	}
	for _, end := range ix.nameEnds {
		le.PutUint32(b[p:], end)
		p += 4
	}
	p += copy(b[p:], ix.nameBlob)
	copy(b[p:], st)
	putMAC(ix.macKey, b[:size], b[size:size+sha256.Size])
	copy(b[size+sha256.Size:], trailerMagic)
	return b, nil
}

// WriteFile writes the index atomically (internal/atomicfile, fsynced).
func (ix *Index) WriteFile(path string) error {
	data, err := ix.MarshalBinary()
	if err != nil {
		return err
	}
	if err := atomicfile.Write(path, data, atomicfile.Options{Sync: true}); err != nil {
		return fmt.Errorf("guard: write index: %w", err)
	}
	return nil
}

// Load maps the index file at path, with the keys derived from the guard
// key that keys returns for the vault the header names. It refuses a file
// that is not private (0600, owned by the user, not a symlink), truncated,
// corrupt, of another version, or not made under that key; when keys
// fails (the guard is not armed), its error is returned as it is.
func Load(path string, keys KeyLookup) (*Index, error) {
	// The errors are made in loadError, not here: a call with arguments
	// for fmt reserves room for them in this function's stack frame,
	// and Load's callers and callees must fit in the stack a goroutine
	// starts with (see loadError).
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, loadError(path, errOpen, err, nil)
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, loadError(path, errStat, err, nil)
	}
	if int(st.Uid) != os.Geteuid() || st.Mode&0o077 != 0 {
		return nil, loadError(path, errNotPrivate, nil, &st)
	}
	if st.Size < int64(headerSize+trailerSize) || st.Size > 1<<31 {
		return nil, loadError(path, errTruncated, nil, &st)
	}
	data, err := mmap.Map(fd, int(st.Size), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return nil, loadError(path, errMmap, err, nil)
	}
	prefaultHot(fd, data)
	k, err := keysFor(data, keys)
	if err != nil {
		mmap.Unmap(data)
		if errors.Is(err, errFormat) {
			return nil, loadError(path, errContent, err, nil)
		}
		return nil, err
	}
	verified := stamped(path, &st, data, k.stampKey)
	if !verified {
		mmap.Prefault(data) // the MAC reads it all
	}
	ix, err := parse(data, k, !verified)
	if err != nil {
		mmap.Unmap(data)
		return nil, loadError(path, errContent, err, nil)
	}
	if !verified && settled(&st) {
		writeStamp(path, &st, data, k.stampKey) // best effort: without it the next load checks again
	}
	ix.data = data
	return ix, nil
}

// IndexVaultID returns the vault id named in the header of the index at
// path, without a key: noxkey guard disarm and status use it.
func IndexVaultID(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrIndex, err)
	}
	defer f.Close()
	var h [headerSize]byte
	if _, err := io.ReadFull(f, h[:]); err != nil || string(h[:8]) != fileMagic {
		return "", fmt.Errorf("%w: %s: %v; run: noxkey guard rebuild", ErrIndex, path, formatError(h[:], -1))
	}
	return hex.EncodeToString(h[16:32]), nil
}

// errFormat marks a header keysFor cannot read.
var errFormat = errors.New("guard: index format")

// keysFor reads the vault id from the header in data and looks up its
// armed key (the copy looked up is wiped).
//
//go:noinline
func keysFor(data []byte, lookup KeyLookup) (*keys, error) {
	if string(data[:8]) != fileMagic {
		return nil, fmt.Errorf("%w: %w", errFormat, formatError(data, -1))
	}
	if v := binary.LittleEndian.Uint32(data[8:]); v != fileVersion {
		return nil, fmt.Errorf("%w: %w", errFormat, formatError(data, int64(v)))
	}
	if lookup == nil {
		return nil, errors.New("guard: no key lookup")
	}
	armed, err := lookup(hex.EncodeToString(data[16:32]))
	if err != nil {
		return nil, err
	}
	defer clear(armed)
	return keysFromArmed(armed)
}

// prefaultHot maps what every load and scan of the index in data reads,
// in one call for each end (mmap.Prefault): the header, the filter and the
// keyword tables at the front, the settings and checksum at the end. A
// page of a new mapping is otherwise a page fault when first read, which
// costs far more than populating it (docs/performance.md). The sizes come from the header, read with pread: reading it from data would
// be a fault. (Not inlined: its buffer would enlarge Load's stack frame,
// see loadError.)
//
//go:noinline
func prefaultHot(fd int, data []byte) {
	var h [headerSize]byte
	if n, err := unix.Pread(fd, h[:], 0); err != nil || n != len(h) {
		return
	}
	nFilter, nKeywords, nSettings := tableCounts(h[:])
	front, tail := headerSize+8*nFilter+8*nKeywords, nSettings+trailerSize
	mmap.Prefault(data[:min(front, len(data))])
	mmap.Prefault(data[len(data)-min(tail, len(data)):])
}

// tableCounts reads from an index header the sizes that lay out the hot
// ends of the file: the filter and the keyword tables (in 8-byte words)
// and the settings (in bytes).
func tableCounts(h []byte) (nFilter, nKeywords, nSettings int) {
	le := binary.LittleEndian
	return int(le.Uint32(h[80:])), int(le.Uint32(h[112:])), int(le.Uint32(h[108:]))
}

// What Load found wrong, for loadError.
const (
	errOpen = iota
	errStat
	errNotPrivate
	errTruncated
	errMmap
	errContent
)

// loadError is Load's error (and Open's, for stored keyword tables that
// do not fit: errContent) for what went wrong with the index at path.
// It is kept out of Load (and parse's out of parse) because the
// arguments of fmt calls take room in the caller's stack frame: a hook
// call's deepest path, Load under guard.Open and the hook's own frames,
// then fits in the 4 KiB that the main goroutine has after the runtime's
// own start-up, and the stack is not copied to a larger one; that copy
// reads the stack maps of every frame from pages of the binary not yet
// touched. cmd/noxkey-hook's TestMainStackIsNeverCopied fails when the
// rule stops holding (an fmt call in Load makes it fail).
//
//go:noinline
func loadError(path string, what int, err error, st *unix.Stat_t) error {
	var msg string
	switch what {
	case errOpen:
		if errors.Is(err, unix.ENOENT) {
			msg = "no index (noxkey init and noxkey set create it)"
		} else {
			msg = fmt.Sprintf("open: %v", err)
		}
	case errStat:
		msg = fmt.Sprintf("stat: %v", err)
	case errNotPrivate:
		return fmt.Errorf("%w: %s must be owned by you with mode 0600 (it is uid %d, mode %04o); fix: chmod 600 %s",
			ErrIndex, path, st.Uid, st.Mode&0o777, path)
	case errTruncated:
		msg = fmt.Sprintf("truncated (%d bytes)", st.Size)
	case errMmap:
		msg = fmt.Sprintf("mmap: %v", err)
	default:
		msg = err.Error()
	}
	return fmt.Errorf("%w: %s: %s; run: noxkey guard rebuild", ErrIndex, path, msg)
}

// parse checks and decodes an index file held in data under keys k;
// verify says whether to check the MAC over all of it. The tables are not
// read here: a scan checks what it uses (see Index.form), so a load
// touches only the pages a scan needs.
func parse(data []byte, k *keys, verify bool) (*Index, error) {
	le := binary.LittleEndian
	if len(data) < headerSize+trailerSize || string(data[:8]) != fileMagic {
		return nil, formatError(data, -1)
	}
	if v := le.Uint32(data[8:]); v != fileVersion {
		return nil, formatError(data, int64(v))
	}
	size := len(data) - trailerSize
	if string(data[size+sha256.Size:]) != trailerMagic || verify && !macIs(k.macKey, data[:size], data[size:size+sha256.Size]) {
		return nil, errors.New("MAC mismatch: the index is corrupt, truncated, or was not built under this vault's armed key")
	}
	ix := &Index{w: int(data[12]), s: int(data[13]), shift: uint(data[14]), wrapping: data[15] == 1}
	copy(ix.id[:], data[16:32])
	nFilter, nKeywords, nSettings := tableCounts(data)
	nEntries, nForms, nNames := int(le.Uint32(data[84:])), int(le.Uint32(data[88:])), int(le.Uint32(data[92:]))
	dirBits := int(data[104])
	nDir := 1<<dirBits + 1
	nParts, partBits := int(le.Uint32(data[32:])), int(data[36])
	nPartDir := 0
	if nParts > 0 {
		nPartDir = 1<<partBits + 1
	}
	ix.partMin = int(data[37])
	ix.maxLen = int(le.Uint32(data[96:]))
	nameBytes := int(le.Uint32(data[100:]))
	need := headerSize + 8*nFilter + 8*nKeywords + 8*nEntries + dirSize(nDir) + 8*nParts + dirSize(nPartDir) + formRecSize*nForms + 4*nNames + nameBytes + nSettings
	if nParts > 0 && (partBits < 1 || partBits > 24 || ix.partMin < minPartialMin) || nParts > 1<<28 || dirBits < 1 || dirBits > 24 || ix.maxLen > 1<<24 || ix.w < 1 || ix.w > 8 || ix.s < 1 || ix.s > maxStep || nFilter < 2 || nFilter&(nFilter-1) != 0 ||
		ix.shift != uint(64-bits.TrailingZeros(uint(nFilter))) || (need+7)&^7 != size {
		return nil, errors.New("inconsistent header")
	}
	if err := ix.setKeys(k); err != nil {
		return nil, err
	}
	tag := ix.spaceTag(true)
	ix.noSpace = hmac.Equal(data[spaceTagAt:spaceTagAt+8], tag[:])
	p := headerSize
	ix.filter = words[uint64](data[p:], nFilter)
	p += 8 * nFilter
	ix.keywords = words[uint64](data[p:], nKeywords)
	p += 8 * nKeywords
	q := p
	ix.entries = words[uint64](data[p:], nEntries)
	p += 8 * nEntries
	ix.dir = words[uint32](data[p:], nDir)
	p += dirSize(nDir)
	ix.parts = words[uint64](data[p:], nParts)
	p += 8 * nParts
	ix.partDir = words[uint32](data[p:], nPartDir)
	p += dirSize(nPartDir)
	ix.probed = data[q:p]
	ix.forms = formRecs(data[p:], nForms)
	p += formRecSize * nForms
	ix.nameEnds = words[uint32](data[p:], nNames)
	p += 4 * nNames
	ix.nameBlob = data[p : p+nameBytes]
	if p += nameBytes; nSettings > 0 {
		var err error
		if ix.settings, ix.plan, ix.specs, err = decodeStored(data[p : p+nSettings]); err != nil {
			return nil, err
		}
	}
	return ix, nil
}

// formatError says why data is not an index of this version: version is
// the one it holds, or -1 when its header is short or not ours (kept out
// of parse for the reason given at loadError).
//
//go:noinline
func formatError(data []byte, version int64) error {
	switch {
	case version >= 0:
		return fmt.Errorf("index version %d; this noxkey reads version %d", version, fileVersion)
	case len(data) >= 8 && string(data[:7]) == fileMagic[:7]:
		return fmt.Errorf("format %q is not %q (written by another noxkey version)", data[:8], fileMagic)
	}
	return errors.New("not a noxkey guard index")
}

// putMAC writes to dst the index MAC of data under key.
func putMAC(key, data, dst []byte) {
	m := hmac.New(sha256.New, key)
	m.Write(data)
	copy(dst, m.Sum(nil))
}

// macIs reports, in constant time, whether tag is the MAC of data.
func macIs(key, data, tag []byte) bool {
	m := hmac.New(sha256.New, key)
	m.Write(data)
	return hmac.Equal(m.Sum(nil), tag)
}

// words views b as n little-endian uint64s or uint32s, without copying on
// little-endian machines (every platform noxkey ships for).
func words[T uint32 | uint64](b []byte, n int) []T {
	if n == 0 {
		return nil
	}
	size := int(unsafe.Sizeof(T(0)))
	if littleEndian && uintptr(unsafe.Pointer(&b[0]))%uintptr(size) == 0 {
		return unsafe.Slice((*T)(unsafe.Pointer(&b[0])), n)
	}
	out := make([]T, n)
	for i := range out {
		var v uint64
		for j := size - 1; j >= 0; j-- {
			v = v<<8 | uint64(b[size*i+j])
		}
		out[i] = T(v)
	}
	return out
}

// formRecs views b as n form records: the file lays them out as the
// struct is laid out in memory (checked by TestFormRecLayout).
func formRecs(b []byte, n int) []formRec {
	if n == 0 {
		return nil
	}
	if littleEndian && uintptr(unsafe.Pointer(&b[0]))%4 == 0 {
		return unsafe.Slice((*formRec)(unsafe.Pointer(&b[0])), n)
	}
	out := make([]formRec, n)
	le := binary.LittleEndian
	for i := range out {
		q := b[formRecSize*i:]
		f := &out[i]
		f.secret, f.length, f.ext = le.Uint32(q), le.Uint32(q[4:]), le.Uint32(q[28:])
		copy(f.tag[:], q[8:24])
		f.kind, f.wrap = q[24], q[25] == 1
	}
	return out
}

// dirSize is the byte size of a directory of n uint32s, padded to 8.
func dirSize(n int) int { return (4*n + 7) &^ 7 }

var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// Close unmaps a loaded index.
func (ix *Index) Close() error {
	if ix.data == nil {
		return nil
	}
	d := ix.data
	// Every view into the mapping goes with it: a Find after Close finds
	// nothing instead of faulting.
	ix.data, ix.filter, ix.entries, ix.dir, ix.forms, ix.nameEnds, ix.nameBlob, ix.specs, ix.keywords = nil, nil, nil, nil, nil, nil, nil, nil, nil
	return mmap.Unmap(d)
}
