package vault

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDocument: any decrypted content is parsed or refused, never a panic.
func FuzzDocument(f *testing.F) {
	f.Add([]byte(`{"format":"noxkey-vault","version":1,"index_key":"AAAAAAAAAAAAAAAAAAAAAA==","secrets":[]}`))
	f.Add([]byte(`{"format":"noxkey-vault","version":2}`))
	f.Add([]byte(`{"format":"noxkey-vault","version":1,"index_key":"AAAAAAAAAAAAAAAAAAAAAA==","secrets":[{"path":"a/B","value_base64":"/w=="}]}`))
	f.Add([]byte(`not json`))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := parseDocument(b)
		if err == nil && (d.Format != formatName || d.Version > FormatVersion) {
			t.Fatalf("accepted a document it should refuse: %q", b)
		}
	})
}

// FuzzVaultFile: a vault file of any bytes is reported, never a panic, and
// never overwritten by a write attempt.
func FuzzVaultFile(f *testing.F) {
	v, path := newVault(f)
	v.Set(Secret{Path: "a/KEY", Value: []byte("fuzz-seed-value")})
	good, _ := os.ReadFile(path)
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte("age-encryption.org/v1\n-> scrypt AAAA 10\n\n--- AAAA\n"))
	dir := f.TempDir()
	os.Chmod(dir, 0o700)
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(dir, "vault.age")
		os.WriteFile(p, b, 0o600)
		s := OpenFile(p, passUnlock(testPass, nil))
		if _, err := s.All(); err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrWrongPassphrase) && !errors.Is(err, ErrNewerFormat) {
				t.Fatalf("unexpected error class: %v", err)
			}
			s.Set(Secret{Path: "a/OTHER", Value: []byte("must-not-land")})
			after, _ := os.ReadFile(p)
			if !bytes.Equal(after, b) {
				t.Fatal("an unreadable vault was overwritten")
			}
		}
	})
}
