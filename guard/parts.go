package guard

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"bufio"
	"bytes"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"strings"
)

// Parts returns the pieces of a structured secret that a program can pull
// out and print on their own: when the value is JSON, YAML, INI, dotenv or
// a PEM private key, its leaves that look like secrets (by field name, or
// by length and entropy), and for a private key its DER encodings
// (PKCS#1 and PKCS#8), whose base64 and hex forms the index then holds.
// Ordinary words and public values (a type, a URL, an e-mail address, a
// project id) are left out: redacting them everywhere would be a false
// redaction. A value that is none of these has no parts.
func Parts(value []byte) [][]byte {
	var out [][]byte
	seen := map[string]bool{string(value): true}
	add := func(b []byte) {
		b = bytes.TrimSpace(b)
		if len(b) == 0 || seen[string(b)] {
			return
		}
		seen[string(b)] = true
		out = append(out, b)
	}
	var leaf func(key string, v []byte)
	leaf = func(key string, v []byte) {
		if bytes.Contains(v, []byte("-----BEGIN")) {
			add(v)
			for _, der := range derForms(v) {
				add(der)
			}
			return
		}
		if secretLeaf(key, v) {
			add(v)
		}
	}
	if bytes.Contains(value, []byte("-----BEGIN")) && bytes.Contains(value, []byte("PRIVATE KEY-----")) {
		for _, der := range derForms(value) {
			add(der)
		}
	}
	var doc any
	d := json.NewDecoder(bytes.NewReader(value))
	d.UseNumber()
	if json.Valid(value) && d.Decode(&doc) == nil {
		walkJSON("", doc, leaf)
		return out
	}
	// YAML (a mapping's key: value lines, nested ones indented), INI
	// (key = value under [sections]) and dotenv (KEY=value, export KEY=value).
	sc := bufio.NewScanner(bytes.NewReader(value))
	sc.Buffer(nil, len(value)+1)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		line = strings.TrimPrefix(line, "export ")
		if line == "" || line[0] == '#' || line[0] == ';' || line[0] == '[' {
			continue
		}
		i := strings.IndexAny(line, ":=")
		if i <= 0 {
			continue
		}
		key := strings.TrimSpace(line[:i])
		v := strings.TrimSpace(line[i+1:])
		v = strings.TrimSuffix(strings.TrimPrefix(v, "- "), ",")
		if len(v) >= 2 && (v[0] == '"' && v[len(v)-1] == '"' || v[0] == '\'' && v[len(v)-1] == '\'') {
			v = v[1 : len(v)-1]
		}
		if strings.ContainsAny(key, " \t\"'{}") {
			continue
		}
		leaf(key, []byte(v))
	}
	return out
}

func walkJSON(key string, v any, leaf func(key string, v []byte)) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			walkJSON(k, e, leaf)
		}
	case []any:
		for _, e := range x {
			walkJSON(key, e, leaf)
		}
	case string:
		leaf(key, []byte(x))
	case json.Number:
		leaf(key, []byte(x))
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
	return len(v) >= 16 && entropy(v) >= 3.5 && !bytes.ContainsRune(v, ' ')
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
