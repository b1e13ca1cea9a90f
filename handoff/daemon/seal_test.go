package daemon

import (
	"bytes"
	"testing"
)

func TestSealRoundTrip(t *testing.T) {
	o, err := NewOpener()
	if err != nil {
		t.Fatal(err)
	}
	plain := []byte("value with 'quotes' and \x00 bytes")
	s, err := Seal(o.Public(), plain, []byte("get acme/api/KEY"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(s.Box, plain[:10]) {
		t.Fatal("the sealed box holds the plaintext")
	}
	got, err := o.Open(s, []byte("get acme/api/KEY"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, plain) {
		t.Fatal("opened value differs from the sealed one")
	}
	if _, err := o.Open(s, []byte("get acme/api/KEY")); err == nil {
		t.Fatal("an Opener opened twice; keys must be one-time")
	}
}

func TestSealRejects(t *testing.T) {
	o, _ := NewOpener()
	other, _ := NewOpener()
	s, err := Seal(o.Public(), []byte("v"), []byte("ad"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Open(s, []byte("ad")); err == nil {
		t.Error("a different key opened the value")
	}
	o2, _ := NewOpener()
	s2, _ := Seal(o2.Public(), []byte("v"), []byte("ad"))
	if _, err := o2.Open(s2, []byte("other ad")); err == nil {
		t.Error("a value sealed for one request opened for another")
	}
	o3, _ := NewOpener()
	s3, _ := Seal(o3.Public(), []byte("v"), nil)
	s3.Box[0] ^= 1
	if _, err := o3.Open(s3, nil); err == nil {
		t.Error("a tampered box opened")
	}
	if _, err := Seal([]byte("short"), []byte("v"), nil); err == nil {
		t.Error("a malformed public key was accepted")
	}
}

func TestSealFreshKeys(t *testing.T) {
	o, _ := NewOpener()
	a, _ := Seal(o.Public(), []byte("same"), nil)
	b, _ := Seal(o.Public(), []byte("same"), nil)
	if bytes.Equal(a.Ephemeral, b.Ephemeral) || bytes.Equal(a.Box, b.Box) {
		t.Error("two seals reused an ephemeral key")
	}
}
