package guard

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// shortSettle shortens the settle time for one test.
func shortSettle(t *testing.T) {
	old := stampSettle
	stampSettle = 100 * time.Millisecond
	t.Cleanup(func() { stampSettle = old })
}

// TestStampAfterASettledLoadAndRecheckOnChange: a load of a settled index
// leaves a private stamp; a byte flipped after that changes the file's
// identity, so the next load checks the checksum again and refuses the file.
func TestStampAfterASettledLoadAndRecheckOnChange(t *testing.T) {
	shortSettle(t)
	p := writeIndex(t, Secret{"acme/api/KEY", []byte(stripe)})
	loadOK := func() {
		t.Helper()
		ix, err := Load(p, testKeys)
		if err != nil {
			t.Fatal(err)
		}
		if got := redactString(ix, "x "+stripe); got != "x [REDACTED:acme/api/KEY]" {
			t.Fatalf("loaded index redacts %q", strings.ReplaceAll(got, stripe, "<stripe>"))
		}
		ix.Close()
	}
	loadOK()
	if _, err := os.Stat(stampPath(p)); err == nil {
		t.Fatal("a stamp was written for an index changed less than the settle time ago")
	}
	time.Sleep(stampSettle + 20*time.Millisecond)
	loadOK()
	fi, err := os.Stat(stampPath(p))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("no private stamp after a settled load: %v", err)
	}
	loadOK() // with the stamp

	f, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	var b [1]byte
	f.ReadAt(b[:], headerSize+8)
	b[0] ^= 0x10
	f.WriteAt(b[:], headerSize+8) // in the filter, which only the checksum covers
	f.Close()
	if _, err := Load(p, testKeys); !errors.Is(err, ErrIndex) || !strings.Contains(err.Error(), "MAC mismatch") {
		t.Fatalf("a byte flipped after the stamp: %v", err)
	}
}

// TestStampIsTrustedOnlyWhenItMatchesAndIsPrivate: a matching stamp skips
// the checksum (shown with a file whose checksum is wrong); a stamp that is not the
// user's private file, or names another identity, does not.
func TestStampIsTrustedOnlyWhenItMatchesAndIsPrivate(t *testing.T) {
	p := writeIndex(t, Secret{"acme/api/KEY", []byte(stripe)})
	data, _ := os.ReadFile(p)
	data[headerSize+8] ^= 0x10
	os.WriteFile(p, data, 0o600)
	var st unix.Stat_t
	if err := unix.Stat(p, &st); err != nil {
		t.Fatal(err)
	}
	k, _ := deriveKeys(testKey)
	id := string(stampLine(nil, &st, data, k.stampKey))
	if _, err := Load(p, testKeys); err == nil {
		t.Fatal("a wrong checksum without a stamp was accepted")
	}
	os.WriteFile(stampPath(p), []byte(strings.Replace(id, " 1 ", " 2 ", 1)), 0o600)
	if _, err := Load(p, testKeys); err == nil {
		t.Fatal("a stamp of another identity was trusted")
	}
	os.Remove(stampPath(p))
	os.WriteFile(stampPath(p), []byte(id), 0o644)
	if _, err := Load(p, testKeys); err == nil {
		t.Fatal("a world-readable stamp was trusted")
	}
	os.Chmod(stampPath(p), 0o600)
	ix, err := Load(p, testKeys)
	if err != nil {
		t.Fatalf("a matching private stamp did not skip the checksum: %v", err)
	}
	ix.Close()
}
