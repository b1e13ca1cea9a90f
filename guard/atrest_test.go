package guard

import (
	"bytes"
	"crypto/aes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// attacker reads an index file as the format lays it out: the keyed PRFs
// of its windows and the HMAC tags of its forms.
type attacker struct {
	mask uint64
	prfs map[uint32]bool
	tags map[[tagSize]byte]bool
}

func newAttacker(t *testing.T, data []byte) *attacker {
	ix, err := parse(data, &keys{prf: make([]byte, 16), hmacKey: make([]byte, 32)}, false)
	if err != nil {
		t.Fatal(err)
	}
	a := &attacker{mask: ix.mask, prfs: map[uint32]bool{}, tags: map[[tagSize]byte]bool{}}
	for _, e := range ix.entries {
		a.prfs[uint32(e>>32)] = true
	}
	for _, f := range ix.forms {
		a.tags[f.tag] = true
	}
	return a
}

// confirms reports whether the attacker, holding keys k, confirms guess:
// the keyed PRF of one of its forms' first windows is an entry of the
// index, or the HMAC of one of its forms is a form's tag.
func (a *attacker) confirms(k *keys, guess []byte) bool {
	prf, err := aes.NewCipher(k.prf)
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, k.hmacKey)
	for _, f := range Forms(guess, 6) {
		var buf [16]byte
		binary.LittleEndian.PutUint64(buf[:8], load(f.Text)&a.mask)
		prf.Encrypt(buf[:], buf[:])
		if a.prfs[binary.LittleEndian.Uint32(buf[:4])] {
			return true
		}
		mac.Reset()
		mac.Write(f.Text)
		var tag [tagSize]byte
		copy(tag[:], mac.Sum(nil))
		if a.tags[tag] {
			return true
		}
	}
	return false
}

