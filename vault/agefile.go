package vault

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"filippo.io/age"
	"golang.org/x/sys/unix"

	"github.com/noxkey/noxkey/internal/atomicfile"
)

// MaxFileSize bounds how much of a vault file is read.
const MaxFileSize = 256 << 20

// Unlocker returns the identities that decrypt a vault: a scrypt identity
// built from the passphrase, or those of an age identity file. File calls
// it at most once, and only when it must decrypt.
type Unlocker func() ([]age.Identity, error)

// File is the embedded default Store: one age-encrypted file.
type File struct {
	path   string
	unlock Unlocker

	header  []byte // the age header the cached file key belongs to
	fileKey []byte
	now     func() time.Time
}

// OpenFile returns a Store for the vault at path. Nothing is read or
// decrypted until the first operation.
func OpenFile(path string, unlock Unlocker) *File {
	return &File{path: path, unlock: unlock, now: time.Now}
}

// Path returns the vault file's path.
func (f *File) Path() string { return f.path }

// Create writes a new, empty vault encrypted to recipients and returns its
// index key (see File.IndexKey), so the caller can build the guard's empty
// index without decrypting what it just wrote. It refuses to replace an
// existing file. The directory is created 0700 if missing.
func Create(path string, recipients ...age.Recipient) ([]byte, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("vault: create directory %s: %w", dir, err)
	}
	if err := checkPrivate(dir, true); err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	unlock, err := lockFile(path, true)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if _, err := os.Lstat(path); err == nil {
		return nil, fmt.Errorf("vault: %s: %w; nothing was changed. Use it as it is, or move it away first to start over", path, ErrExists)
	}
	doc := newDocument()
	plain, err := doc.marshal()
	if err != nil {
		return nil, fmt.Errorf("vault: encode: %w", err)
	}
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, recipients...)
	if err != nil {
		return nil, fmt.Errorf("vault: encrypt: %w", err)
	}
	if _, err := w.Write(plain); err != nil {
		return nil, fmt.Errorf("vault: encrypt: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("vault: encrypt: %w", err)
	}
	if err := writeAtomic(path, buf.Bytes(), false); err != nil {
		return nil, err
	}
	return append([]byte(nil), doc.IndexKey...), nil
}

// List implements Store.
func (f *File) List(prefix string) ([]Meta, error) {
	doc, err := f.view()
	if err != nil {
		return nil, err
	}
	defer doc.wipe()
	var out []Meta
	for i := range doc.Secrets {
		if HasPrefix(doc.Secrets[i].Path, prefix) {
			out = append(out, doc.Secrets[i].meta())
		}
	}
	return out, nil
}

// Get implements Store.
func (f *File) Get(path string) (*Secret, error) {
	doc, err := f.view()
	if err != nil {
		return nil, err
	}
	defer doc.wipe()
	i := doc.find(path)
	if i < 0 {
		return nil, fmt.Errorf("vault: %s: %w; see the stored names with: noxkey ls", path, ErrNotFound)
	}
	return doc.Secrets[i].secret(), nil
}

// All implements Store.
func (f *File) All() ([]*Secret, error) {
	doc, err := f.view()
	if err != nil {
		return nil, err
	}
	defer doc.wipe()
	out := make([]*Secret, len(doc.Secrets))
	for i := range doc.Secrets {
		out[i] = doc.Secrets[i].secret()
	}
	return out, nil
}

// IndexKey returns the per-vault random key of the guard's keyed hashes.
func (f *File) IndexKey() ([]byte, error) {
	doc, err := f.view()
	if err != nil {
		return nil, err
	}
	defer doc.wipe()
	return append([]byte(nil), doc.IndexKey...), nil
}

// Set implements Store.
func (f *File) Set(secrets ...Secret) error { return f.Apply(secrets, nil) }

// Delete implements Store.
func (f *File) Delete(paths ...string) error { return f.Apply(nil, paths) }

// Apply sets secrets and removes the secrets at remove in one write, or
// does nothing (a path to remove that is not there is an error wrapping
// ErrNotFound): what a sync changes, all at once.
func (f *File) Apply(secrets []Secret, remove []string) error {
	for _, s := range secrets {
		if err := ValidatePath(s.Path); err != nil {
			return err
		}
		if err := CheckValue(s.Value); err != nil {
			return fmt.Errorf("%s: %w", s.Path, err)
		}
	}
	return f.update(func(doc *document) error {
		now := f.now().UTC()
		for _, s := range secrets {
			i := doc.find(s.Path)
			if i < 0 {
				doc.Secrets = append(doc.Secrets, entry{Path: s.Path, Created: now})
				i = len(doc.Secrets) - 1
			}
			e := &doc.Secrets[i]
			e.replaceValue(s.Value, now)
			e.Updated = now
			if s.Description != "" {
				e.Description = s.Description
			}
			e.Origin = s.Origin
		}
		for _, path := range remove {
			i := doc.find(path)
			if i < 0 {
				return fmt.Errorf("vault: %s: %w; nothing was changed", path, ErrNotFound)
			}
			doc.Secrets[i].wipe()
			doc.Secrets = append(doc.Secrets[:i], doc.Secrets[i+1:]...)
		}
		return nil
	})
}

