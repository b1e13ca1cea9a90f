// Package parts finds the pieces of structured secrets (JSON, YAML, INI,
// dotenv, PEM private keys) that programs print on their own, so that the
// guard's index holds them too. It is kept out of package guard: parsing
// keys links crypto/x509, whose package initialization every hook call
// would pay.
package parts

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"strings"

	"github.com/noxkey/noxkey/guard"
	"github.com/noxkey/noxkey/internal/jsonstr"
)

// Of returns the pieces of a structured secret that a program can pull
// out and print on their own: when the value is JSON, YAML, INI, dotenv or
// a PEM private key, its leaves that look like secrets (by field name, or
// by length and entropy), and for a private key its DER encodings
// (PKCS#1 and PKCS#8), whose base64 and hex forms the index then holds.
// Ordinary words and public values (a type, a URL, an e-mail address, a
// project id) are left out: redacting them everywhere would be a false
// redaction. A value that is none of these has no parts. The parts are
// fresh copies for the caller to wipe (Count wipes them).
func Of(value []byte) [][]byte {
	var out [][]byte
	add := func(b []byte) {
		b = bytes.TrimSpace(b)
		if len(b) == 0 || bytes.Equal(b, value) {
			return
		}
		for _, o := range out {
			if bytes.Equal(o, b) {
				return
			}
		}
		out = append(out, bytes.Clone(b))
	}
	leaf := func(key, v []byte) {
		if bytes.Contains(v, []byte("-----BEGIN")) {
			add(v)
			for _, der := range derForms(v) {
				add(der)
				clear(der)
			}
			return
		}
		if secretLeaf(string(key), v) {
			add(v)
		}
	}
	if bytes.Contains(value, []byte("-----BEGIN")) && bytes.Contains(value, []byte("PRIVATE KEY-----")) {
		for _, der := range derForms(value) {
			add(der)
			clear(der)
		}
	}
	if json.Valid(value) {
		jsonLeaves(value, leaf)
		return out
	}
	// YAML (a mapping's key: value lines, nested ones indented), INI
	// (key = value under [sections]) and dotenv (KEY=value, export KEY=value).
	for rest := value; len(rest) > 0; {
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			rest = nil
		}
		line = bytes.TrimPrefix(bytes.TrimSpace(line), []byte("export "))
		if len(line) == 0 || line[0] == '#' || line[0] == ';' || line[0] == '[' {
			continue
		}
		i := bytes.IndexAny(line, ":=")
		if i <= 0 {
			continue
		}
		key := bytes.TrimSpace(line[:i])
		v := bytes.TrimSpace(line[i+1:])
		v = bytes.TrimSuffix(bytes.TrimPrefix(v, []byte("- ")), []byte(","))
		if len(v) >= 2 && (v[0] == '"' && v[len(v)-1] == '"' || v[0] == '\'' && v[len(v)-1] == '\'') {
			v = v[1 : len(v)-1]
		}
		if bytes.ContainsAny(key, " \t\"'{}") {
			continue
		}
		leaf(key, v)
	}
	return out
}

// jsonLeaves calls leaf with every string and number of the valid JSON in
// doc and the key it is under (that of the nearest object member). A
// string is unescaped into a buffer leaf may keep only for the call, and
// which is wiped after it: no copy of a leaf is left behind.
func jsonLeaves(doc []byte, leaf func(key, v []byte)) {
	var key, buf []byte
	for i := 0; i < len(doc); {
		c := doc[i]
		switch {
		case c == '"':
			j := i + 1
			for j < len(doc) && doc[j] != '"' {
				if doc[j] == '\\' {
					j++
				}
				j++
			}
			lit := doc[i : j+1]
			k := j + 1
			for k < len(doc) && (doc[k] == ' ' || doc[k] == '\t' || doc[k] == '\n' || doc[k] == '\r') {
				k++
			}
			var ok bool
			if buf, ok = jsonstr.AppendUnquote(buf[:0], lit); ok {
				if k < len(doc) && doc[k] == ':' {
					key = append(key[:0], buf...)
				} else {
					leaf(key, buf)
				}
			}
			clear(buf)
			i = j + 1
		case c == '-' || c >= '0' && c <= '9':
			j := i
			for j < len(doc) && bytes.IndexByte([]byte("+-.eE0123456789"), doc[j]) >= 0 {
				j++
			}
			leaf(key, doc[i:j])
			i = j
		default:
			i++
		}
	}
}

