//go:build darwin && cgo

package vault

import (
	"crypto/rand"
	"errors"
	"fmt"
	"sort"

	"github.com/keybase/go-keychain"
)

// keychainService is the service name of every noxkey Keychain item.
const keychainService = "noxkey"

// indexKeyAccount holds the guard's per-vault key; not a valid secret path.
const indexKeyAccount = ".noxkey/index-key"

// Keychain stores each secret as a generic password item in the login
// Keychain: service "noxkey", account = path, label = NAME, description.
// Writes of several secrets are not one transaction: each item is added or
// updated in turn, and the first error stops the batch.
type Keychain struct{}

// OpenKeychain returns the macOS Keychain Store.
func OpenKeychain() (Store, error) { return &Keychain{}, nil }

func query(account string, data bool) keychain.Item {
	q := keychain.NewItem()
	q.SetSecClass(keychain.SecClassGenericPassword)
	q.SetService(keychainService)
	if account != "" {
		q.SetAccount(account)
		q.SetMatchLimit(keychain.MatchLimitOne)
	} else {
		q.SetMatchLimit(keychain.MatchLimitAll)
	}
	q.SetReturnAttributes(true)
	q.SetReturnData(data)
	return q
}

func (k *Keychain) items(data bool) ([]keychain.QueryResult, error) {
	res, err := keychain.QueryItem(query("", data))
	if err != nil && !errors.Is(err, keychain.ErrorItemNotFound) {
		return nil, fmt.Errorf("vault: keychain: %w", err)
	}
	out := res[:0]
	for _, r := range res {
		if ValidatePath(r.Account) == nil {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Account < out[j].Account })
	return out, nil
}

// List implements Store.
func (k *Keychain) List(prefix string) ([]Meta, error) {
	res, err := k.items(false)
	if err != nil {
		return nil, err
	}
	var out []Meta
	for _, r := range res {
		if HasPrefix(r.Account, prefix) {
			out = append(out, Meta{Path: r.Account, Description: r.Description, Created: r.CreationDate, Updated: r.ModificationDate})
		}
	}
	return out, nil
}

// Get implements Store.
func (k *Keychain) Get(path string) (*Secret, error) {
	res, err := keychain.QueryItem(query(path, true))
	if err != nil && !errors.Is(err, keychain.ErrorItemNotFound) {
		return nil, fmt.Errorf("vault: keychain: %s: %w", path, err)
	}
	if len(res) == 0 {
		return nil, fmt.Errorf("vault: %s: %w; see the stored names with: noxkey ls", path, ErrNotFound)
	}
	r := res[0]
	return &Secret{Path: path, Value: r.Data, Description: r.Description, Created: r.CreationDate, Updated: r.ModificationDate}, nil
}

// All implements Store.
func (k *Keychain) All() ([]*Secret, error) {
	res, err := k.items(true)
	if err != nil {
		return nil, err
	}
	out := make([]*Secret, 0, len(res))
	for _, r := range res {
		out = append(out, &Secret{Path: r.Account, Value: r.Data, Description: r.Description, Created: r.CreationDate, Updated: r.ModificationDate})
	}
	return out, nil
}

// Set implements Store.
func (k *Keychain) Set(secrets ...Secret) error {
	for _, s := range secrets {
		if err := ValidatePath(s.Path); err != nil {
			return err
		}
		if err := CheckValue(s.Value); err != nil {
			return fmt.Errorf("%s: %w", s.Path, err)
		}
	}
	for _, s := range secrets {
		if err := k.put(s.Path, Name(s.Path), s.Value, s.Description); err != nil {
			return err
		}
	}
	return nil
}

func (k *Keychain) put(account, label string, value []byte, desc string) error {
	item := keychain.NewGenericPassword(keychainService, account, label, value, "")
	item.SetAccessible(keychain.AccessibleWhenUnlockedThisDeviceOnly)
	item.SetSynchronizable(keychain.SynchronizableNo)
	if desc != "" {
		item.SetDescription(desc)
	}
	err := keychain.AddItem(item)
	if errors.Is(err, keychain.ErrorDuplicateItem) {
		q := keychain.NewItem()
		q.SetSecClass(keychain.SecClassGenericPassword)
		q.SetService(keychainService)
		q.SetAccount(account)
		upd := keychain.NewItem()
		upd.SetData(value)
		if desc != "" {
			upd.SetDescription(desc)
		}
		err = keychain.UpdateItem(q, upd)
	}
	if err != nil {
		return fmt.Errorf("vault: keychain: write %s: %w", account, err)
	}
	return nil
}

// Delete implements Store. The Keychain has no transaction: every path is
// checked first, so a missing one changes nothing.
func (k *Keychain) Delete(paths ...string) error {
	for _, path := range paths {
		if _, err := k.Get(path); err != nil {
			return err
		}
	}
	for _, path := range paths {
		err := keychain.DeleteGenericPasswordItem(keychainService, path)
		if err != nil && !errors.Is(err, keychain.ErrorItemNotFound) {
			return fmt.Errorf("vault: keychain: delete %s: %w", path, err)
		}
	}
	return nil
}

// IndexKey returns the guard's per-vault key, creating it on first use.
func (k *Keychain) IndexKey() ([]byte, error) {
	res, err := keychain.QueryItem(query(indexKeyAccount, true))
	if err == nil && len(res) == 1 && len(res[0].Data) >= 16 {
		return res[0].Data, nil
	}
	key := make([]byte, 32)
	rand.Read(key)
	if err := k.put(indexKeyAccount, "noxkey guard index key", key, "noxkey guard index key"); err != nil {
		return nil, err
	}
	return key, nil
}
