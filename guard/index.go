package guard

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/bits"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Secret is what Build needs of a vault secret.
type Secret struct {
	Name  string // the vault path, shown in the placeholder
	Value []byte
}

// Options tune Build.
type Options struct {
	// MinLen: secrets shorter than this are not matched (default 6), and
	// no form shorter than this is registered.
	MinLen int
	// MaxStep caps the sampling step S (default 8).
	MaxStep int
	// PartialMin: a run of this many bytes of a secret's raw value (or
	// more) is redacted as a part of it (default 16, never below 12).
	PartialMin int

	// Settings, when set, are stored in the index (placeholder, rules) so
	// the hook reads no TOML (see package config).
	Settings *Settings

	minFilterWords int // tests: a smaller filter keeps fuzz inputs small
}

// Part windows: a secret's index and a window's offset in its value.
const (
	partSecretMask = 1<<20 - 1
	partOffsetMask = 1<<12 - 1
)

const (
	defaultPartialMin = 16
	minPartialMin     = 12
	defaultMinLen     = 6
	defaultMaxStep    = 8
	maxStep           = 12 // keeps W+2S-3, the largest window offset, under 32
	tagSize           = 16
)

// Index finds registered secret forms in text. It is safe for concurrent
// use by many goroutines once built or loaded.
type Index struct {
	w, s     int    // window width (<= 8) and sampling step
	mask     uint64 // keeps the low w bytes of a little-endian load
	k0, k1   uint64 // cheap hash h = (w^k0)*k1: h>>shift picks a filter word
	shift    uint
	filter   []uint64  // blocked Bloom filter: four bits of one word per window (see mask)
	entries  []uint64  // sorted: prf32<<32 | form<<5 | offset
	dir      []uint32  // entries[dir[b]:dir[b+1]] have top bits b
	forms    []formRec // checked where used (form), not at load
	nameEnds []uint32  // name i is nameBlob[nameEnds[i-1]:nameEnds[i]]
	nameBlob []byte
	prf      cipher.Block
	// block is lent to one scan at a time (prfBlock), blockLent says
	// whether it is out.
	block     *[16]byte
	blockLent atomic.Bool
	hmacKey   []byte
	macKey    []byte   // the file's MAC (file.go)
	stampKey  []byte   // the stamp's MAC (stamp.go)
	id        [16]byte // the vault id (VaultID), in the file header
	maxLen    int
	wrapping  bool      // some form is wrappable
	noSpace   bool      // no registered window holds a byte up to ' ' (spaced.go)
	macers    sync.Pool // of *macer
	data      []byte    // the mapping an index was loaded from, if any
	settings  *Settings // guard.toml and rules as they were at Build, if stored
	plan      rulePlan  // of a loaded index: the rules' keywords
	specs     []byte    // of a loaded index: the rule specs, encoded
	keywords  []uint64  // of a loaded index: the rules' keyword set (keywordSetIn)
	probed    []byte    // of a loaded index: the mapped entries and directory (see warm)
	parts     []uint64  // sorted: prf32<<32 | secret<<12 | offset, a window of every offset of each raw value
	partDir   []uint32  // parts[partDir[b]:partDir[b+1]] have top bits b
	partMin   int       // the shortest run of a value redacted as a part
	// warmed: warm read the filter in order; probedMapped: warm had
	// probed mapped.
	warmed, probedMapped atomic.Bool
}

type formRec struct {
	secret uint32
	length uint32
	tag    [tagSize]byte
	kind   uint8
	wrap   bool
	ext    uint32 // 1 + index of the longer form extending this one, or 0
}

// kinds names form kinds by a small number in the index.
var kinds = []string{"raw", "base64", "hex", "percent", "json", "shell-single-quote", "line"}

func kindIndex(kind string) uint8 {
	for i, k := range kinds {
		if len(kind) >= len(k) && kind[:len(k)] == k {
			return uint8(i)
		}
	}
	return 0
}

