package vault

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
)

const testPass = "correct horse battery staple"

// newVault creates a passphrase vault with a low scrypt work factor.
func newVault(t testing.TB) (*File, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "home")
	path := filepath.Join(dir, "vault.age")
	r, err := PassphraseRecipient([]byte(testPass), 10)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Create(path, r); err != nil {
		t.Fatal(err)
	}
	return OpenFile(path, passUnlock(testPass, nil)), path
}

func passUnlock(pass string, calls *int) Unlocker {
	return func() ([]age.Identity, error) {
		if calls != nil {
			*calls++
		}
		id, err := PassphraseIdentity([]byte(pass))
		return []age.Identity{id}, err
	}
}

func awkwardValues() map[string][]byte {
	big := bytes.Repeat([]byte("0123456789abcdef\n'\"$\\"), 64<<10/21+1)[:64<<10]
	return map[string][]byte{
		"acme/api/SINGLE_QUOTE": []byte(`it's 'quoted'`),
		"acme/api/DOUBLE_QUOTE": []byte(`say "hi" \"there\"`),
		"acme/api/DOLLAR":       []byte(`$HOME ${PATH} $(id) ` + "`id`"),
		"acme/api/BACKSLASH":    []byte(`C:\path\to\n\t\\`),
		"acme/api/NEWLINE":      []byte("line1\nline2\r\nline3\n"),
		"acme/api/TAB":          []byte("a\tb\t"),
		"acme/api/UNICODE":      []byte("pässwörd-🔑-日本語"),
		"acme/api/NOT_UTF8":     {0xff, 0xfe, 'a', 0x80, 0x01},
		"acme/api/BIG_64K":      big,
		"acme/api/SPACES":       []byte("  leading and trailing  "),
	}
}

func TestRoundTripAwkwardValues(t *testing.T) {
	v, _ := newVault(t)
	vals := awkwardValues()
	var batch []Secret
	for p, val := range vals {
		batch = append(batch, Secret{Path: p, Value: val, Description: "desc of " + p})
	}
	if err := v.Set(batch...); err != nil {
		t.Fatal(err)
	}
	// A fresh Store re-derives from the file: nothing is served from memory.
	fresh := OpenFile(v.Path(), passUnlock(testPass, nil))
	for p, want := range vals {
		s, err := fresh.Get(p)
		if err != nil {
			t.Fatalf("get %s: %v", p, err)
		}
		if !bytes.Equal(s.Value, want) {
			t.Errorf("%s: value differs after round trip (len %d, want %d)", p, len(s.Value), len(want))
		}
		if s.Description != "desc of "+p || s.Created.IsZero() || s.Updated.IsZero() {
			t.Errorf("%s: metadata lost: %+v", p, s.Meta())
		}
	}
}

func (s *Secret) Meta() Meta {
	return Meta{Path: s.Path, Description: s.Description, Created: s.Created, Updated: s.Updated, Length: len(s.Value)}
}

func TestStockAgeDecryptsEveryPayloadSize(t *testing.T) {
	// sealPayload is the one part of the age format written here; age.Decrypt
	// must read it at every chunk boundary.
	key := make([]byte, 16)
	for i := range key {
		key[i] = byte(i)
	}
	for _, n := range []int{1, 100, 64<<10 - 1, 64 << 10, 64<<10 + 1, 128 << 10, 200 << 10} {
		plain := bytes.Repeat([]byte{'x'}, n)
		r, err := PassphraseRecipient([]byte("p"), 2)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		w, _ := age.Encrypt(&buf, r)
		w.Write([]byte("seed"))
		w.Close()
		hdr, err := age.ExtractHeader(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		id, _ := PassphraseIdentity([]byte("p"))
		fileKey, err := age.DecryptHeader(hdr, id)
		if err != nil {
			t.Fatal(err)
		}
		payload, err := sealPayload(fileKey, plain)
		if err != nil {
			t.Fatal(err)
		}
		out, err := age.Decrypt(bytes.NewReader(append(hdr, payload...)), id)
		if err != nil {
			t.Fatalf("size %d: %v", n, err)
		}
		got, err := io.ReadAll(out)
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("size %d: decrypt mismatch (err %v, got %d bytes)", n, err, len(got))
		}
	}
}

