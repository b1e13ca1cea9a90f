package daemon

import (
	"errors"
	"time"

	"github.com/noxkey/noxkey/vault"
)

// ErrLocked is Metas' and Apply's answer while the vault is locked.
var ErrLocked = errors.New("daemon: the vault is locked")

// Metas returns the metadata of the unlocked vault's secrets under
// prefix (no values), for a sync to compare with its remote. A sync plans
// without holding the vault, so requests are served meanwhile.
func (s *Server) Metas(prefix string) ([]vault.Meta, error) {
	st := &s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	if !st.unlocked() {
		return nil, ErrLocked
	}
	if err := st.reload(); err != nil {
		return nil, err
	}
	var out []vault.Meta
	for _, m := range st.metas {
		if vault.HasPrefix(m.Path, prefix) {
			out = append(out, m)
		}
	}
	return out, nil
}

// Apply writes a sync's changes into the unlocked vault in one write,
// rebuilds the guard index (AfterWrite) and logs the paths as the
// daemon's own "sync".
func (s *Server) Apply(set []vault.Secret, remove []string) error {
	st := &s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	if !st.unlocked() {
		return ErrLocked
	}
	if err := st.file.Apply(set, remove); err != nil {
		return err
	}
	var paths []string
	for _, x := range set {
		paths = append(paths, x.Path)
	}
	paths = append(paths, remove...)
	if err := s.audit.write(Entry{Time: time.Now().UTC(), Op: "sync", Paths: paths, Result: "ok", Caller: "daemon"}); err != nil {
		s.cfg.Log.Warn().Err(err).Msg("audit log")
	}
	if s.cfg.AfterWrite != nil {
		if err := s.cfg.AfterWrite(st.file); err != nil {
			return err
		}
	}
	return st.reload()
}