type keys struct {
	k0, k1   uint64
	prf      []byte
	hmacKey  []byte
	macKey   []byte
	stampKey []byte
}

// armedSize is the size of an armed key: every key an index is made and
// read under (see keysFromArmed), derived once from the vault's index key
// by whoever arms the guard, so a hook call derives nothing.
const armedSize = 16 + 16 + 32 + 32 + 32

// ArmedKey returns what arming the guard stores for the vault whose index
// key is indexKey: its id (VaultID) and the keys its index is read under.
// The index key itself, which the vault keeps, cannot be had from them.
func ArmedKey(indexKey []byte) (id string, armed []byte, err error) {
	if len(indexKey) < 16 {
		return "", nil, errors.New("guard: index key is shorter than 16 bytes")
	}
	armed, err = hkdf.Key(sha256.New, indexKey, nil, "noxkey guard index v2", armedSize)
	if err != nil {
		return "", nil, err
	}
	return VaultID(indexKey), armed, nil
}

// keysFromArmed splits an armed key into an index's keys (copied: the
// caller wipes armed).
func keysFromArmed(armed []byte) (*keys, error) {
	if len(armed) != armedSize {
		return nil, fmt.Errorf("guard: the armed key has %d bytes, not %d; run: noxkey unlock", len(armed), armedSize)
	}
	m := bytes.Clone(armed)
	return &keys{
		k0:       binary.LittleEndian.Uint64(m[0:]),
		k1:       binary.LittleEndian.Uint64(m[8:]) | 1,
		prf:      m[16:32],
		hmacKey:  m[32:64],
		macKey:   m[64:96],
		stampKey: m[96:128],
	}, nil
}

// deriveKeys derives every key of an index from the vault's index key.
// None of them is stored in the index: a copy of the data directory holds
// nothing that lets a guess be checked (see package arm).
func deriveKeys(indexKey []byte) (*keys, error) {
	_, armed, err := ArmedKey(indexKey)
	if err != nil {
		return nil, err
	}
	defer clear(armed)
	return keysFromArmed(armed)
}

// VaultID names the vault whose guard key is key: 32 hex digits of a
// one-way function of the key. The index header holds it so the hook can
// find the armed key; it reveals nothing of the key.
func VaultID(key []byte) string {
	id := vaultID(key)
	return hex.EncodeToString(id[:])
}

func vaultID(key []byte) [16]byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("noxkey vault id v1"))
	var id [16]byte
	copy(id[:], m.Sum(nil))
	return id
}