func (f *File) view() (*document, error) {
	unlock, err := lockFile(f.path, false)
	if err != nil {
		return nil, err
	}
	defer unlock()
	return f.read()
}

func (f *File) update(fn func(*document) error) error {
	unlock, err := lockFile(f.path, true)
	if err != nil {
		return err
	}
	defer unlock()
	removeStaleTemps(f.path)
	doc, err := f.read()
	if err != nil {
		return err
	}
	defer doc.wipe()
	if err := fn(doc); err != nil {
		return err
	}
	doc.setVersion()
	plain, err := doc.marshal()
	if err != nil {
		return fmt.Errorf("vault: encode: %w", err)
	}
	defer clear(plain)
	payload, err := sealPayload(f.fileKey, plain)
	if err != nil {
		return fmt.Errorf("vault: encrypt: %w", err)
	}
	return writeAtomic(f.path, append(append([]byte(nil), f.header...), payload...), true)
}

// read decrypts the vault; the caller holds the lock.
func (f *File) read() (*document, error) {
	dir := filepath.Dir(f.path)
	if err := checkPrivate(dir, true); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("vault: %s: %w; create one with: noxkey init", f.path, ErrNoVault)
		}
		return nil, fmt.Errorf("vault: %w", err)
	}
	if err := checkPrivate(f.path, false); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("vault: %s: %w; create one with: noxkey init", f.path, ErrNoVault)
		}
		return nil, fmt.Errorf("vault: %w", err)
	}
	fd, err := os.OpenFile(f.path, os.O_RDONLY|unix.O_NOFOLLOW, 0)
	if err != nil {
		return nil, fmt.Errorf("vault: open %s: %w", f.path, err)
	}
	data, err := io.ReadAll(io.LimitReader(fd, MaxFileSize+1))
	fd.Close()
	if err != nil {
		return nil, fmt.Errorf("vault: read %s: %w", f.path, err)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("vault: %s: %w: larger than %d bytes", f.path, ErrCorrupt, MaxFileSize)
	}
	corrupt := func(why error) error {
		return fmt.Errorf("vault: %s: %w (%v). Nothing was changed. The previous version is %s.bak: check it with noxkey ls --vault %s.bak, then restore it with cp",
			f.path, ErrCorrupt, why, f.path, f.path)
	}
	hdr, err := age.ExtractHeader(bytes.NewReader(data))
	if err != nil {
		return nil, corrupt(err)
	}
	if !bytes.Equal(hdr, f.header) {
		ids, err := f.unlock()
		if err != nil {
			return nil, err
		}
		key, err := age.DecryptHeader(hdr, ids...)
		if err != nil {
			var nomatch *age.NoIdentityMatchError
			if errors.As(err, &nomatch) || errors.Is(err, age.ErrIncorrectIdentity) {
				return nil, fmt.Errorf("vault: %s: %w: the vault did not open with it; try again (passphrase from a file: check NOXKEY_PASSPHRASE_FILE)", f.path, ErrWrongPassphrase)
			}
			return nil, corrupt(err)
		}
		clear(f.fileKey)
		f.header, f.fileKey = hdr, key
	}
	plain, err := openPayload(f.fileKey, data[len(hdr):])
	if err != nil {
		return nil, corrupt(err)
	}
	defer clear(plain)
	doc, err := parseDocument(plain)
	if err != nil {
		if errors.Is(err, ErrNewerFormat) {
			return nil, fmt.Errorf("vault: %s: %w", f.path, err)
		}
		return nil, corrupt(err)
	}
	sort.Slice(doc.Secrets, func(i, j int) bool { return doc.Secrets[i].Path < doc.Secrets[j].Path })
	return doc, nil
}

// writeAtomic replaces path with data (internal/atomicfile, fsynced, and
// the directory after the rename), the old file first hard-linked to
// path.bak when keepBackup. At every instant path is either the old or
// the new complete file.
func writeAtomic(path string, data []byte, keepBackup bool) error {
	opt := atomicfile.Options{Sync: true}
	if keepBackup {
		opt.BeforeRename = func() error { return backup(path) }
	}
	if err := atomicfile.Write(path, data, opt); err != nil {
		return fmt.Errorf("vault: %w", err)
	}
	return nil
}

// removeStaleTemps deletes temp files a killed writer left behind. Only a
// writer holding the exclusive lock creates them, so under it every one is stale.
func removeStaleTemps(path string) {
	stale, _ := filepath.Glob(filepath.Join(filepath.Dir(path), atomicfile.TempPattern(path)))
	for _, s := range stale {
		os.Remove(s)
	}
}

// backup makes path.bak the current content of path, atomically.
func backup(path string) error {
	bakTmp := path + ".bak.tmp"
	os.Remove(bakTmp)
	if err := os.Link(path, bakTmp); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("vault: keep previous version: %w", err)
	}
	if err := os.Rename(bakTmp, path+".bak"); err != nil {
		return fmt.Errorf("vault: keep previous version: %w", err)
	}
	return nil
}

// Forget wipes the cached file key: the next read asks the Unlocker again.
func (f *File) Forget() {
	clear(f.fileKey)
	f.fileKey, f.header = nil, nil
}
