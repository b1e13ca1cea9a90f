package arm

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func newID(t *testing.T) (string, []byte) {
	b := make([]byte, 16)
	rand.Read(b)
	key := make([]byte, 128)
	rand.Read(key)
	id := hex.EncodeToString(b)
	t.Cleanup(func() { Disarm(id) })
	return id, key
}

// useStore makes tb use store ("keyring" or "file") with a private
// runtime directory of its own, which it returns.
func useStore(tb testing.TB, store string) string {
	tb.Setenv(StoreEnv, store)
	rt := filepath.Join(tb.TempDir(), "rt")
	if err := os.Mkdir(rt, 0o700); err != nil {
		tb.Fatal(err)
	}
	tb.Setenv("XDG_RUNTIME_DIR", rt)
	return rt
}

// TestArmLookupDisarm: in the keyring (where it works) and in the file
// fallback, a key armed for one vault is found for it and no other, is
// replaced by a second arm, and is gone after disarm.
func TestArmLookupDisarm(t *testing.T) {
	for _, store := range []string{"keyring", "file"} {
		t.Run(store, func(t *testing.T) {
			rt := useStore(t, store)
			id, key := newID(t)
			other, _ := newID(t)
			if _, err := Lookup(id); !errors.Is(err, ErrNotArmed) {
				t.Fatalf("before arming: %v", err)
			}
			w, err := Arm(id, key)
			if err != nil {
				t.Fatal(err)
			}
			if store == "file" && (w.Store != "file" || w.Path != filepath.Join(rt, "noxkey", "guard-"+id+".key")) {
				t.Fatalf("armed in %+v", w)
			}
			if got, err := Lookup(id); err != nil || !bytes.Equal(got, key) {
				t.Fatalf("lookup: %v", err)
			}
			if _, err := Lookup(other); !errors.Is(err, ErrNotArmed) {
				t.Fatalf("another vault's lookup: %v", err)
			}
			key2 := bytes.Repeat([]byte{7}, 128)
			if _, err := Arm(id, key2); err != nil {
				t.Fatal(err)
			}
			if got, _ := Lookup(id); !bytes.Equal(got, key2) {
				t.Fatal("a second arm did not replace the key")
			}
			if _, ok := Armed(id); !ok {
				t.Fatal("Armed says no")
			}
			if err := Disarm(id); err != nil {
				t.Fatal(err)
			}
			if _, err := Lookup(id); !errors.Is(err, ErrNotArmed) {
				t.Fatalf("after disarm: %v", err)
			}
			if err := Disarm(id); err != nil {
				t.Fatalf("a second disarm: %v", err)
			}
		})
	}
}

// TestFileFallbackRefusesWhatIsNotPrivate: a key file another user could
// read, or one in a directory open to others, is not used.
func TestFileFallbackRefusesWhatIsNotPrivate(t *testing.T) {
	rt := useStore(t, "file")
	id, key := newID(t)
	if _, err := Arm(id, key); err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(rt, "noxkey", "guard-"+id+".key")
	os.Chmod(f, 0o644)
	if _, err := Lookup(id); err == nil || errors.Is(err, ErrNotArmed) {
		t.Fatalf("a world-readable key file: %v", err)
	}
	os.Chmod(f, 0o600)
	os.Chmod(filepath.Dir(f), 0o755)
	if _, err := Lookup(id); err == nil {
		t.Fatal("a key file in an open directory was used")
	}
	if _, err := Arm(id, key); err == nil {
		t.Fatal("armed into an open directory")
	}
	os.Chmod(filepath.Dir(f), 0o700)
	if _, err := Arm("../../x", key); err == nil {
		t.Fatal("a vault id that is not hex was accepted")
	}
}

// BenchmarkLookup is what a hook call pays to find the armed key: a
// keyring search and read (or, with the fallback, an open, two stats and
// a read).
func BenchmarkLookup(b *testing.B) {
	for _, store := range []string{"keyring", "file"} {
		b.Run(store, func(b *testing.B) {
			useStore(b, store)
			id := hex.EncodeToString(bytes.Repeat([]byte{0xb}, 16))
			b.Cleanup(func() { Disarm(id) })
			if _, err := Arm(id, bytes.Repeat([]byte{1}, 128)); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := Lookup(id); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestFileFallbackWarnsOffTmpfs: a fallback key file in a runtime
// directory on a disk carries the warning that noxkey status prints; one
// on a tmpfs does not.
func TestFileFallbackWarnsOffTmpfs(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("tmpfs is detected on Linux only")
	}
	disk, err := os.MkdirTemp(".", "rt-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(disk) })
	cases := map[string]bool{}
	if onTmpfs(disk) {
		t.Log("the package directory is on a tmpfs: the disk case is not checked")
	} else {
		cases[disk] = true
	}
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() && onTmpfs("/dev/shm") {
		shm, err := os.MkdirTemp("/dev/shm", "noxkey-rt-")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(shm) })
		cases[shm] = false
	}
	if len(cases) == 0 {
		t.Skip("neither a disk nor a tmpfs directory to try")
	}
	id, _ := newID(t)
	for dir, warn := range cases {
		t.Setenv("XDG_RUNTIME_DIR", dir)
		w := fileWhere(id)
		if got := strings.Contains(w.String(), "not on a tmpfs"); got != warn {
			t.Errorf("%s: warned %v, want %v (%q)", dir, got, warn, w.String())
		}
	}
}