// Build makes an index of secrets under indexKey (the vault's per-vault
// random key). Secrets shorter than MinLen are skipped and returned, so the
// caller can warn about them.
func Build(secrets []Secret, indexKey []byte, opt Options) (*Index, []string, error) {
	if opt.MinLen <= 0 {
		opt.MinLen = defaultMinLen
	}
	if opt.MaxStep <= 0 || opt.MaxStep > maxStep {
		opt.MaxStep = defaultMaxStep
	}
	if opt.PartialMin <= 0 {
		opt.PartialMin = defaultPartialMin
	}
	opt.PartialMin = max(opt.PartialMin, minPartialMin)
	k, err := deriveKeys(indexKey)
	if err != nil {
		return nil, nil, err
	}
	ix := &Index{id: vaultID(indexKey)}
	ix.settings = opt.Settings
	var skipped []string
	var kept []Secret
	for _, s := range secrets {
		if len(s.Value) < opt.MinLen {
			skipped = append(skipped, s.Name)
			continue
		}
		kept = append(kept, s)
		ix.nameBlob = append(ix.nameBlob, s.Name...)
		ix.nameEnds = append(ix.nameEnds, uint32(len(ix.nameBlob)))
	}
	// Forms of each secret, on every core.
	perSecret := make([][]Form, len(kept))
	parallel(len(kept), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			perSecret[i] = Forms(kept[i].Value, opt.MinLen)
		}
	})
	type built struct {
		f    *Form
		sec  int
		base int // index in all of the form this one extends, or -1
	}
	total := 0
	for _, fs := range perSecret {
		total += len(fs)
	}
	all := make([]built, 0, total)
	minLen := 0
	for si, fs := range perSecret {
		first := len(all)
		for j := range fs {
			f := &fs[j]
			base := -1
			if f.Base >= 0 {
				base = first + f.Base
			} else if minLen == 0 || len(f.Text) < minLen {
				minLen = len(f.Text)
			}
			ix.maxLen = max(ix.maxLen, len(f.Text))
			all = append(all, built{f, si, base})
		}
	}
	ix.w = min(8, max(minLen, 1))
	ix.s = min(opt.MaxStep, max(1, minLen-ix.w+1))
	if err := ix.setKeys(k); err != nil {
		return nil, nil, err
	}
	// Windows: offsets 0..S-1 of every form, and for the raw form and the
	// base64 encodings that start the stream also up to W+2S-3, so that a
	// form broken over lines is found from its first or second piece (see
	// scan.go). Base64 at offsets 1 and 2 of a wrapped blob is found when
	// its first piece is at least W+S-1 bytes, or its second is short.
	windows := func(b built) int {
		switch {
		case b.base >= 0:
			return 0
		case b.f.Wrappable && (b.f.Kind == "raw" || strings.HasSuffix(b.f.Kind, "-0-core")):
			return min(len(b.f.Text)-ix.w, ix.w+2*ix.s-3) + 1
		}
		return ix.s
	}
	firstEntry := make([]int, len(all)+1)
	for i, b := range all {
		firstEntry[i+1] = firstEntry[i] + windows(b)
	}
	nwin := firstEntry[len(all)]
	// Part windows: every offset of each raw value longer than
	// PartialMin, so any run of PartialMin bytes of it holds a sampled one.
	// A document (several lines, or JSON) has parts of its own, and its
	// public text must not be redacted as a piece of it.
	ix.partMin = opt.PartialMin
	npart := 0
	hasParts := func(v []byte) bool {
		return len(v) > ix.partMin && bytes.IndexByte(v, '\n') < 0 && v[0] != '{' && v[0] != '['
	}
	for si, sec := range kept {
		if si <= partSecretMask && hasParts(sec.Value) {
			npart += min(len(sec.Value)-ix.w, partOffsetMask) + 1
		}
	}
	nwin += npart
	// Filter: one 64-bit word per four to eight distinct windows, four bits
	// set per window; at least 16 KiB, at most 8 MiB. Four windows in ten
	// repeat another (a secret's standard and URL-safe base64 mostly begin
	// alike; keys of one provider share a prefix), so the filter is sized
	// by the distinct ones, counted once the entries are sorted; the bits
	// are set at the size all windows would need and at half that, in the
	// same pass; the smaller is kept when the distinct ones fit it: more
	// clean windows pass it (TestFilterFalseHits), each an exact check,
	// but a hook call touches half the filter pages, and a long scan
	// misses the CPU's caches less (docs/performance.md).
	minWords := 1 << 11
	if opt.minFilterWords > 0 {
		minWords = max(opt.minFilterWords, 2) // shift < 64 (scan.go relies on it; Load checks it)
	}
	nwords := min(max(minWords, 1<<bits.Len(uint(nwin/filterLoad))), 1<<20)
	ix.filter = make([]uint64, nwords)
	ix.shift = uint(64 - bits.TrailingZeros(uint(nwords)))
	var half []uint64 // the half-size filter, if made
	if nwords/2 >= minWords {
		half = make([]uint64, nwords/2)
	}
	halfShift := ix.shift + 1
	ix.forms = make([]formRec, len(all))
	raw := make([]uint64, nwin-npart)
	var mu sync.Mutex
	parallel(len(all), func(lo, hi int) {
		mac := hmac.New(sha256.New, ix.hmacKey)
		var sum [sha256.Size]byte
		var win [16]byte
		bm := make([]uint64, len(ix.filter)) // this worker's bits, merged below
		var bh []uint64
		if half != nil {
			bh = make([]uint64, len(half))
		}
		for i := lo; i < hi; i++ {
			b := all[i]
			mac.Reset()
			mac.Write(b.f.Text)
			rec := formRec{secret: uint32(b.sec), length: uint32(len(b.f.Text)), kind: kindIndex(b.f.Kind), wrap: b.f.Wrappable}
			copy(rec.tag[:], mac.Sum(sum[:0]))
			ix.forms[i] = rec
			for o := 0; o < firstEntry[i+1]-firstEntry[i]; o++ {
				w := load(b.f.Text[o:]) & ix.mask
				raw[firstEntry[i]+o] = uint64(ix.prf32(w, &win))<<32 | uint64(i)<<5 | uint64(o)
				h := ix.hash(w)
				bm[h>>ix.shift] |= mask(h, ix.shift)
				if bh != nil {
					bh[h>>halfShift] |= mask(h, halfShift)
				}
			}
		}
		mu.Lock()
		for j, w := range bm {
			ix.filter[j] |= w
		}
		for j, w := range bh {
			half[j] |= w
		}
		mu.Unlock()
	})
	ix.noSpace = true
	for i, b := range all {
		if b.base >= 0 {
			ix.forms[b.base].ext = uint32(i + 1)
		}
		ix.wrapping = ix.wrapping || b.f.Wrappable
		// The bytes of the form's registered windows.
		n := min(len(b.f.Text), firstEntry[i+1]-firstEntry[i]+ix.w-1)
		ix.noSpace = ix.noSpace && noSpaceIn(b.f.Text[:n])
	}
	for _, sec := range kept { // every window of a raw value is a part window
		ix.noSpace = ix.noSpace && noSpaceIn(sec.Value)
	}
	ix.entries, ix.dir = bucketSort(raw, dirBitsFor(nwin-npart))
	if npart > 0 {
		praw := make([]uint64, 0, npart)
		var win [16]byte
		for si, sec := range kept {
			if si > partSecretMask || !hasParts(sec.Value) {
				continue
			}
			for o := 0; o+ix.w <= len(sec.Value) && o <= partOffsetMask; o++ {
				w := load(sec.Value[o:]) & ix.mask
				praw = append(praw, uint64(ix.prf32(w, &win))<<32|uint64(si)<<12|uint64(o))
				h := ix.hash(w)
				ix.filter[h>>ix.shift] |= mask(h, ix.shift)
				if half != nil {
					half[h>>halfShift] |= mask(h, halfShift)
				}
			}
		}
		ix.parts, ix.partDir = bucketSort(praw, dirBitsFor(len(praw)))
	}
	if half != nil && 1<<bits.Len(uint((distinctWindows(ix.entries)+distinctWindows(ix.parts))/filterLoad)) <= len(half) {
		ix.filter, ix.shift = half, halfShift
	}
	for _, fs := range perSecret {
		for _, f := range fs {
			clear(f.Text)
		}
	}
	return ix, skipped, nil
}

