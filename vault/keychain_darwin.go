//go:build darwin && cgo

package vault

import (
	"errors"

	"github.com/keybase/go-keychain"
)

// keychainService is the service name of every noxkey Keychain item.
const keychainService = "noxkey"

// OpenKeychain returns the macOS Keychain Store.
func OpenKeychain() (Store, error) { return &Keychain{api: macKeychain{}}, nil }

// macKeychain is keychainAPI on the login Keychain, through go-keychain.
type macKeychain struct{}

func (macKeychain) query(account string, data bool) ([]kcItem, error) {
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
	res, err := keychain.QueryItem(q)
	if err != nil && !errors.Is(err, keychain.ErrorItemNotFound) {
		return nil, err
	}
	out := make([]kcItem, len(res))
	for i, r := range res {
		out[i] = kcItem{Account: r.Account, Description: r.Description, Data: r.Data, Created: r.CreationDate, Modified: r.ModificationDate}
	}
	return out, nil
}

func (macKeychain) add(account, label string, value []byte, desc string) error {
	item := keychain.NewGenericPassword(keychainService, account, label, value, "")
	item.SetAccessible(keychain.AccessibleWhenUnlockedThisDeviceOnly)
	item.SetSynchronizable(keychain.SynchronizableNo)
	if desc != "" {
		item.SetDescription(desc)
	}
	err := keychain.AddItem(item)
	if errors.Is(err, keychain.ErrorDuplicateItem) {
		return errDuplicateItem
	}
	return err
}

func (macKeychain) update(account string, value []byte, desc string) error {
	q := keychain.NewItem()
	q.SetSecClass(keychain.SecClassGenericPassword)
	q.SetService(keychainService)
	q.SetAccount(account)
	upd := keychain.NewItem()
	upd.SetData(value)
	if desc != "" {
		upd.SetDescription(desc)
	}
	return keychain.UpdateItem(q, upd)
}

func (macKeychain) remove(account string) error {
	err := keychain.DeleteGenericPasswordItem(keychainService, account)
	if errors.Is(err, keychain.ErrorItemNotFound) {
		return nil
	}
	return err
}
