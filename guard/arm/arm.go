// Package arm keeps the guard's key where noxkey-hook finds it on every
// tool call without a passphrase, and nowhere on persistent storage.
//
// The key of a vault's guard index lives in the encrypted vault. Arming
// copies the keys derived from it (guard.ArmedKey) to the kernel user keyring (Linux), the macOS Keychain (darwin
// with cgo), or, where neither can be used (keyctl refused in a container,
// darwin without cgo), a 0600 file in the private runtime directory. A
// key is named by the vault's id (guard.VaultID), so vaults never share or
// replace each other's. Without an armed key the index cannot be used, and
// the hook fails closed with ErrNotArmed.
package arm

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/noxkey/noxkey/internal/atomicfile"
	"github.com/noxkey/noxkey/internal/paths"
)

// ErrNotArmed is the hook's answer when no key is armed for the index: its
// text is what the agent relays to the user.
var ErrNotArmed = errors.New("noxkey's guard is not armed since this machine started: ask the user to run 'noxkey unlock' in a terminal")

// StoreEnv names where keys are kept: "keyring" (the default where the
// platform has one) or "file" (the runtime-directory fallback). Tests set
// it to exercise the fallback on a machine whose keyring works.
const StoreEnv = "NOXKEY_ARM_STORE"

// Where says where a key is armed, for status and doctor.
type Where struct {
	Store string // "kernel user keyring", "macOS Keychain" or "file"
	Path  string // the file, for Store "file"
	Note  string // a warning (a fallback file not on a tmpfs)
}

func (w Where) String() string {
	s := w.Store
	if w.Path != "" {
		s += " " + w.Path
	}
	if w.Note != "" {
		s += " (" + w.Note + ")"
	}
	return s
}

// description is the name of vault id's key in a keyring.
func description(id string) string { return "noxkey:guard:" + id }

// validID accepts the ids guard.VaultID makes: 32 lower-case hex digits.
func validID(id string) error {
	if len(id) != 32 {
		return fmt.Errorf("arm: vault id %q is not 32 hex digits", id)
	}
	for _, c := range id {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return fmt.Errorf("arm: vault id %q is not 32 hex digits", id)
		}
	}
	return nil
}

// Arm stores key for vault id, replacing a key armed before for it.
func Arm(id string, key []byte) (Where, error) {
	if err := validID(id); err != nil {
		return Where{}, err
	}
	if os.Getenv(StoreEnv) != "file" {
		w, err := platformArm(id, key)
		if err == nil {
			removeFile(id) // one place at a time: a stale fallback would outlive a disarm
			return w, nil
		}
		if !errors.Is(err, errNoPlatform) {
			return Where{}, err
		}
	}
	return fileArm(id, key)
}

// Lookup returns the key armed for vault id, or ErrNotArmed.
func Lookup(id string) ([]byte, error) {
	if err := validID(id); err != nil {
		return nil, err
	}
	if os.Getenv(StoreEnv) != "file" {
		key, err := platformLookup(id)
		if err == nil {
			return key, nil
		}
		if !errors.Is(err, ErrNotArmed) && !errors.Is(err, errNoPlatform) {
			return nil, err
		}
	}
	return fileLookup(id)
}

// Disarm removes vault id's key from every place it may be armed; it is
// not an error when none holds it.
func Disarm(id string) error {
	if err := validID(id); err != nil {
		return err
	}
	err := platformDisarm(id)
	if errors.Is(err, errNoPlatform) {
		err = nil
	}
	if ferr := removeFile(id); ferr != nil && err == nil {
		err = ferr
	}
	return err
}

// Armed reports where vault id's key is armed, if it is.
func Armed(id string) (Where, bool) {
	if validID(id) != nil {
		return Where{}, false
	}
	if os.Getenv(StoreEnv) != "file" {
		if key, err := platformLookup(id); err == nil {
			clear(key)
			return platformWhere, true
		}
	}
	if key, err := fileLookup(id); err == nil {
		clear(key)
		return fileWhere(id), true
	}
	return Where{}, false
}

// errNoPlatform: this platform's key store cannot be used here, so the
// file fallback is.
var errNoPlatform = errors.New("arm: no platform key store")

// RuntimeDir is the directory of the fallback files: the user's runtime
// directory whatever NOXKEY_HOME says, since NOXKEY_HOME may be on a disk
// that is backed up or copied with the data.
func RuntimeDir() string {
	if rt := os.Getenv("XDG_RUNTIME_DIR"); filepath.IsAbs(rt) {
		return filepath.Join(rt, "noxkey")
	}
	return filepath.Join(os.TempDir(), "noxkey-"+strconv.Itoa(os.Geteuid()))
}

func filePath(id string) string { return filepath.Join(RuntimeDir(), "guard-"+id+".key") }

func fileWhere(id string) Where {
	w := Where{Store: "file", Path: filePath(id)}
	// Before the first arm the runtime dir is not there yet: its parent
	// holds it and decides where it will be.
	dir := RuntimeDir()
	if _, err := os.Stat(dir); err != nil {
		dir = filepath.Dir(dir)
	}
	if !onTmpfs(dir) {
		w.Note = "not on a tmpfs: the key reaches the disk; set XDG_RUNTIME_DIR to a tmpfs"
	}
	return w
}

func fileArm(id string, key []byte) (Where, error) {
	dir := RuntimeDir()
	if err := paths.EnsurePrivateDir(dir); err != nil {
		return Where{}, fmt.Errorf("arm: the runtime directory is not private, so the guard key is not written there: %w", err)
	}
	if err := atomicfile.Write(filePath(id), key, atomicfile.Options{}); err != nil {
		return Where{}, fmt.Errorf("arm: %w", err)
	}
	return fileWhere(id), nil
}

func fileLookup(id string) ([]byte, error) {
	fd, err := unix.Open(filePath(id), unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if errors.Is(err, unix.ENOENT) {
		return nil, ErrNotArmed
	}
	if err != nil {
		return nil, fmt.Errorf("arm: %s: %w", filePath(id), err)
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, fmt.Errorf("arm: %s: %w", filePath(id), err)
	}
	if int(st.Uid) != os.Geteuid() || st.Mode&0o077 != 0 || st.Mode&unix.S_IFMT != unix.S_IFREG {
		return nil, fmt.Errorf("arm: %s must be your own file with mode 0600; remove it and run: noxkey unlock", filePath(id))
	}
	var dst unix.Stat_t
	if unix.Stat(RuntimeDir(), &dst) != nil || int(dst.Uid) != os.Geteuid() || dst.Mode&0o077 != 0 {
		return nil, fmt.Errorf("arm: %s must be your own directory with mode 0700", RuntimeDir())
	}
	buf := make([]byte, maxKey+1)
	n, err := unix.Read(fd, buf)
	if err != nil || n < minKey || n > maxKey {
		clear(buf)
		return nil, fmt.Errorf("arm: %s is not a guard key; remove it and run: noxkey unlock", filePath(id))
	}
	return buf[:n:n], nil
}

func removeFile(id string) error {
	if err := os.Remove(filePath(id)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("arm: %w", err)
	}
	return nil
}

// Key sizes Lookup accepts (guard.ArmedKey's is 128).
const (
	minKey = 16
	maxKey = 256
)