// distinctWindows counts the distinct windows among sorted entries, by
// their keyed hash (a collision only undercounts by one).
func distinctWindows(entries []uint64) int {
	n := 0
	for i, e := range entries {
		if i == 0 || e>>32 != entries[i-1]>>32 {
			n++
		}
	}
	return n
}

// dirBitsFor sizes the entry directory: about 8 entries a bucket.
func dirBitsFor(n int) int { return min(max(bits.Len(uint(n/8)), 8), 20) }

// bucketSort sorts entries by their top 32 bits with a counting sort on
// the top dirBits, then sorts each (small) bucket; dir[b] is where bucket
// b starts, dir[1<<dirBits] the end. Each core scatters and sorts its own
// range of buckets (reading all of raw: sequential reads are cheap, the
// scattered writes are what cost).
func bucketSort(raw []uint64, dirBits int) ([]uint64, []uint32) {
	dir := make([]uint32, 1<<dirBits+1)
	shift := 64 - dirBits
	for _, e := range raw {
		dir[e>>shift+1]++
	}
	for i := 1; i < len(dir); i++ {
		dir[i] += dir[i-1]
	}
	out := make([]uint64, len(raw))
	parallel(len(dir)-1, func(lo, hi int) {
		next := append([]uint32(nil), dir[lo:hi]...)
		for _, e := range raw {
			if b := int(e >> shift); b >= lo && b < hi {
				out[next[b-lo]] = e
				next[b-lo]++
			}
		}
		for b := lo; b < hi; b++ {
			switch bucket := out[dir[b]:dir[b+1]]; {
			case len(bucket) > 32:
				slices.Sort(bucket)
			case len(bucket) > 1:
				for i := 1; i < len(bucket); i++ { // insertion sort: buckets hold about 8
					for j := i; j > 0 && bucket[j] < bucket[j-1]; j-- {
						bucket[j], bucket[j-1] = bucket[j-1], bucket[j]
					}
				}
			}
		}
	})
	return out, dir
}

