package guard

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unsafe"
)

func writeIndex(t testing.TB, secrets ...Secret) string {
	t.Helper()
	return writeIndexIn(t, t.TempDir(), nil, secrets...)
}

// writeIndexIn builds secrets, with settings st stored, into dir/guard.idx
// and returns its path.
func writeIndexIn(t testing.TB, dir string, st *Settings, secrets ...Secret) string {
	t.Helper()
	ix, _, err := Build(secrets, testKey, Options{Settings: st})
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "guard.idx")
	if err := ix.WriteFile(p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestIndexFileRoundTrip(t *testing.T) {
	p := writeIndex(t, Secret{"acme/api/KEY", []byte(stripe)}, Secret{"acme/db/PASS", []byte("correct-horse-battery")})
	fi, _ := os.Stat(p)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("index mode %o, want 0600", fi.Mode().Perm())
	}
	ix, err := Load(p, testKeys)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	got := redactString(ix, "x "+stripe+" y correct-horse-battery z")
	if got != "x [REDACTED:acme/api/KEY] y [REDACTED:acme/db/PASS] z" {
		t.Errorf("loaded index: %q", got)
	}
}

// TestIndexHoldsNoSecretBytes: the file holds no value, and no run of 12
// or more bytes of any form of any secret.
func TestIndexHoldsNoSecretBytes(t *testing.T) {
	var secs []Secret
	for i := 0; i < 30; i++ {
		secs = append(secs, Secret{fmt.Sprintf("acme/s/K%d", i), []byte(fmt.Sprintf("sk_live_%02d_%s", i, "q8Zr3TmW9xYvB2nK5pLs7dFh"))})
	}
	secs = append(secs, Secret{"acme/s/SHORT", []byte("abcdef")})
	p := writeIndex(t, secs...)
	data, _ := os.ReadFile(p)
	for _, s := range secs {
		for _, f := range Forms(s.Value, 6) {
			n := min(12, len(f.Text))
			for i := 0; i+n <= len(f.Text); i++ {
				if bytes.Contains(data, f.Text[i:i+n]) {
					t.Fatalf("index holds %d bytes of %s form %s", n, s.Name, f.Kind)
				}
			}
		}
	}
}

func TestLoadRefusesBadFilesClearly(t *testing.T) {
	good := writeIndex(t, Secret{"acme/api/KEY", []byte(stripe)})
	data, _ := os.ReadFile(good)
	edited := func(edit func(d []byte)) func(p string) {
		return func(p string) {
			d := append([]byte(nil), data...)
			edit(d)
			os.WriteFile(p, d, 0o600)
		}
	}
	// Each case: how the file is broken, and what the error must say.
	cases := map[string]struct {
		breakIt func(p string)
		want    string
	}{
		"missing":        {func(p string) { os.Remove(p) }, "no index (noxkey init and noxkey set create it); run: noxkey guard rebuild"},
		"truncated":      {func(p string) { os.WriteFile(p, data[:len(data)/2], 0o600) }, "MAC mismatch: the index is corrupt, truncated, or was not built under this vault's armed key; run: noxkey guard rebuild"},
		"bit flip":       {edited(func(d []byte) { d[len(d)/2] ^= 1 }), "MAC mismatch: the index is corrupt, truncated, or was not built under this vault's armed key; run: noxkey guard rebuild"},
		"empty":          {func(p string) { os.WriteFile(p, nil, 0o600) }, "truncated (0 bytes); run: noxkey guard rebuild"},
		"not an index":   {func(p string) { os.WriteFile(p, bytes.Repeat([]byte("x"), 500), 0o600) }, "not a noxkey guard index; run: noxkey guard rebuild"},
		"world readable": {func(p string) { os.Chmod(p, 0o644) }, fmt.Sprintf("must be owned by you with mode 0600 (it is uid %d, mode 0644); fix: chmod 600", os.Geteuid())},
		"symlink": {func(p string) {
			os.Rename(p, p+".real")
			os.Symlink(p+".real", p)
		}, "open: too many levels of symbolic links; run: noxkey guard rebuild"},
		"newer version":  {edited(func(d []byte) { d[8] = 9 }), fmt.Sprintf("index version 9; this noxkey reads version %d; run: noxkey guard rebuild", fileVersion)},
		"version zero":   {edited(func(d []byte) { d[8] = 0 }), fmt.Sprintf("index version 0; this noxkey reads version %d", fileVersion)},
		"another format": {edited(func(d []byte) { d[7]++ }), "(written by another noxkey version); run: noxkey guard rebuild"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "guard.idx")
			os.WriteFile(p, data, 0o600)
			c.breakIt(p)
			ix, err := Load(p, testKeys)
			if err == nil || ix != nil || !errors.Is(err, ErrIndex) {
				t.Fatalf("Load accepted a %s index: %v", name, err)
			}
			if !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), p) {
				t.Errorf("error %q does not name the file and say %q", err, c.want)
			}
		})
	}
}

