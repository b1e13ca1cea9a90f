package vault

import (
	"errors"
	"time"
)

// Secret is one stored value and its metadata. Value is owned by the
// caller once returned; call Wipe when done with it.
type Secret struct {
	Path        string
	Value       []byte
	Description string
	Created     time.Time
	Updated     time.Time
	// Origin is set for a secret synced from a team's remote (noxkey
	// sync); a Set without it makes the secret a local one.
	Origin *Origin
}

// Origin says where a synced secret came from: a remote (config.toml's
// name), the secret there (its path under the remote's path; one remote
// secret holds several fields, each a local secret) and its version.
type Origin struct {
	Remote  string    `json:"remote"`
	Key     string    `json:"key"`
	Version int       `json:"version"`
	Updated time.Time `json:"updated"` // when that version was written
}

// Wipe overwrites the value with zeros.
func (s *Secret) Wipe() { clear(s.Value) }

// Meta is what List returns: everything but the value.
type Meta struct {
	Path        string
	Description string
	Created     time.Time
	Updated     time.Time
	Length      int
	Parts       int     // pieces of a structured value the guard also matches (guard.Parts)
	Origin      *Origin `json:",omitempty"` // a synced secret's remote
}

// Store is implemented by every vault back-end.
type Store interface {
	// List returns the metadata of secrets whose path starts with prefix
	// (a whole segment prefix: "acme" matches "acme/api/KEY", not "acmecorp/..."),
	// sorted by path. An empty prefix lists everything.
	List(prefix string) ([]Meta, error)
	// Get returns one secret, or an error wrapping ErrNotFound.
	Get(path string) (*Secret, error)
	// All returns every secret with its value, sorted by path. Callers wipe them.
	All() ([]*Secret, error)
	// Set creates or replaces secrets in one write. Each Secret needs Path and
	// Value; Description is kept from the existing entry when empty.
	Set(secrets ...Secret) error
	// Delete removes the secrets at paths in one write, or none of them: a
	// path that is not there is an error wrapping ErrNotFound.
	Delete(paths ...string) error
	// IndexKey returns the per-vault random key of the guard's keyed hashes.
	IndexKey() ([]byte, error)
}

// Errors a caller can test with errors.Is. Messages wrapping them say what to do.
var (
	ErrNotFound        = errors.New("secret not found")
	ErrWrongPassphrase = errors.New("wrong passphrase or identity")
	ErrCorrupt         = errors.New("vault file is corrupt or truncated")
	ErrNewerFormat     = errors.New("vault was written by a newer noxkey")
	ErrUnsafe          = errors.New("vault file or directory is not private")
	ErrNoVault         = errors.New("no vault")
	ErrExists          = errors.New("vault already exists")
	ErrInvalidPath     = errors.New("invalid secret path")
	ErrInvalidValue    = errors.New("invalid secret value")
)
