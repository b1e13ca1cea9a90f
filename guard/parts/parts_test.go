package parts_test

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/noxkey/noxkey/guard"
	"github.com/noxkey/noxkey/guard/parts"
)

// need skips (or, under CI, fails) when a program is missing.
func need(t *testing.T, progs string) {
	for _, p := range strings.Fields(progs) {
		if _, err := exec.LookPath(p); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is not installed (.ci/run installs it)", p)
			}
			t.Skipf("%s is not installed", p)
		}
	}
}

// testGuard is a guard over secrets and their parts, as noxkey builds it.
func testGuard(t *testing.T, secrets ...guard.Secret) *guard.Guard {
	key := make([]byte, 32)
	rand.Read(key)
	all, wipe := parts.Expand(secrets, 6)
	defer wipe()
	ix, _, err := guard.Build(all, key, guard.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return &guard.Guard{Index: ix, Placeholder: guard.DefaultPlaceholder}
}

// structuredSecret is a service-account JSON key (with a fresh RSA key) as
// a vault value; creds.json in dir holds it.
func structuredSecret(t *testing.T, dir string) guard.Secret {
	t.Helper()
	out, err := exec.Command("openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024").Output()
	if err != nil {
		t.Skipf("openssl: %v", err)
	}
	doc := map[string]string{
		"type": "service_account", "project_id": "acme-prod-1234", "private_key_id": "0123456789abcdef0123456789abcdef01234567",
		"private_key": string(out), "client_email": "deploy@acme-prod-1234.iam.gserviceaccount.com", "client_id": "104839201928374650192",
		"client_secret": "GOCSPX-" + strings.Repeat("aB3", 9), "token_uri": "https://oauth2.googleapis.com/token",
	}
	b, _ := json.MarshalIndent(doc, "", "  ")
	os.WriteFile(dir+"/creds.json", b, 0o600)
	return guard.Secret{Name: "acme/gcp/SA_KEY", Value: b}
}

// TestStructuredSecretParts: a JSON credential's secret leaves and its
// private key's DER forms are found where programs print them alone; its
// public leaves are not redacted.
func TestStructuredSecretParts(t *testing.T) {
	dir := t.TempDir()
	sa := structuredSecret(t, dir)
	g := testGuard(t, sa)
	run := func(script string) []byte {
		cmd := exec.Command("bash", "-c", script)
		cmd.Dir = dir
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: %v", script, err)
		}
		return out
	}
	for _, c := range []struct{ need, script string }{
		{"jq", `jq -r .client_secret creds.json`},
		{"jq", `jq -r .private_key creds.json`},
		{"jq", `jq -c . creds.json`},
		{"jq", `jq .private_key creds.json`},
		{"python3", `/usr/bin/python3 -c 'import json; print(json.load(open("creds.json")))'`},
		{"jq openssl", `jq -r .private_key creds.json | openssl pkcs8 -topk8 -nocrypt -outform DER | base64`},
		{"jq openssl", `jq -r .private_key creds.json | openssl rsa -traditional -outform DER 2>/dev/null | base64 -w0`},
		{"jq openssl xxd", `jq -r .private_key creds.json | openssl pkcs8 -topk8 -nocrypt -outform DER | xxd -p`},
	} {
		need(t, c.need)
		out := run(c.script)
		red, ms := g.Redact(out)
		if len(ms) == 0 || bytes.Contains(red, []byte("GOCSPX-")) || bytes.Contains(red, []byte("MII")) && bytes.Contains(out, []byte("MII")) && !bytes.Contains(red, []byte("[REDACTED")) {
			// Not the output itself: it holds the secret where redaction failed.
			t.Errorf("%s: not redacted (%d matches; client secret left: %v)", c.script, len(ms), bytes.Contains(red, []byte("GOCSPX-")))
		}
	}
	for _, script := range []string{`jq -r .type creds.json`, `jq -r .client_email creds.json`, `jq -r .token_uri creds.json`, `jq -r .project_id creds.json`} {
		if out := run(script); len(g.Find(out)) > 0 {
			t.Errorf("%s: a public leaf was redacted: %s", script, out)
		}
	}
	for _, v := range []string{"DB_PASSWORD=hunter2-but-longer\nDEBUG=true\nPORT=8080\n", "[db]\nhost = db.internal\npassword = \"s3cr3t-Pa55word!\"\n", "db:\n  user: app\n  password: 'xY9#kL2$mN8@qR4'\n"} {
		got := parts.Of([]byte(v))
		if len(got) != 1 {
			t.Errorf("parts of %q: %q, want the password only", v, got)
		}
	}
}
