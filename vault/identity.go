package vault

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"

	"filippo.io/age"
	"filippo.io/age/plugin"
)

// PassphraseRecipient returns the scrypt recipient a new vault is encrypted
// to. workFactor is log2(N); 0 means age's default. Tests lower it through
// NOXKEY_SCRYPT_WORK_FACTOR (see the README); the shipped default is age's.
func PassphraseRecipient(passphrase []byte, workFactor int) (age.Recipient, error) {
	if len(passphrase) == 0 {
		return nil, errors.New("vault: the passphrase is empty; choose one of at least 8 characters")
	}
	r, err := age.NewScryptRecipient(string(passphrase))
	if err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	if workFactor != 0 {
		if workFactor < 1 || workFactor > 30 {
			return nil, fmt.Errorf("vault: scrypt work factor %d is out of range 1..30", workFactor)
		}
		r.SetWorkFactor(workFactor)
	}
	return r, nil
}

// PassphraseIdentity returns the identity that opens a passphrase vault.
func PassphraseIdentity(passphrase []byte) (age.Identity, error) {
	id, err := age.NewScryptIdentity(string(passphrase))
	if err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	return id, nil
}

// ReadIdentityFile parses an age identity file: native keys
// (AGE-SECRET-KEY-1..., AGE-SECRET-KEY-PQ-1...) and plugin identities
// (AGE-PLUGIN-...), one a line, '#' comments. It returns the identities and
// the recipients a new vault is encrypted to. Plugin prompts go to ui.
func ReadIdentityFile(path string, ui *plugin.ClientUI) ([]age.Identity, []age.Recipient, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("vault: read identity file: %w", err)
	}
	defer clear(data)
	var ids []age.Identity
	var rcpts []age.Recipient
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "AGE-PLUGIN-") {
			id, err := plugin.NewIdentity(line, ui)
			if err != nil {
				return nil, nil, fmt.Errorf("vault: identity file %s line %d: %w", path, n, err)
			}
			ids, rcpts = append(ids, id), append(rcpts, id.Recipient())
			continue
		}
		parsed, err := age.ParseIdentities(strings.NewReader(line))
		if err != nil {
			// age's errors never include key material.
			return nil, nil, fmt.Errorf("vault: identity file %s line %d: %w", path, n, err)
		}
		for _, id := range parsed {
			switch k := id.(type) {
			case *age.X25519Identity:
				rcpts = append(rcpts, k.Recipient())
			case *age.HybridIdentity:
				rcpts = append(rcpts, k.Recipient())
			default:
				return nil, nil, fmt.Errorf("vault: identity file %s line %d: unsupported identity type %T", path, n, id)
			}
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil, nil, fmt.Errorf("vault: identity file %s holds no identity; make one with: age-keygen -o %s", path, path)
	}
	return ids, rcpts, nil
}