// TestFormRecLayout: the file's form records are read in place, so the
// struct must have exactly the file's layout.
func TestFormRecLayout(t *testing.T) {
	var f formRec
	if unsafe.Sizeof(f) != formRecSize || unsafe.Offsetof(f.length) != 4 || unsafe.Offsetof(f.tag) != 8 ||
		unsafe.Offsetof(f.kind) != 24 || unsafe.Offsetof(f.wrap) != 25 || unsafe.Offsetof(f.ext) != 28 {
		t.Fatalf("formRec layout changed: size %d", unsafe.Sizeof(f))
	}
}

// TestOpenUsesStoredSettingsAndWarnsWhenStale: the hook reads guard.toml's
// settings from the index; an edit after the build keeps them in force
// and asks for a rebuild.
func TestOpenUsesStoredSettingsAndWarnsWhenStale(t *testing.T) {
	dir := t.TempDir()
	st := &Settings{Placeholder: "<<%s>>", Fingerprint: Fingerprint(dir, nil)}
	p := writeIndexIn(t, dir, st, Secret{"acme/api/KEY", []byte(stripe)})
	g, err := Open(dir, p, testKeys)
	if err != nil || g.Warning != "" || g.Rules != nil {
		t.Fatalf("fresh: %v %q", err, g.Warning)
	}
	if out, _ := g.Redact([]byte("k=" + stripe)); string(out) != "k=<<acme/api/KEY>>" {
		t.Errorf("stored placeholder not used: %q", out)
	}
	os.WriteFile(filepath.Join(dir, "guard.toml"), []byte("min_length = 8\n"), 0o600)
	g, err = Open(dir, p, testKeys)
	if err != nil || !strings.Contains(g.Warning, "noxkey guard rebuild") {
		t.Fatalf("stale: %v %q", err, g.Warning)
	}
	if out, _ := g.Redact([]byte("k=" + stripe)); string(out) != "k=<<acme/api/KEY>>" {
		t.Errorf("stale settings must still protect: %q", out)
	}
}

// TestFindAfterCloseFindsNothing: Close drops every view into the mapping.
func TestFindAfterCloseFindsNothing(t *testing.T) {
	ix, err := Load(writeIndex(t, Secret{"acme/api/KEY", []byte(stripe)}), testKeys)
	if err != nil {
		t.Fatal(err)
	}
	if len(ix.Find([]byte(stripe))) != 1 {
		t.Fatal("loaded index does not find the secret")
	}
	ix.Close()
	if ms := ix.Find([]byte("x " + stripe)); len(ms) != 0 || len(ix.Names()) != 0 {
		t.Fatalf("after Close: %v %v", ms, ix.Names())
	}
}

// TestWordsAlignedOrNot: words reads little-endian words whether or not
// the bytes are aligned for a view in place.
func TestWordsAlignedOrNot(t *testing.T) {
	raw := make([]byte, 1+16)
	for i := range raw {
		raw[i] = byte(i)
	}
	for off := 0; off < 2; off++ {
		b := raw[off : off+16]
		w64 := words[uint64](b, 2)
		w32 := words[uint32](b, 4)
		if w64[0] != binary.LittleEndian.Uint64(b) || w64[1] != binary.LittleEndian.Uint64(b[8:]) {
			t.Errorf("offset %d: uint64s %x", off, w64)
		}
		for i := range w32 {
			if w32[i] != binary.LittleEndian.Uint32(b[4*i:]) {
				t.Errorf("offset %d: uint32 %d is %x", off, i, w32[i])
			}
		}
	}
	if words[uint64](nil, 0) != nil {
		t.Error("no words from nothing")
	}
}
