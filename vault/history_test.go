package vault

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"testing"

	"filippo.io/age"
)

// decrypted is the vault document as the stock age library reads it.
func decrypted(t *testing.T, path string) map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	id, _ := PassphraseIdentity([]byte(testPass))
	r, err := age.Decrypt(f, id)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r)
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestHistoryKeepsReplacedValues: each Set of a different value keeps the
// one it replaces (the same value again adds nothing), newest first, at
// most keepHistory; Restore brings one back and keeps the current one;
// Delete takes the history with the secret.
func TestHistoryKeepsReplacedValues(t *testing.T) {
	f, path := newVault(t)
	if err := f.Set(Secret{Path: "acme/api/KEY", Value: []byte("value-one-1111")}); err != nil {
		t.Fatal(err)
	}
	if v := decrypted(t, path)["version"]; v != 1.0 {
		t.Errorf("a vault without history is written as version %v, want 1 (older builds read it)", v)
	}
	for _, v := range []string{"value-one-1111", "value-two-22222", "value-three-333333"} {
		if err := f.Set(Secret{Path: "acme/api/KEY", Value: []byte(v)}); err != nil {
			t.Fatal(err)
		}
	}
	h, err := f.History("acme/api/KEY")
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 3 || h[0].N != 0 || h[0].Length != 18 || h[1].Length != 15 || h[2].Length != 14 || !h[0].Replaced.IsZero() || h[1].Replaced.IsZero() {
		t.Fatalf("history: %+v", h)
	}
	if h[0].MAC == h[1].MAC || h[1].MAC == h[2].MAC {
		t.Errorf("versions share a MAC: %+v", h)
	}
	if v := decrypted(t, path)["version"]; v != 2.0 {
		t.Errorf("a vault with history is written as version %v, want 2 (older builds refuse it rather than drop it)", v)
	}
	if err := f.Restore("acme/api/KEY", 2); err != nil {
		t.Fatal(err)
	}
	if s, _ := f.Get("acme/api/KEY"); string(s.Value) != "value-one-1111" {
		t.Fatalf("after restore 2: %d bytes", len(s.Value))
	}
	h2, _ := f.History("acme/api/KEY")
	if len(h2) != 4 || h2[0].MAC != h[2].MAC || h2[1].MAC != h[0].MAC {
		t.Fatalf("history after restore: %+v", h2)
	}
	for _, n := range []int{0, 5} {
		if err := f.Restore("acme/api/KEY", n); err == nil {
			t.Errorf("restore %d: no error", n)
		}
	}
	prev, err := f.Previous()
	if err != nil || len(prev) != 3 {
		t.Fatalf("previous: %d %v", len(prev), err)
	}
	for i := 0; i < 2*keepHistory; i++ {
		f.Set(Secret{Path: "acme/api/KEY", Value: []byte(fmt.Sprintf("rotated-%04d-value", i))})
	}
	if h, _ := f.History("acme/api/KEY"); len(h) != keepHistory+1 {
		t.Errorf("%d versions kept, want %d", len(h), keepHistory+1)
	}
	if err := f.Delete("acme/api/KEY"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.History("acme/api/KEY"); !errors.Is(err, ErrNotFound) {
		t.Errorf("history of a removed secret: %v", err)
	}
	raw, _ := json.Marshal(decrypted(t, path))
	if bytes.Contains(raw, []byte("rotated-")) || bytes.Contains(raw, []byte("value-one")) {
		t.Error("a removed secret's history is still in the vault")
	}
}
