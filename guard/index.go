package guard

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"runtime"
	"slices"
	"sync"
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
}

const (
	defaultMinLen  = 6
	defaultMaxStep = 8
	tagSize        = 16
)

// Index finds registered secret forms in text. It is safe for concurrent
// use by many goroutines once built or loaded.
type Index struct {
	w, s     int    // window width (<= 8) and sampling step
	mask     uint64 // keeps the low w bytes of a little-endian load
	k0, k1   uint64 // cheap hash: ((w^k0)*k1) >> shift picks a bitmap bit
	shift    uint
	bitmap   []uint64
	entries  []uint64 // sorted: prf32<<32 | form<<4 | offset
	forms    []formRec
	names    []string
	prf      cipher.Block
	hmacKey  []byte
	maxLen   int
	wrapping bool // some form is wrappable
	hmacPool sync.Pool
	data     []byte // the mapping an index was loaded from, if any
}

type formRec struct {
	secret uint32
	length uint32
	tag    [tagSize]byte
	kind   uint8
	wrap   bool
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
	k0, k1  uint64
	prf     []byte
	hmacKey []byte
}

func deriveKeys(indexKey []byte) (keys, error) {
	if len(indexKey) < 16 {
		return keys{}, errors.New("guard: index key is shorter than 16 bytes")
	}
	m, err := hkdf.Key(sha256.New, indexKey, nil, "noxkey guard index v1", 16+16+32)
	if err != nil {
		return keys{}, err
	}
	return keys{
		k0:      binary.LittleEndian.Uint64(m[0:]),
		k1:      binary.LittleEndian.Uint64(m[8:]) | 1,
		prf:     m[16:32],
		hmacKey: m[32:64],
	}, nil
}

// Build makes an index of secrets under indexKey (the vault's per-vault
// random key). Secrets shorter than MinLen are skipped and returned, so the
// caller can warn about them.
func Build(secrets []Secret, indexKey []byte, opt Options) (*Index, []string, error) {
	if opt.MinLen <= 0 {
		opt.MinLen = defaultMinLen
	}
	if opt.MaxStep <= 0 || opt.MaxStep > 16 {
		opt.MaxStep = defaultMaxStep
	}
	k, err := deriveKeys(indexKey)
	if err != nil {
		return nil, nil, err
	}
	type built struct {
		f    Form
		sec  int
		kind uint8
	}
	var all []built
	var skipped []string
	ix := &Index{}
	for i, s := range secrets {
		if len(s.Value) < opt.MinLen {
			skipped = append(skipped, s.Name)
			continue
		}
		ix.names = append(ix.names, s.Name)
		for _, f := range Forms(s.Value, opt.MinLen) {
			all = append(all, built{f, len(ix.names) - 1, kindIndex(f.Kind)})
		}
		_ = i
	}
	minLen := 0
	for _, b := range all {
		if minLen == 0 || len(b.f.Text) < minLen {
			minLen = len(b.f.Text)
		}
		ix.maxLen = max(ix.maxLen, len(b.f.Text))
	}
	ix.w = min(8, max(minLen, 1))
	ix.s = min(opt.MaxStep, max(1, minLen-ix.w+1))
	if err := ix.setKeys(k); err != nil {
		return nil, nil, err
	}
	ix.forms = make([]formRec, len(all))
	ix.entries = make([]uint64, 0, len(all)*ix.s)
	// Bitmap: about 32 bits per window keeps the false-hit rate near 3%.
	nbits := max(4096, 1<<bits.Len(uint(len(all)*ix.s*32)))
	nbits = min(nbits, 1<<25)
	ix.bitmap = make([]uint64, nbits/64)
	ix.shift = uint(64 - bits.TrailingZeros(uint(nbits)))

	// Tags (HMAC over each form) dominate build time: spread them over cores.
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	chunk := (len(all) + workers - 1) / max(workers, 1)
	for w := 0; w < workers && w*chunk < len(all); w++ {
		lo, hi := w*chunk, min((w+1)*chunk, len(all))
		wg.Add(1)
		go func() {
			defer wg.Done()
			mac := hmac.New(sha256.New, ix.hmacKey)
			var sum [sha256.Size]byte
			for i := lo; i < hi; i++ {
				b := all[i]
				mac.Reset()
				mac.Write(b.f.Text)
				rec := formRec{secret: uint32(b.sec), length: uint32(len(b.f.Text)), kind: b.kind, wrap: b.f.Wrappable}
				copy(rec.tag[:], mac.Sum(sum[:0]))
				ix.forms[i] = rec
			}
		}()
	}
	var win [16]byte
	for i, b := range all {
		for o := 0; o < ix.s; o++ {
			w := load(b.f.Text[o:]) & ix.mask
			bit := ix.bit(w)
			ix.bitmap[bit>>6] |= 1 << (bit & 63)
			ix.entries = append(ix.entries, uint64(ix.prf32(w, &win))<<32|uint64(i)<<4|uint64(o))
		}
	}
	wg.Wait()
	slices.Sort(ix.entries)
	for _, b := range all {
		ix.wrapping = ix.wrapping || b.f.Wrappable
		wipe(b.f.Text)
	}
	return ix, skipped, nil
}

func (ix *Index) setKeys(k keys) error {
	ix.k0, ix.k1, ix.hmacKey = k.k0, k.k1, k.hmacKey
	ix.mask = ^uint64(0) >> (64 - 8*uint(ix.w))
	blk, err := aes.NewCipher(k.prf)
	if err != nil {
		return err
	}
	ix.prf = blk
	ix.hmacPool.New = func() any { return hmac.New(sha256.New, ix.hmacKey) }
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

func (ix *Index) bit(w uint64) uint64 { return ((w ^ ix.k0) * ix.k1) >> ix.shift }

// prf32 is a keyed pseudo-random function of a window (AES on one block).
func (ix *Index) prf32(w uint64, buf *[16]byte) uint32 {
	binary.LittleEndian.PutUint64(buf[:8], w)
	clear(buf[8:])
	ix.prf.Encrypt(buf[:], buf[:])
	return binary.LittleEndian.Uint32(buf[:4])
}

// Len returns the number of secrets the index matches.
func (ix *Index) Len() int { return len(ix.names) }

// Stats describes an index, for `noxkey guard` and benchmarks.
func (ix *Index) Stats() string {
	return fmt.Sprintf("%d secrets, %d forms, %d windows, window %d, step %d, bitmap %d KiB",
		len(ix.names), len(ix.forms), len(ix.entries), ix.w, ix.s, len(ix.bitmap)*8/1024)
}

func wipe(b []byte) {
	for i := range b {
		b[i] = 0
	}
}