// parallel runs fn over [0,n) split across GOMAXPROCS goroutines.
func parallel(n int, fn func(lo, hi int)) {
	workers := min(runtime.GOMAXPROCS(0), max(n/64, 1))
	chunk := (n + workers - 1) / workers
	var wg sync.WaitGroup
	for lo := 0; lo < n; lo += chunk {
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			fn(lo, hi)
		}(lo, min(lo+chunk, n))
	}
	wg.Wait()
}

func (ix *Index) setKeys(k *keys) error {
	ix.k0, ix.k1, ix.hmacKey = k.k0, k.k1, append([]byte(nil), k.hmacKey...)
	ix.macKey, ix.stampKey = append([]byte(nil), k.macKey...), append([]byte(nil), k.stampKey...)
	ix.mask = ^uint64(0) >> (64 - 8*uint(ix.w))
	blk, err := aes.NewCipher(k.prf)
	if err != nil {
		return err
	}
	ix.prf, ix.block = blk, new([16]byte)
	ix.macers.New = func() any { return &macer{h: hmac.New(sha256.New, ix.hmacKey)} }
	// The pool's first use sets it up (sync.Pool's pinSlow allocates):
	// here, not deep in a hook call's scan, where it outgrew the main
	// goroutine's first stack (TestMainStackIsNeverCopied).
	ix.macers.Put(ix.macers.New())
	return nil
}

// load reads up to 8 bytes little-endian; shorter input is zero-padded.
func load(b []byte) uint64 {
	if len(b) >= 8 {
		return binary.LittleEndian.Uint64(b)
	}
	var t [8]byte
	copy(t[:], b)
	return binary.LittleEndian.Uint64(t[:])
}

// filterLoad is the most distinct windows per filter word the filter is
// sized for (four to eight, as the distinct windows fall between powers of
// two words): more clean windows pass a fuller filter, each an exact
// check, but a smaller one is missed in the CPU's caches less, which a
// long scan gains more by (docs/performance.md).
const filterLoad = 8

func (ix *Index) hash(w uint64) uint64 { return (w ^ ix.k0) * ix.k1 }

// mask is the filter's four bits for hash h: four 6-bit fields just
// below the word index (the multiply mixes best into the high bits).
// Four bits, not three, let through less than half as many clean windows
// at the same size (TestFilterFalseHits logs the rate; docs/performance.md),
// and each costs an exact check that reads index pages a short-lived hook
// has not touched yet.
// (One shift by a count the compiler knows is under 64, then shifts by
// constants: the scan's hot loop runs it four times a turn.)
func mask(h uint64, shift uint) uint64 {
	v := h >> ((shift - 24) & 63)
	return 1<<(v>>18&63) | 1<<(v>>12&63) | 1<<(v>>6&63) | 1<<(v&63)
}