// TestCopiedDataDirConfirmsNoGuess is the attack on a copy of the data
// directory with no key armed: the index and its stamp hold no key, so a
// program that knows the format has nothing to check a guess against. It
// tries the correct guess of an 8-character password, a 16-character
// random value and a 40-character token under every key the copy could
// hold (every 16- and 32-byte run of every file, used as the index key, as
// the PRF key and as the HMAC key, and every run the size of an armed key,
// used as one) and confirms none. With the real key
// (the armed state) the same program confirms all three: the attack works
// when its key is there, so the test can fail.
func TestCopiedDataDirConfirmsNoGuess(t *testing.T) {
	secrets := []Secret{
		{"acme/db/PASSWORD", []byte("Tr0ub4d!")},
		{"acme/api/RANDOM", []byte("q7Gx2LmP9vRtZk4W")},
		{"acme/gh/TOKEN", []byte("ghp_R3aLt0k3nV4lu3W1thF0rtyCh4rsXyZ12345")},
	}
	key := make([]byte, 32)
	rand.Read(key)
	dir := t.TempDir()
	p := filepath.Join(dir, "guard.idx")
	ix, _, err := Build(secrets, key, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.WriteFile(p); err != nil {
		t.Fatal(err)
	}
	real, err := deriveKeys(key)
	if err != nil {
		t.Fatal(err)
	}
	var st unix.Stat_t
	if err := unix.Stat(p, &st); err != nil {
		t.Fatal(err)
	}
	writeStamp(p, &st, mustRead(t, p), real.stampKey) // the stamp a settled load leaves
	_, armed, _ := ArmedKey(key)
	l, err := Load(p, func(string) ([]byte, error) { return bytes.Clone(armed), nil })
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	// The copy.
	var files [][]byte
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		files = append(files, mustRead(t, filepath.Join(dir, e.Name())))
	}
	a := newAttacker(t, mustRead(t, p))
	for _, s := range secrets {
		if !a.confirms(real, s.Value) {
			t.Fatalf("with the armed key the attack does not confirm %s: the test proves nothing", s.Name)
		}
	}
	tried := 0
	for _, f := range files {
		if bytes.Contains(f, key) {
			t.Fatal("a file of the data directory holds the guard key")
		}
		for _, sub := range [][]byte{real.prf, real.hmacKey, real.macKey, real.stampKey} {
			if bytes.Contains(f, sub) {
				t.Fatal("a file of the data directory holds a key derived from the guard key")
			}
		}
		for off := 0; off+16 <= len(f); off++ {
			var cands []*keys
			if off+armedSize <= len(f) {
				if k, err := keysFromArmed(f[off : off+armedSize]); err == nil {
					cands = append(cands, k)
				}
			}
			if off+32 <= len(f) {
				c := f[off : off+32]
				if k, err := deriveKeys(c); err == nil {
					cands = append(cands, k)
				}
				cands = append(cands, &keys{prf: c[:16], hmacKey: c})
			}
			cands = append(cands, &keys{prf: f[off : off+16], hmacKey: f[off : off+16]})
			for _, k := range cands {
				tried++
				for _, s := range secrets {
					if a.confirms(k, s.Value) {
						t.Fatalf("a key read from the copy at offset %d confirms %s", off, s.Name)
					}
				}
			}
		}
	}
	t.Logf("%d candidate keys from %d files tried; none confirms a correct guess", tried, len(files))
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestIndexIsBoundToItsKey: what replaces the real index is refused, never
// used, whatever its stamp says: an empty vault's index (another key), the
// same with its header naming the real vault, a truncated index, and an
// edited one given a stamp written without the key.
func TestIndexIsBoundToItsKey(t *testing.T) {
	key, other := make([]byte, 32), make([]byte, 32)
	rand.Read(key)
	rand.Read(other)
	lookup := func(id string) ([]byte, error) {
		vid, armed, _ := ArmedKey(key)
		if id != vid {
			return nil, errNotArmedForTest
		}
		return armed, nil
	}
	build := func(k []byte, secs ...Secret) []byte {
		ix, _, err := Build(secs, k, Options{})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := ix.MarshalBinary()
		return b
	}
	realIdx := build(key, Secret{"acme/api/KEY", []byte(stripe)})
	empty := build(other)
	renamed := bytes.Clone(empty)
	copy(renamed[16:32], realIdx[16:32])
	edited := bytes.Clone(realIdx)
	edited[headerSize+3] ^= 0x40 // a filter bit
	cases := map[string]struct {
		data  []byte
		stamp bool // give it a stamp of its identity with a MAC under a wrong key
		want  string
	}{
		"empty index of another vault":         {empty, false, "not armed"},
		"empty index naming this vault":        {renamed, false, "MAC mismatch"},
		"empty index naming this vault, stamp": {renamed, true, "MAC mismatch"},
		"truncated":                            {realIdx[:len(realIdx)-100], false, "MAC mismatch"},
		"edited, with a forged stamp":          {edited, true, "MAC mismatch"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "guard.idx")
			os.WriteFile(p, c.data, 0o600)
			if c.stamp {
				var st unix.Stat_t
				unix.Stat(p, &st)
				writeStamp(p, &st, c.data, make([]byte, 32))
			}
			ix, err := Load(p, lookup)
			if err == nil {
				ix.Close()
				t.Fatal("Load accepted it")
			}
			if !bytes.Contains([]byte(err.Error()), []byte(c.want)) {
				t.Fatalf("error %q, want %q", err, c.want)
			}
		})
	}
	p := filepath.Join(t.TempDir(), "guard.idx")
	os.WriteFile(p, realIdx, 0o600)
	ix, err := Load(p, lookup)
	if err != nil {
		t.Fatalf("the real index: %v", err)
	}
	if ms := ix.Find([]byte("key=" + stripe)); len(ms) != 1 {
		t.Fatalf("the real index finds %d matches", len(ms))
	}
	ix.Close()
}

var errNotArmedForTest = errors.New("guard key not armed")

// BenchmarkArmedGuess is one guess of a holder of the index and the armed
// key: the keyed PRF of a window and a look-up among the entries. A
// secret's hex form has 8-character windows, 4 bytes of the value each,
// at consecutive offsets, so such a holder peels a value with about 95^4
// guesses for its first 4 bytes and 95 for each byte after (the note of
// the issue that moved the keys out of the index gives the figures).
func BenchmarkArmedGuess(b *testing.B) {
	key := bytes.Repeat([]byte{9}, 32)
	ix, _, err := Build([]Secret{{"acme/api/KEY", []byte(stripe)}}, key, Options{})
	if err != nil {
		b.Fatal(err)
	}
	have := map[uint32]bool{}
	for _, e := range ix.entries {
		have[uint32(e>>32)] = true
	}
	var buf [16]byte
	hits := 0
	for i := range b.N {
		if have[ix.prf32(uint64(i)&ix.mask, &buf)] {
			hits++
		}
	}
	_ = hits
}
