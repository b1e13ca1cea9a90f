package vault

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/noxkey/noxkey/guard/parts"
)

// FormatVersion is the newest version of the decrypted vault document
// this build reads. Version 2 added "history" and "origin"; a vault with
// neither is still written as version 1, so older builds keep reading it,
// and one with either is version 2, so they refuse it instead of dropping
// them.
const FormatVersion = 2

// historyVersion is the first format version with history and origins.
const historyVersion = 2

const formatName = "noxkey-vault"

// document is the decrypted content of a vault file: JSON, so that
// `age -d vault.age | jq` is a complete recovery path.
type document struct {
	Format   string  `json:"format"`
	Version  int     `json:"version"`
	IndexKey []byte  `json:"index_key"`
	Secrets  []entry `json:"secrets"`
}

// entry holds a value as a JSON string when it is valid UTF-8, and as
// base64 otherwise, so any byte string round-trips exactly.
type entry struct {
	Path        string    `json:"path"`
	Value       text      `json:"value,omitempty"`
	ValueBase64 []byte    `json:"value_base64,omitempty"`
	Description string    `json:"description,omitempty"`
	Created     time.Time `json:"created"`
	Updated     time.Time `json:"updated"`
	// History holds the values this one replaced, newest first, at most
	// keepHistory of them.
	History []previous `json:"history,omitempty"`
	// Origin is a synced secret's remote and version.
	Origin *Origin `json:"origin,omitempty"`
}

// previous is a value an entry held from Set until Replaced.
type previous struct {
	Value       text      `json:"value,omitempty"`
	ValueBase64 []byte    `json:"value_base64,omitempty"`
	Set         time.Time `json:"set"`
	Replaced    time.Time `json:"replaced"`
}

// keepHistory is how many replaced values an entry keeps.
const keepHistory = 10

func newDocument() *document {
	key := make([]byte, 32)
	rand.Read(key)
	return &document{Format: formatName, Version: 1, IndexKey: key}
}

