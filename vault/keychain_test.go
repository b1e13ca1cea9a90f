package vault

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

// fakeKeychain is keychainAPI in memory, with the Keychain's answers:
// errDuplicateItem from add, nothing found as no error.
type fakeKeychain struct {
	items map[string]kcItem
	fail  error // returned by every write when set
	now   time.Time
}

func (f *fakeKeychain) query(account string, data bool) ([]kcItem, error) {
	var out []kcItem
	for a, it := range f.items {
		if account == "" || a == account {
			if !data {
				it.Data = nil
			}
			out = append(out, it)
		}
	}
	return out, nil
}

func (f *fakeKeychain) add(account, label string, value []byte, desc string) error {
	if f.fail != nil {
		return f.fail
	}
	if _, ok := f.items[account]; ok {
		return errDuplicateItem
	}
	f.now = f.now.Add(time.Second)
	f.items[account] = kcItem{Account: account, Description: desc, Data: bytes.Clone(value), Created: f.now, Modified: f.now}
	return nil
}

func (f *fakeKeychain) update(account string, value []byte, desc string) error {
	if f.fail != nil {
		return f.fail
	}
	it := f.items[account]
	it.Data = bytes.Clone(value)
	if desc != "" {
		it.Description = desc
	}
	f.now = f.now.Add(time.Second)
	it.Modified = f.now
	f.items[account] = it
	return nil
}

func (f *fakeKeychain) remove(account string) error {
	if f.fail != nil {
		return f.fail
	}
	delete(f.items, account)
	return nil
}

// TestKeychainLogic runs the Keychain back-end's own logic (naming,
// metadata, validation, error mapping) on Linux against an in-memory
// Keychain; the calls into the real one (keychain_darwin.go) need macOS.
func TestKeychainLogic(t *testing.T) {
	f := &fakeKeychain{items: map[string]kcItem{}, now: time.Unix(1e9, 0)}
	k := &Keychain{api: f}
	if err := k.Set(Secret{Path: "acme/api/KEY", Value: []byte("value-one"), Description: "first"}, Secret{Path: "acme/db/PASS", Value: []byte("pw")}); err != nil {
		t.Fatal(err)
	}
	if err := k.Set(Secret{Path: "acme/api/KEY", Value: []byte("value-two")}); err != nil {
		t.Fatal(err)
	}
	s, err := k.Get("acme/api/KEY")
	if err != nil || string(s.Value) != "value-two" || s.Description != "first" || !s.Updated.After(s.Created) {
		t.Fatalf("get after replace: %+v %v", s, err)
	}
	key, err := k.IndexKey()
	if err != nil || len(key) != 32 {
		t.Fatalf("index key: %d %v", len(key), err)
	}
	if again, _ := k.IndexKey(); !bytes.Equal(again, key) {
		t.Error("the index key changed on its second read")
	}
	ms, err := k.List("acme")
	if err != nil || len(ms) != 2 || ms[0].Path != "acme/api/KEY" || ms[1].Path != "acme/db/PASS" {
		t.Fatalf("list (the index key item is not a secret): %+v %v", ms, err)
	}
	if all, _ := k.All(); len(all) != 2 {
		t.Errorf("all: %d secrets", len(all))
	}
	if _, err := k.Get("acme/api/NOPE"); !errors.Is(err, ErrNotFound) {
		t.Errorf("get of a missing secret: %v", err)
	}
	if err := k.Set(Secret{Path: "Bad/KEY", Value: []byte("x")}); !errors.Is(err, ErrInvalidPath) {
		t.Errorf("a bad path: %v", err)
	}
	if err := k.Set(Secret{Path: "acme/api/EMPTY"}); !errors.Is(err, ErrInvalidValue) {
		t.Errorf("an empty value: %v", err)
	}
	if err := k.Delete("acme/db/PASS", "acme/api/NOPE"); !errors.Is(err, ErrNotFound) {
		t.Errorf("delete with a missing path: %v", err)
	}
	if _, err := k.Get("acme/db/PASS"); err != nil {
		t.Error("a delete that failed removed a secret")
	}
	f.fail = errors.New("user interaction is not allowed")
	if err := k.Set(Secret{Path: "acme/x/K", Value: []byte("v")}); err == nil || err.Error() != "vault: keychain: write acme/x/K: user interaction is not allowed" {
		t.Errorf("a Keychain error: %v", err)
	}
	f.fail = nil
	if err := k.Delete("acme/db/PASS", "acme/api/KEY"); err != nil {
		t.Fatal(err)
	}
	if ms, _ := k.List(""); len(ms) != 0 {
		t.Errorf("left after delete: %+v", ms)
	}
}
