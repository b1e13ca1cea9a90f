package vault

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"golang.org/x/crypto/chacha20poly1305"
)

// sealPayload returns nonce || STREAM(plaintext) as the age v1 format lays
// out the payload after the header: a 16-byte random nonce, a payload key
// HKDF-SHA256(ikm=fileKey, salt=nonce, info="payload"), and 64 KiB chunks
// sealed with ChaCha20-Poly1305 under an 11-byte big-endian counter and a
// last-chunk flag. age's API always draws a new file key, which under a
// scrypt recipient costs a second passphrase derivation per write; this is
// the only part of the format written here, and age.Decrypt reads it back
// in the tests (and stock `age -d` in the CLI tests).
func sealPayload(fileKey, plaintext []byte) ([]byte, error) {
	const chunkSize = 64 * 1024
	nonce := make([]byte, 16)
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	key, err := hkdf.Key(sha256.New, fileKey, nonce, "payload", chacha20poly1305.KeySize)
	if err != nil {
		return nil, fmt.Errorf("vault: derive payload key: %w", err)
	}
	defer clear(key)
	aead, err := chacha20poly1305.New(key)
	if err != nil {
		return nil, err
	}
	chunks := (len(plaintext) + chunkSize - 1) / chunkSize
	if chunks == 0 {
		chunks = 1
	}
	out := make([]byte, 0, len(nonce)+len(plaintext)+chunks*aead.Overhead())
	out = append(out, nonce...)
	var n [chacha20poly1305.NonceSize]byte
	for i := 0; i < chunks; i++ {
		chunk := plaintext[i*chunkSize : min((i+1)*chunkSize, len(plaintext))]
		binary.BigEndian.PutUint64(n[3:11], uint64(i))
		if i == chunks-1 {
			n[11] = 1
		}
		out = aead.Seal(out, n[:], chunk, nil)
	}
	return out, nil
}

// openPayload decrypts nonce || STREAM(plaintext), the payload sealPayload
// writes and age reads, into one buffer that the caller wipes: age's
// reader would leave a copy of each 64 KiB chunk in its own buffer. The
// header before it must already be authenticated (the caller decrypted it,
// or it is byte for byte the one it decrypted). A truncated, reordered or
// extended stream is an error, as in age.
func openPayload(fileKey, payload []byte) ([]byte, error) {
	const chunkSize = 64 * 1024
	if len(payload) < 16 {
		return nil, fmt.Errorf("payload too short")
	}
	key, err := hkdf.Key(sha256.New, fileKey, payload[:16], "payload", chacha20poly1305.KeySize)
	if err != nil {
		return nil, fmt.Errorf("derive payload key: %w", err)
	}
	defer clear(key)
	aead, err := chacha20poly1305.New(key)
	if err != nil {
		return nil, err
	}
	body := payload[16:]
	sealed := chunkSize + aead.Overhead()
	out := make([]byte, 0, len(body))
	var n [chacha20poly1305.NonceSize]byte
	for i := uint64(0); ; i++ {
		last := len(body) <= sealed
		chunk := body[:min(sealed, len(body))]
		body = body[len(chunk):]
		binary.BigEndian.PutUint64(n[3:11], i)
		if last {
			n[11] = 1
		}
		var err error
		out, err = aead.Open(out, n[:], chunk, nil)
		if err != nil {
			// A full chunk with nothing after it may be the last one only
			// if it says so; age rejects an empty last chunk after others.
			clear(out[:cap(out)])
			return nil, fmt.Errorf("payload chunk %d: %w", i, err)
		}
		if last {
			if i > 0 && len(chunk) == aead.Overhead() {
				clear(out[:cap(out)])
				return nil, fmt.Errorf("payload: empty last chunk")
			}
			return out, nil
		}
	}
}