func TestOneDerivationPerStore(t *testing.T) {
	v, path := newVault(t)
	calls := 0
	s := OpenFile(path, passUnlock(testPass, &calls))
	for i := 0; i < 20; i++ {
		if err := s.Set(Secret{Path: fmt.Sprintf("acme/api/K%d", i), Value: []byte("value-value-value")}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.List(""); err != nil {
		t.Fatal(err)
	}
	if calls != 1 {
		t.Fatalf("unlock called %d times, want 1", calls)
	}
	_ = v
}

func TestBackupKeepsPreviousVersion(t *testing.T) {
	v, path := newVault(t)
	v.Set(Secret{Path: "a/ONE", Value: []byte("first-value")})
	v.Set(Secret{Path: "a/TWO", Value: []byte("second-value")})
	bak := OpenFile(path+".bak", passUnlock(testPass, nil))
	ms, err := bak.List("")
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 || ms[0].Path != "a/ONE" {
		t.Fatalf("backup holds %v, want only a/ONE", ms)
	}
	for _, f := range []string{path, path + ".bak", path + ".lock"} {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %o, want 0600", f, fi.Mode().Perm())
		}
	}
	fi, _ := os.Stat(filepath.Dir(path))
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("dir has mode %o, want 0700", fi.Mode().Perm())
	}
}

// snapshot returns the names and contents of every file in dir.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		fi, _ := e.Info()
		out[e.Name()] = fmt.Sprintf("%o:%x", fi.Mode().Perm(), b)
	}
	return out
}

func TestErrorsSayWhatToDoAndChangeNothing(t *testing.T) {
	tests := []struct {
		name    string
		break_  func(t *testing.T, path string)
		pass    string
		wantErr error
		wantMsg string
	}{
		{"wrong passphrase", func(*testing.T, string) {}, "wrong", ErrWrongPassphrase, "try again"},
		{"truncated", func(t *testing.T, p string) {
			b, _ := os.ReadFile(p)
			os.WriteFile(p, b[:len(b)-10], 0o600)
		}, testPass, ErrCorrupt, ".bak"},
		{"corrupt byte", func(t *testing.T, p string) {
			b, _ := os.ReadFile(p)
			b[len(b)-5] ^= 0x40
			os.WriteFile(p, b, 0o600)
		}, testPass, ErrCorrupt, "Nothing was changed"},
		{"not age", func(t *testing.T, p string) { os.WriteFile(p, []byte("hello"), 0o600) }, testPass, ErrCorrupt, "corrupt"},
		{"newer format", func(t *testing.T, p string) {
			rewrite(t, p, func(d *document) { d.Version = FormatVersion + 1 })
		}, testPass, ErrNewerFormat, "upgrade noxkey"},
		{"group readable", func(t *testing.T, p string) { os.Chmod(p, 0o640) }, testPass, ErrUnsafe, "chmod 600"},
		{"dir world readable", func(t *testing.T, p string) { os.Chmod(filepath.Dir(p), 0o755) }, testPass, ErrUnsafe, "chmod 700"},
		{"symlink", func(t *testing.T, p string) {
			os.Rename(p, p+".real")
			os.Symlink(p+".real", p)
		}, testPass, ErrUnsafe, "symbolic link"},
		{"other owner", func(t *testing.T, p string) {
			if os.Geteuid() != 0 {
				t.Skip("needs root to chown")
			}
			if err := os.Chown(p, 65534, 65534); err != nil {
				t.Fatal(err)
			}
		}, testPass, ErrUnsafe, "not by you"},
		{"missing", func(t *testing.T, p string) { os.Remove(p) }, testPass, ErrNoVault, "noxkey init"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, path := newVault(t)
			if err := v.Set(Secret{Path: "acme/api/KEY", Value: []byte("sk_test_4eC39HqLyjWDarjtT1zdp7dc")}); err != nil {
				t.Fatal(err)
			}
			tc.break_(t, path)
			before := snapshot(t, filepath.Dir(path))
			s := OpenFile(path, passUnlock(tc.pass, nil))
			_, errGet := s.Get("acme/api/KEY")
			errSet := s.Set(Secret{Path: "acme/api/OTHER", Value: []byte("another-value")})
			for _, err := range []error{errGet, errSet} {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("got %v, want %v", err, tc.wantErr)
				}
				if !strings.Contains(err.Error(), tc.wantMsg) {
					t.Errorf("message %q does not say %q", err, tc.wantMsg)
				}
				if strings.Contains(err.Error(), "sk_test_") {
					t.Errorf("error leaks the value: %v", err)
				}
			}
			after := snapshot(t, filepath.Dir(path))
			delete(after, "vault.age.lock")
			delete(before, "vault.age.lock")
			if fmt.Sprint(before) != fmt.Sprint(after) {
				t.Errorf("files changed after a refused operation")
			}
		})
	}
}

