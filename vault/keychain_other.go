//go:build !(darwin && cgo)

package vault

import "errors"

// OpenKeychain is available on macOS builds with cgo only.
func OpenKeychain() (Store, error) {
	return nil, errors.New("vault: the keychain back-end needs a macOS build with cgo; use the file back-end (the default)")
}