// secretFields are field names whose values are secrets whatever they
// look like.
var secretFields = []string{"password", "passwd", "pwd", "secret", "token", "private_key", "privatekey", "api_key", "apikey",
	"access_key", "secret_key", "client_secret", "auth", "credential", "credentials", "passphrase", "refresh_token", "session_key"}

// publicFields are names of values that are never secrets.
var publicFields = []string{"type", "email", "client_email", "project_id", "client_id", "auth_uri", "token_uri", "url", "uri",
	"username", "user", "name", "host", "hostname", "port", "region", "universe_domain", "auth_provider_x509_cert_url", "client_x509_cert_url",
	"private_key_id", "account", "database", "db", "scheme", "path"}

// secretLeaf decides whether a leaf is worth indexing on its own.
func secretLeaf(key string, v []byte) bool {
	k := strings.ToLower(strings.Trim(key, "\"' "))
	if len(v) < 6 || bytes.Contains(v, []byte("://")) || bytes.IndexByte(v, '@') > 0 && bytes.IndexByte(v, '.') > 0 && !bytes.ContainsAny(v, " :") {
		return false
	}
	for _, p := range publicFields {
		if k == p {
			return false
		}
	}
	for _, s := range secretFields {
		if strings.Contains(k, s) {
			return true
		}
	}
	return len(v) >= 16 && guard.Entropy(v) >= 3.5 && !bytes.ContainsRune(v, ' ')
}

// derForms returns the DER encodings of the private keys in PEM text: as
// written, and converted between PKCS#1 and PKCS#8 (RSA) or SEC 1 and
// PKCS#8 (EC), which openssl prints on request.
func derForms(text []byte) [][]byte {
	var out [][]byte
	for rest := text; ; {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			return out
		}
		if !strings.Contains(blk.Type, "PRIVATE KEY") {
			continue
		}
		out = append(out, blk.Bytes)
		if k, err := x509.ParsePKCS1PrivateKey(blk.Bytes); err == nil {
			if der, err := x509.MarshalPKCS8PrivateKey(k); err == nil {
				out = append(out, der)
			}
		}
		if k, err := x509.ParseECPrivateKey(blk.Bytes); err == nil {
			if der, err := x509.MarshalPKCS8PrivateKey(k); err == nil {
				out = append(out, der)
			}
		}
		if k, err := x509.ParsePKCS8PrivateKey(blk.Bytes); err == nil {
			if der, err := x509.MarshalPKCS8PrivateKey(k); err == nil {
				out = append(out, der)
			}
			switch k := k.(type) {
			case *rsa.PrivateKey:
				out = append(out, x509.MarshalPKCS1PrivateKey(k))
			case *ecdsa.PrivateKey:
				if der, err := x509.MarshalECPrivateKey(k); err == nil {
					out = append(out, der)
				}
			}
		}
	}
}

// Count is the number of parts of value (Of), which it wipes.
func Count(value []byte) int {
	ps := Of(value)
	for _, p := range ps {
		clear(p)
	}
	return len(ps)
}

// Expand returns secrets with the parts of each (Of) of at least minLen
// bytes after it, under its name, and a function that wipes the parts'
// copies once the index is built.
func Expand(secrets []guard.Secret, minLen int) ([]guard.Secret, func()) {
	out := make([]guard.Secret, 0, len(secrets))
	var owned [][]byte
	for _, s := range secrets {
		out = append(out, s)
		for _, p := range Of(s.Value) {
			owned = append(owned, p)
			if len(p) >= minLen {
				out = append(out, guard.Secret{Name: s.Name, Value: p})
			}
		}
	}
	return out, func() {
		for _, p := range owned {
			clear(p)
		}
	}
}
