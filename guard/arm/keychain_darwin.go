//go:build darwin && cgo

package arm

import (
	"errors"
	"fmt"

	"github.com/keybase/go-keychain"
)

var platformWhere = Where{Store: "macOS Keychain"}

// keychainService is the service of every armed-key item; the account is
// the vault id. Items do not sync (iCloud) and are readable only on this
// device after its first unlock.
const keychainService = "noxkey-guard"

func item(id string) keychain.Item {
	it := keychain.NewItem()
	it.SetSecClass(keychain.SecClassGenericPassword)
	it.SetService(keychainService)
	it.SetAccount(id)
	return it
}

func platformArm(id string, key []byte) (Where, error) {
	platformDisarm(id)
	it := item(id)
	it.SetLabel("noxkey guard key")
	it.SetData(key)
	it.SetSynchronizable(keychain.SynchronizableNo)
	it.SetAccessible(keychain.AccessibleAfterFirstUnlockThisDeviceOnly)
	if err := keychain.AddItem(it); err != nil {
		return Where{}, fmt.Errorf("arm: keychain: %w", err)
	}
	return platformWhere, nil
}

func platformLookup(id string) ([]byte, error) {
	q := item(id)
	q.SetMatchLimit(keychain.MatchLimitOne)
	q.SetReturnData(true)
	res, err := keychain.QueryItem(q)
	if errors.Is(err, keychain.ErrorItemNotFound) || err == nil && len(res) == 0 {
		return nil, ErrNotArmed
	}
	if err != nil {
		return nil, fmt.Errorf("arm: keychain: %w", err)
	}
	return res[0].Data, nil
}

func platformDisarm(id string) error {
	err := keychain.DeleteItem(item(id))
	if err != nil && !errors.Is(err, keychain.ErrorItemNotFound) {
		return fmt.Errorf("arm: keychain: %w", err)
	}
	return nil
}
