package daemon

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

func TestFrameRoundTrip(t *testing.T) {
	var b bytes.Buffer
	in := Request{Op: "get", Path: "acme/api/KEY", Public: []byte{1, 2, 3}}
	if err := WriteMsg(&b, &in); err != nil {
		t.Fatal(err)
	}
	if binary.BigEndian.Uint32(b.Bytes()) != uint32(b.Len()-4) {
		t.Fatal("the length prefix does not match the body")
	}
	var out Request
	if err := ReadMsg(&b, &out); err != nil || out.Op != "get" || out.Path != in.Path || !bytes.Equal(out.Public, in.Public) {
		t.Fatalf("%v %+v", err, out)
	}
	big := binary.BigEndian.AppendUint32(nil, MaxMessage+1)
	if err := ReadMsg(bytes.NewReader(big), &out); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("oversized frame: %v", err)
	}
	if err := WriteMsg(&b, &Request{Path: string(make([]byte, MaxMessage))}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("oversized write: %v", err)
	}
}

// FuzzReadMsg: any bytes are an error or a message, never a panic.
func FuzzReadMsg(f *testing.F) {
	var b bytes.Buffer
	WriteMsg(&b, &Request{Op: "get", Path: "a/B", Secret: &Sealed{Nonce: []byte{1}}})
	f.Add(b.Bytes())
	f.Add([]byte{0, 0, 0, 2, '{', '}'})
	f.Add([]byte{255, 255, 255, 255})
	f.Fuzz(func(t *testing.T, data []byte) {
		var r Request
		ReadMsg(bytes.NewReader(data), &r)
	})
}
