package vault

import (
	"fmt"
	"time"
	"unicode/utf8"
)

// Version describes one value a secret has held, never the value itself.
type Version struct {
	N        int       `json:"n"`                 // 0: the current value; 1: the one it replaced; ...
	Set      time.Time `json:"set"`               // when it became the value
	Replaced time.Time `json:"replaced,omitzero"` // when it stopped being the value; zero for N 0
	Length   int       `json:"length"`            // in characters (bytes when not UTF-8)
	MAC      string    `json:"mac"`               // the keyed checksum Peek shows, to tell versions apart
}

// Historian is a Store that keeps the values a secret replaced (the file
// vault; the Keychain keeps none).
type Historian interface {
	// History lists the secret's current value and the ones it replaced,
	// newest first.
	History(path string) ([]Version, error)
	// Restore makes version n (from History) the value again; the value
	// it replaces joins the history, so nothing is lost.
	Restore(path string, n int) error
	// Previous returns every replaced value, each under its secret's path,
	// for the guard to keep redacting a rotated value. Callers wipe them.
	Previous() ([]*Secret, error)
}

// History implements Historian.
func (f *File) History(path string) ([]Version, error) {
	doc, err := f.view()
	if err != nil {
		return nil, err
	}
	defer doc.wipe()
	i := doc.find(path)
	if i < 0 {
		return nil, fmt.Errorf("vault: %s: %w; see the stored names with: noxkey ls", path, ErrNotFound)
	}
	e := &doc.Secrets[i]
	cur := e.value()
	defer clear(cur)
	out := []Version{{N: 0, Set: e.Updated, Length: length(cur), MAC: peekMAC(cur, doc.IndexKey)}}
	for j := range e.History {
		h := &e.History[j]
		v := h.value()
		out = append(out, Version{N: j + 1, Set: h.Set, Replaced: h.Replaced, Length: length(v), MAC: peekMAC(v, doc.IndexKey)})
		clear(v)
	}
	return out, nil
}

// Restore implements Historian.
func (f *File) Restore(path string, n int) error {
	return f.update(func(doc *document) error {
		i := doc.find(path)
		if i < 0 {
			return fmt.Errorf("vault: %s: %w; nothing was changed", path, ErrNotFound)
		}
		e := &doc.Secrets[i]
		if n < 1 || n > len(e.History) {
			return fmt.Errorf("vault: %s has no version %d (it has 1 to %d); see them with: noxkey history %s; nothing was changed", path, n, len(e.History), path)
		}
		v := e.History[n-1].value()
		defer clear(v)
		now := f.now().UTC()
		e.replaceValue(v, now)
		e.Updated = now
		return nil
	})
}

// Previous implements Historian.
func (f *File) Previous() ([]*Secret, error) {
	doc, err := f.view()
	if err != nil {
		return nil, err
	}
	defer doc.wipe()
	var out []*Secret
	for i := range doc.Secrets {
		for j := range doc.Secrets[i].History {
			out = append(out, &Secret{Path: doc.Secrets[i].Path, Value: doc.Secrets[i].History[j].value()})
		}
	}
	return out, nil
}

// length counts characters, or bytes when v is not UTF-8 (as Peek does).
func length(v []byte) int {
	if utf8.Valid(v) {
		return utf8.RuneCount(v)
	}
	return len(v)
}
