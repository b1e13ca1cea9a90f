package daemon

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
)

// sealInfo binds the derived key to this protocol and version.
const sealInfo = "noxkey handoff v1 X25519 HKDF-SHA256 AES-256-GCM"

// Opener is the requester's half of one exchange: a fresh X25519 key pair
// whose public half goes out with the request. Use it for one answer only.
type Opener struct {
	priv *ecdh.PrivateKey
}

// NewOpener makes a fresh one-time key pair.
func NewOpener() (*Opener, error) {
	k, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("handoff: key: %w", err)
	}
	return &Opener{priv: k}, nil
}

// Public is the 32-byte public key to send.
func (o *Opener) Public() []byte { return o.priv.PublicKey().Bytes() }

// Sealed is a value sealed to one Opener: the sender's ephemeral public
// key, and the AES-256-GCM nonce and ciphertext.
type Sealed struct {
	Ephemeral []byte `json:"ephemeral"`
	Nonce     []byte `json:"nonce"`
	Box       []byte `json:"box"`
}

// Seal encrypts plain to the requester's public key with a fresh
// ephemeral key pair of its own; ad (the request's op and path) is
// authenticated, not encrypted.
func Seal(peerPublic, plain, ad []byte) (*Sealed, error) {
	pub, err := ecdh.X25519().NewPublicKey(peerPublic)
	if err != nil {
		return nil, fmt.Errorf("handoff: requester key: %w", err)
	}
	eph, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("handoff: key: %w", err)
	}
	aead, err := deriveAEAD(eph, pub, pub.Bytes(), eph.PublicKey().Bytes())
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("handoff: nonce: %w", err)
	}
	return &Sealed{Ephemeral: eph.PublicKey().Bytes(), Nonce: nonce, Box: aead.Seal(nil, nonce, plain, ad)}, nil
}

// Open decrypts s; it fails unless s was sealed to this Opener with the
// same ad. The Opener's private key is dropped afterwards: one use only.
func (o *Opener) Open(s *Sealed, ad []byte) ([]byte, error) {
	if o.priv == nil {
		return nil, errors.New("handoff: this key was already used; make a new one per request")
	}
	defer func() { o.priv = nil }()
	if s == nil {
		return nil, errors.New("handoff: the daemon's answer carried no sealed value")
	}
	pub, err := ecdh.X25519().NewPublicKey(s.Ephemeral)
	if err != nil {
		return nil, fmt.Errorf("handoff: daemon key: %w", err)
	}
	aead, err := deriveAEAD(o.priv, pub, o.Public(), s.Ephemeral)
	if err != nil {
		return nil, err
	}
	if len(s.Nonce) != aead.NonceSize() {
		return nil, errors.New("handoff: sealed value has a bad nonce")
	}
	plain, err := aead.Open(nil, s.Nonce, s.Box, ad)
	if err != nil {
		return nil, errors.New("handoff: sealed value did not authenticate (tampered, or not meant for this request)")
	}
	return plain, nil
}

// deriveAEAD is HKDF-SHA256 over the X25519 shared secret, salted with
// both public keys (requester first), then AES-256-GCM.
func deriveAEAD(priv *ecdh.PrivateKey, pub *ecdh.PublicKey, requester, sender []byte) (cipher.AEAD, error) {
	shared, err := priv.ECDH(pub)
	if err != nil {
		return nil, fmt.Errorf("handoff: key agreement: %w", err)
	}
	salt := append(append([]byte(nil), requester...), sender...)
	key, err := hkdf.Key(sha256.New, shared, salt, sealInfo, 32)
	clear(shared)
	if err != nil {
		return nil, fmt.Errorf("handoff: derive: %w", err)
	}
	block, err := aes.NewCipher(key)
	clear(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}
