// Package armtest arms the guard for a test and disarms it when the test
// ends, so tests leave no key in the machine's keyring.
package armtest

import (
	"crypto/rand"
	"testing"

	"github.com/noxkey/noxkey/guard"
	"github.com/noxkey/noxkey/guard/arm"
)

// Key returns a new random index key, its guard armed until t ends.
func Key(t testing.TB) []byte {
	t.Helper()
	key := make([]byte, 32)
	rand.Read(key)
	Arm(t, key)
	return key
}

// Arm arms the guard of the vault whose index key is key, until t ends.
func Arm(t testing.TB, key []byte) {
	t.Helper()
	id, armed, err := guard.ArmedKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := arm.Arm(id, armed); err != nil {
		t.Fatalf("arm the guard: %v", err)
	}
	t.Cleanup(func() { arm.Disarm(id) })
}

// DisarmAtEnd disarms, when t ends, the vault whose guard index is at
// indexPath then: for tests that arm through the real CLI.
func DisarmAtEnd(t testing.TB, indexPath string) {
	t.Cleanup(func() {
		if id, err := guard.IndexVaultID(indexPath); err == nil {
			arm.Disarm(id)
		}
	})
}