// mayHave reports whether window w may be registered: all four of its
// bits are set in its filter word.
func (ix *Index) mayHave(w uint64) bool {
	h := ix.hash(w)
	m := mask(h, ix.shift)
	return ix.filter[h>>ix.shift]&m == m
}

// prf32 is a keyed pseudo-random function of a window (AES on one block).
func (ix *Index) prf32(w uint64, buf *[16]byte) uint32 {
	binary.LittleEndian.PutUint64(buf[:8], w)
	clear(buf[8:])
	ix.prf.Encrypt(buf[:], buf[:])
	return binary.LittleEndian.Uint32(buf[:4])
}

// A prfBlock is the block one scan's filter hits are encrypted in, got at
// the first: through the cipher.Block interface a block on the stack
// escapes to the heap, an allocation a hit (TestFilterHitsDoNotAllocate).
// The first scan at a time borrows the index's own block (made when the
// index is), so that a hook call allocates nothing deep in its scan: an
// allocation that had to refill the allocator's cache there outgrew the
// main goroutine's first stack (cmd/noxkey-hook's
// TestMainStackIsNeverCopied); so did a sync.Pool's first use. Scans at
// the same time (a window split over the CPUs) make their own.
type prfBlock struct {
	b    *[16]byte
	lent bool // b is the index's block, given back by giveBack
}

// prfScan is prf32 in pb's block (which then holds w encrypted, not w).
func (ix *Index) prfScan(pb *prfBlock, w uint64) uint32 {
	if pb.b == nil {
		if ix.block != nil && ix.blockLent.CompareAndSwap(false, true) {
			pb.b, pb.lent = ix.block, true
		} else {
			pb.b = new([16]byte)
		}
	}
	return ix.prf32(w, pb.b)
}

// giveBack returns the index's block if pb borrowed it.
func (ix *Index) giveBack(pb *prfBlock) {
	if pb.lent {
		pb.b, pb.lent = nil, false
		ix.blockLent.Store(false)
	}
}

// Len returns the number of secrets the index matches.
func (ix *Index) Len() int { return len(ix.nameEnds) }

// Stats describes an index, for `noxkey guard` and benchmarks.
func (ix *Index) stats() string {
	return fmt.Sprintf("%d secrets, %d forms, %d windows, window %d, step %d, filter %d KiB",
		ix.Len(), len(ix.forms), len(ix.entries), ix.w, ix.s, len(ix.filter)*8/1024)
}

// Names returns the secret names the index holds (vault paths), in index
// order.
func (ix *Index) Names() []string {
	out := make([]string, ix.Len())
	for i := range out {
		out[i] = ix.name(uint32(i))
	}
	return out
}

// name returns secret i's name, copied out of a mapping, or "unknown"
// where a damaged index's name table does not hold it.
func (ix *Index) name(i uint32) string {
	if int(i) >= len(ix.nameEnds) {
		return "unknown"
	}
	start := uint32(0)
	if i > 0 {
		start = ix.nameEnds[i-1]
	}
	if end := ix.nameEnds[i]; start <= end && int(end) <= len(ix.nameBlob) {
		return string(ix.nameBlob[start:end])
	}
	return "unknown"
}

// form returns form record i, or nil when it is out of range: records
// of a loaded index are checked here, where they are used, so that a load
// reads no more of the file than a scan touches.
func (ix *Index) form(i int) *formRec {
	if i < 0 || i >= len(ix.forms) {
		return nil
	}
	f := &ix.forms[i]
	if int(f.secret) >= len(ix.nameEnds) || int(f.kind) >= len(kinds) || int(f.length) > ix.maxLen ||
		int(f.length) < ix.w || int(f.ext) > len(ix.forms) || (f.ext != 0 && int(f.ext) <= i+1) ||
		*(*byte)(unsafe.Pointer(&f.wrap)) > 1 {
		return nil
	}
	return f
}
