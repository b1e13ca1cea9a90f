package vault

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"filippo.io/age"
)

const bundleFormat = "noxkey-bundle"

// bundleVersion is the bundle format this build writes and the newest it
// reads; bundles carry no history.
const bundleVersion = 1

// bundle is the decrypted content of a portable bundle file.
type bundle struct {
	Format  string  `json:"format"`
	Version int     `json:"version"`
	Secrets []entry `json:"secrets"`
}

// IsBundle reports whether data looks like an age file (a bundle), as
// opposed to dotenv text.
func IsBundle(data []byte) bool {
	return bytes.HasPrefix(data, []byte("age-encryption.org/v1\n"))
}

// WriteBundle writes secrets to w as an age file encrypted to recipients,
// which ReadBundle (and `noxkey import`) reads back.
func WriteBundle(w io.Writer, secrets []*Secret, recipients ...age.Recipient) error {
	b := bundle{Format: bundleFormat, Version: bundleVersion}
	for _, s := range secrets {
		e := entry{Path: s.Path, Description: s.Description, Created: s.Created, Updated: s.Updated}
		e.setValue(s.Value)
		b.Secrets = append(b.Secrets, e)
	}
	plain, err := json.Marshal(b)
	if err != nil {
		return fmt.Errorf("bundle: encode: %w", err)
	}
	defer clear(plain)
	enc, err := age.Encrypt(w, recipients...)
	if err != nil {
		return fmt.Errorf("bundle: encrypt: %w", err)
	}
	if _, err := enc.Write(plain); err != nil {
		return fmt.Errorf("bundle: write: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("bundle: write: %w", err)
	}
	return nil
}

// ReadBundle decrypts a bundle and returns its secrets, validated.
func ReadBundle(data []byte, identities ...age.Identity) ([]Secret, error) {
	r, err := age.Decrypt(bytes.NewReader(data), identities...)
	if err != nil {
		if _, ok := err.(*age.NoIdentityMatchError); ok {
			return nil, fmt.Errorf("bundle: %w: the bundle did not open with it", ErrWrongPassphrase)
		}
		return nil, fmt.Errorf("bundle: %w (%v)", ErrCorrupt, err)
	}
	plain, err := io.ReadAll(r)
	defer clear(plain)
	if err != nil {
		return nil, fmt.Errorf("bundle: %w (%v)", ErrCorrupt, err)
	}
	var b bundle
	if err := json.Unmarshal(plain, &b); err != nil || b.Format != bundleFormat {
		return nil, fmt.Errorf("bundle: %w: not a noxkey bundle", ErrCorrupt)
	}
	if b.Version > bundleVersion {
		return nil, fmt.Errorf("bundle: %w (format version %d): upgrade noxkey", ErrNewerFormat, b.Version)
	}
	out := make([]Secret, 0, len(b.Secrets))
	for i := range b.Secrets {
		s := b.Secrets[i].secret()
		if err := ValidatePath(s.Path); err != nil {
			return nil, fmt.Errorf("bundle: %w", err)
		}
		if err := CheckValue(s.Value); err != nil {
			return nil, fmt.Errorf("bundle: %s: %w", s.Path, err)
		}
		out = append(out, *s)
	}
	return out, nil
}