func parseDocument(b []byte) (*document, error) {
	var probe struct {
		Format  string `json:"format"`
		Version int    `json:"version"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		return nil, fmt.Errorf("%w: the decrypted content is not a noxkey document (%v)", ErrCorrupt, err)
	}
	if probe.Format != formatName {
		return nil, fmt.Errorf("%w: the decrypted content is not a noxkey document (format %q)", ErrCorrupt, probe.Format)
	}
	if probe.Version > FormatVersion {
		return nil, fmt.Errorf("%w (format version %d; this build reads up to %d): upgrade noxkey; nothing was changed",
			ErrNewerFormat, probe.Version, FormatVersion)
	}
	if probe.Version < 1 {
		return nil, fmt.Errorf("%w: format version %d is not valid", ErrCorrupt, probe.Version)
	}
	d := new(document)
	if err := json.Unmarshal(b, d); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if len(d.IndexKey) < 16 {
		return nil, fmt.Errorf("%w: index key missing", ErrCorrupt)
	}
	return d, nil
}

// marshal encodes the document as json.MarshalIndent(d, "", "  ") would
// (TestMarshalIsMarshalIndent), into one buffer sized for the worst case:
// encoding/json's buffers are pooled and never wiped, so every write would
// leave copies of every value in memory.
func (d *document) marshal() ([]byte, error) {
	sort.Slice(d.Secrets, func(i, j int) bool { return d.Secrets[i].Path < d.Secrets[j].Path })
	size := 256 + 2*len(d.IndexKey)
	for i := range d.Secrets {
		e := &d.Secrets[i]
		size += 256 + 6*len(e.Path) + 6*len(e.Description) + 6*len(e.Value) + 2*len(e.ValueBase64)
		for _, h := range e.History {
			size += 256 + 6*len(h.Value) + 2*len(h.ValueBase64)
		}
	}
	b := make([]byte, 0, size)
	str := func(b []byte, s string) []byte {
		q, _ := json.Marshal(s) // paths, descriptions: not values
		return append(b, q...)
	}
	tm := func(b []byte, t time.Time) ([]byte, error) {
		q, err := t.MarshalJSON()
		return append(b, q...), err
	}
	b = append(b, "{\n  \"format\": "...)
	b = str(b, d.Format)
	b = append(b, ",\n  \"version\": "...)
	b = strconv.AppendInt(b, int64(d.Version), 10)
	b = append(b, ",\n  \"index_key\": "...)
	if d.IndexKey == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '"')
		b = base64.StdEncoding.AppendEncode(b, d.IndexKey)
		b = append(b, '"')
	}
	b = append(b, ",\n  \"secrets\": "...)
	if d.Secrets == nil {
		b = append(b, "null"...)
	} else if len(d.Secrets) == 0 {
		b = append(b, "[]"...)
	} else {
		b = append(b, '[')
		for i := range d.Secrets {
			e := &d.Secrets[i]
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, "\n    {\n      \"path\": "...)
			b = str(b, e.Path)
			if len(e.Value) > 0 {
				b = append(b, ",\n      \"value\": "...)
				b = e.Value.appendJSON(b)
			}
			if len(e.ValueBase64) > 0 {
				b = append(b, ",\n      \"value_base64\": \""...)
				b = base64.StdEncoding.AppendEncode(b, e.ValueBase64)
				b = append(b, '"')
			}
			if e.Description != "" {
				b = append(b, ",\n      \"description\": "...)
				b = str(b, e.Description)
			}
			var err error
			b = append(b, ",\n      \"created\": "...)
			if b, err = tm(b, e.Created); err != nil {
				return nil, err
			}
			b = append(b, ",\n      \"updated\": "...)
			if b, err = tm(b, e.Updated); err != nil {
				return nil, err
			}
			if len(e.History) > 0 {
				b = append(b, ",\n      \"history\": ["...)
				for j, h := range e.History {
					if j > 0 {
						b = append(b, ',')
					}
					b = append(b, "\n        {"...)
					sep := "\n          "
					if len(h.Value) > 0 {
						b = append(b, sep+"\"value\": "...)
						b = h.Value.appendJSON(b)
						sep = ",\n          "
					}
					if len(h.ValueBase64) > 0 {
						b = append(b, sep+"\"value_base64\": \""...)
						b = base64.StdEncoding.AppendEncode(b, h.ValueBase64)
						b = append(b, '"')
						sep = ",\n          "
					}
					b = append(b, sep+"\"set\": "...)
					if b, err = tm(b, h.Set); err != nil {
						return nil, err
					}
					b = append(b, ",\n          \"replaced\": "...)
					if b, err = tm(b, h.Replaced); err != nil {
						return nil, err
					}
					b = append(b, "\n        }"...)
				}
				b = append(b, "\n      ]"...)
			}
			if e.Origin != nil {
				b = append(b, ",\n      \"origin\": {\n        \"remote\": "...)
				b = str(b, e.Origin.Remote)
				b = append(b, ",\n        \"key\": "...)
				b = str(b, e.Origin.Key)
				b = append(b, ",\n        \"version\": "...)
				b = strconv.AppendInt(b, int64(e.Origin.Version), 10)
				b = append(b, ",\n        \"updated\": "...)
				if b, err = tm(b, e.Origin.Updated); err != nil {
					return nil, err
				}
				b = append(b, "\n      }"...)
			}
			b = append(b, "\n    }"...)
		}
		b = append(b, "\n  ]"...)
	}
	return append(b, "\n}"...), nil
}

// setVersion sets the oldest format version that holds the document.
func (d *document) setVersion() {
	d.Version = 1
	for i := range d.Secrets {
		if len(d.Secrets[i].History) > 0 || d.Secrets[i].Origin != nil {
			d.Version = historyVersion
		}
	}
}

func (d *document) find(path string) int {
	for i := range d.Secrets {
		if d.Secrets[i].Path == path {
			return i
		}
	}
	return -1
}

func (e *entry) value() []byte {
	if e.ValueBase64 != nil {
		return append([]byte(nil), e.ValueBase64...)
	}
	return append([]byte(nil), e.Value...)
}

// replaceValue makes v the entry's value at now, keeping the value it
// replaces in History (unless it is the same value).
func (e *entry) replaceValue(v []byte, now time.Time) {
	old := e.value()
	defer clear(old)
	if len(old) == 0 || subtle.ConstantTimeCompare(old, v) == 1 {
		e.setValue(v)
		return
	}
	p := previous{Set: e.Updated, Replaced: now}
	if e.ValueBase64 != nil {
		p.ValueBase64 = append([]byte(nil), e.ValueBase64...)
	} else {
		p.Value = append(text(nil), e.Value...)
	}
	e.History = append([]previous{p}, e.History...)
	for _, gone := range e.History[min(len(e.History), keepHistory):] {
		gone.wipe()
	}
	e.History = e.History[:min(len(e.History), keepHistory)]
	e.setValue(v)
}

func (p *previous) value() []byte {
	if p.ValueBase64 != nil {
		return append([]byte(nil), p.ValueBase64...)
	}
	return append([]byte(nil), p.Value...)
}

func (p *previous) wipe() {
	clear(p.Value)
	clear(p.ValueBase64)
}

func (e *entry) setValue(v []byte) {
	clear(e.ValueBase64)
	clear(e.Value)
	e.Value, e.ValueBase64 = nil, nil
	if utf8.Valid(v) {
		e.Value = append(text(nil), v...)
	} else {
		e.ValueBase64 = append([]byte(nil), v...)
	}
}

func (e *entry) secret() *Secret {
	return &Secret{Path: e.Path, Value: e.value(), Description: e.Description, Created: e.Created, Updated: e.Updated, Origin: e.Origin}
}

func (e *entry) meta() Meta {
	n := len(e.Value)
	if e.ValueBase64 != nil {
		n = len(e.ValueBase64)
	}
	v := e.value()
	defer clear(v)
	return Meta{Path: e.Path, Description: e.Description, Created: e.Created, Updated: e.Updated, Length: n, Parts: parts.Count(v), Origin: e.Origin}
}

func (d *document) wipe() {
	for i := range d.Secrets {
		d.Secrets[i].wipe()
	}
}

func (e *entry) wipe() {
	clear(e.ValueBase64)
	clear(e.Value)
	for i := range e.History {
		e.History[i].wipe()
	}
}

// CheckValue reports whether v can be stored: not empty, no NUL byte.
func CheckValue(v []byte) error {
	if len(v) == 0 {
		return fmt.Errorf("%w: the value is empty; pipe the value on stdin, e.g. printf '%%s' \"$VALUE\" | noxkey set PATH", ErrInvalidValue)
	}
	for i, c := range v {
		if c == 0 {
			return fmt.Errorf("%w: it holds a NUL byte at offset %d; values are text or bytes without NUL (store binary data base64-encoded)", ErrInvalidValue, i)
		}
	}
	return nil
}
