package arm

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

var platformWhere = Where{Store: "kernel user keyring"}

// Permissions of an armed key: everything to its possessor; view, read,
// search and remove to every process of this user, which need not possess
// it (a login session's keyring may not link the user keyring).
const keyPerm = 0x3f000000 | 0x003f0000 // KEY_POS_ALL | KEY_USR_ALL

// platformArm adds the key to the user keyring (add_key replaces one of
// the same description). It lives until this user's last process ends
// (usually until reboot or logout) or a disarm.
func platformArm(id string, key []byte) (Where, error) {
	kid, err := unix.AddKey("user", description(id), key, unix.KEY_SPEC_USER_KEYRING)
	if err != nil {
		if errors.Is(err, unix.EPERM) || errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EACCES) {
			return Where{}, fmt.Errorf("%w: keyctl: %v", errNoPlatform, err)
		}
		return Where{}, fmt.Errorf("arm: add the guard key to the user keyring: %w", err)
	}
	if err := unix.KeyctlSetperm(kid, keyPerm); err != nil {
		unix.KeyctlInt(unix.KEYCTL_UNLINK, kid, unix.KEY_SPEC_USER_KEYRING, 0, 0)
		return Where{}, fmt.Errorf("arm: set the guard key's permissions: %w", err)
	}
	return platformWhere, nil
}

func platformLookup(id string) ([]byte, error) {
	kid, err := unix.KeyctlSearch(unix.KEY_SPEC_USER_KEYRING, "user", description(id), 0)
	switch {
	case errors.Is(err, unix.ENOKEY), errors.Is(err, unix.EKEYREVOKED), errors.Is(err, unix.EKEYEXPIRED):
		return nil, ErrNotArmed
	case errors.Is(err, unix.EPERM), errors.Is(err, unix.ENOSYS), errors.Is(err, unix.EACCES):
		return nil, errNoPlatform
	case err != nil:
		return nil, fmt.Errorf("arm: search the user keyring: %w", err)
	}
	buf := make([]byte, maxKey+1)
	n, err := unix.KeyctlBuffer(unix.KEYCTL_READ, kid, buf, 0)
	if err != nil {
		return nil, fmt.Errorf("arm: read the guard key: %w", err)
	}
	if n < minKey || n > maxKey {
		clear(buf)
		return nil, fmt.Errorf("arm: the keyring's %s is not a guard key; run: noxkey guard disarm, then noxkey unlock", description(id))
	}
	return buf[:n:n], nil
}

func platformDisarm(id string) error {
	for {
		kid, err := unix.KeyctlSearch(unix.KEY_SPEC_USER_KEYRING, "user", description(id), 0)
		switch {
		case errors.Is(err, unix.ENOKEY), errors.Is(err, unix.EKEYREVOKED), errors.Is(err, unix.EKEYEXPIRED):
			return nil
		case errors.Is(err, unix.EPERM), errors.Is(err, unix.ENOSYS), errors.Is(err, unix.EACCES):
			return errNoPlatform
		case err != nil:
			return fmt.Errorf("arm: search the user keyring: %w", err)
		}
		// Invalidate, not unlink: the key goes from every keyring that
		// links it, at once.
		if _, err := unix.KeyctlInt(unix.KEYCTL_INVALIDATE, kid, 0, 0, 0); err != nil {
			if _, err := unix.KeyctlInt(unix.KEYCTL_UNLINK, kid, unix.KEY_SPEC_USER_KEYRING, 0, 0); err != nil {
				return fmt.Errorf("arm: remove the guard key from the user keyring: %w", err)
			}
		}
	}
}
