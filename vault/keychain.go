package vault

import (
	"crypto/rand"
	"errors"
	"fmt"
	"sort"
	"time"
)

// indexKeyAccount holds the guard's per-vault key; not a valid secret path.
const indexKeyAccount = ".noxkey/index-key"

// Keychain stores each secret as a generic password item in the login
// Keychain: service "noxkey", account = path, label = NAME, description.
// Writes of several secrets are not one transaction: each item is added or
// updated in turn, and the first error stops the batch. Its logic is here,
// built and tested everywhere; keychain_darwin.go only calls the
// Keychain (the one part no test here can run: it needs macOS and cgo).
type Keychain struct{ api keychainAPI }

// kcItem is one generic password item of noxkey's service.
type kcItem struct {
	Account, Description string
	Data                 []byte
	Created, Modified    time.Time
}

// errDuplicateItem is what keychainAPI.add returns for an existing item.
var errDuplicateItem = errors.New("keychain: item exists")

// keychainAPI is the part of the Keychain that Keychain uses.
type keychainAPI interface {
	// query returns the item of account (or every item when account is
	// ""), with its data when data is set; none found is no error.
	query(account string, data bool) ([]kcItem, error)
	// add creates an item, this device only, not synchronised; an
	// existing one is errDuplicateItem.
	add(account, label string, value []byte, desc string) error
	// update replaces an item's data, and its description unless desc is "".
	update(account string, value []byte, desc string) error
	// remove deletes an item; none there is no error.
	remove(account string) error
}

func (k *Keychain) items(data bool) ([]kcItem, error) {
	res, err := k.api.query("", data)
	if err != nil {
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

func (r *kcItem) secret() *Secret {
	return &Secret{Path: r.Account, Value: r.Data, Description: r.Description, Created: r.Created, Updated: r.Modified}
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
			out = append(out, Meta{Path: r.Account, Description: r.Description, Created: r.Created, Updated: r.Modified})
		}
	}
	return out, nil
}

// Get implements Store.
func (k *Keychain) Get(path string) (*Secret, error) {
	res, err := k.api.query(path, true)
	if err != nil {
		return nil, fmt.Errorf("vault: keychain: %s: %w", path, err)
	}
	if len(res) == 0 {
		return nil, fmt.Errorf("vault: %s: %w; see the stored names with: noxkey ls", path, ErrNotFound)
	}
	return res[0].secret(), nil
}

// All implements Store.
func (k *Keychain) All() ([]*Secret, error) {
	res, err := k.items(true)
	if err != nil {
		return nil, err
	}
	out := make([]*Secret, 0, len(res))
	for i := range res {
		out = append(out, res[i].secret())
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
	err := k.api.add(account, label, value, desc)
	if errors.Is(err, errDuplicateItem) {
		err = k.api.update(account, value, desc)
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
		if err := k.api.remove(path); err != nil {
			return fmt.Errorf("vault: keychain: delete %s: %w", path, err)
		}
	}
	return nil
}

// IndexKey returns the guard's per-vault key, creating it on first use.
func (k *Keychain) IndexKey() ([]byte, error) {
	res, err := k.api.query(indexKeyAccount, true)
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