// rewrite re-encrypts the vault after changing its document.
func rewrite(t *testing.T, path string, change func(*document)) {
	s := OpenFile(path, passUnlock(testPass, nil))
	doc, err := s.read()
	if err != nil {
		t.Fatal(err)
	}
	change(doc)
	plain, _ := doc.marshal()
	payload, _ := sealPayload(s.fileKey, plain)
	os.WriteFile(path, append(s.header, payload...), 0o600)
}

func TestCreateRefusesExisting(t *testing.T) {
	_, path := newVault(t)
	r, _ := PassphraseRecipient([]byte("x"), 2)
	before, _ := os.ReadFile(path)
	if _, err := Create(path, r); !errors.Is(err, ErrExists) {
		t.Fatalf("got %v, want ErrExists", err)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Fatal("existing vault was changed")
	}
}

func TestSetRefusesBadInput(t *testing.T) {
	v, _ := newVault(t)
	for _, tc := range []struct {
		s    Secret
		want error
	}{
		{Secret{Path: "NOSEGMENT", Value: []byte("value")}, ErrInvalidPath},
		{Secret{Path: "Acme/KEY", Value: []byte("value")}, ErrInvalidPath},
		{Secret{Path: "acme/1KEY", Value: []byte("value")}, ErrInvalidPath},
		{Secret{Path: "acme/../KEY", Value: []byte("value")}, ErrInvalidPath},
		{Secret{Path: "acme/KEY", Value: []byte("nul\x00byte")}, ErrInvalidValue},
		{Secret{Path: "acme/KEY", Value: nil}, ErrInvalidValue},
	} {
		err := v.Set(tc.s)
		if !errors.Is(err, tc.want) {
			t.Errorf("%q: got %v, want %v", tc.s.Path, err, tc.want)
		}
		if errors.Is(err, ErrInvalidPath) && !strings.Contains(err.Error(), "acme/api/STRIPE_KEY") {
			t.Errorf("path error lacks the rule and an example: %v", err)
		}
	}
}

func TestPathRules(t *testing.T) {
	for p, ok := range map[string]bool{
		"acme/api/STRIPE_KEY":         true,
		"shared/CLOUDFLARE_API_TOKEN": true,
		"a.b-c_d/x/_private9":         true,
		"STRIPE_KEY":                  false,
		"acme//KEY":                   false,
		"acme/KEY-1":                  false,
		"ACME/KEY":                    false,
		"acme/api/":                   false,
		"/acme/KEY":                   false,
	} {
		if err := ValidatePath(p); (err == nil) != ok {
			t.Errorf("%q: ok=%v, err=%v", p, ok, err)
		}
	}
	if !HasPrefix("acme/api/K", "acme") || HasPrefix("acmecorp/api/K", "acme") || !HasPrefix("acme/api/K", "acme/api/") {
		t.Error("HasPrefix must match whole segments")
	}
}

func TestDeleteAndList(t *testing.T) {
	v, _ := newVault(t)
	v.Set(Secret{Path: "acme/api/A", Value: []byte("aaaaaaa")}, Secret{Path: "acme/web/B", Value: []byte("bbbbbbb")}, Secret{Path: "other/C", Value: []byte("ccccccc")})
	ms, _ := v.List("acme")
	if len(ms) != 2 || ms[0].Path != "acme/api/A" || ms[1].Path != "acme/web/B" {
		t.Fatalf("List(acme) = %v", ms)
	}
	if err := v.Delete("acme/api/A"); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Get("acme/api/A"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
	if err := v.Delete("acme/api/A"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
}

func TestIdentityFileVault(t *testing.T) {
	id, _ := age.GenerateX25519Identity()
	dir := t.TempDir()
	idPath := filepath.Join(dir, "key.txt")
	os.WriteFile(idPath, []byte("# test key\n"+id.String()+"\n"), 0o600)
	ids, rcpts, err := ReadIdentityFile(idPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "v", "vault.age")
	if _, err := Create(path, rcpts...); err != nil {
		t.Fatal(err)
	}
	s := OpenFile(path, func() ([]age.Identity, error) { return ids, nil })
	if err := s.Set(Secret{Path: "a/K", Value: []byte("identity-protected")}); err != nil {
		t.Fatal(err)
	}
	got, err := OpenFile(path, func() ([]age.Identity, error) { return ids, nil }).Get("a/K")
	if err != nil || string(got.Value) != "identity-protected" {
		t.Fatalf("got %v %v", got, err)
	}
	other, _ := age.GenerateX25519Identity()
	_, err = OpenFile(path, func() ([]age.Identity, error) { return []age.Identity{other}, nil }).Get("a/K")
	if !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("wrong identity: %v", err)
	}
}
