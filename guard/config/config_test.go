package config

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noxkey/noxkey/guard"
)

// fake makes a deterministic, high-entropy string of n characters from alphabet.
func fake(alphabet string, n int, seed uint64) string {
	r := rand.New(rand.NewPCG(seed, 99))
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

const (
	alnum  = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	hexlow = "0123456789abcdef"
	b64    = alnum + "+/"
	urlb64 = alnum + "-_"
)

// ruleExamples: one text per default rule, and the secret in it that must go.
var ruleExamples = map[string][2]string{
	"stripe-secret-key":       {"STRIPE=%s", "sk_live_" + fake(alnum, 24, 1)},
	"aws-access-key-id":       {"aws_access_key_id = %s", "AKIAIOSFODNN7EXAMPLE"},
	"aws-secret-access-key":   {"aws_secret_access_key = %s", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"},
	"github-token":            {"token: %s", "ghp_" + fake(alnum, 36, 2)},
	"github-fine-grained-pat": {"GH=%s", "github_pat_" + fake(alnum+"_", 82, 3)},
	"gitlab-token":            {"GL=%s", "glpat-" + fake(alnum, 20, 4)},
	"slack-token":             {"SLACK=%s", "xoxb-123456789012-1234567890123-" + fake(alnum, 24, 5)},
	"slack-webhook-url":       {"url=%s", "https://hooks.slack.com/services/T00000000/B00000000/" + fake(alnum, 24, 6)},
	"openai-api-key":          {"OPENAI_API_KEY=%s", "sk-proj-" + fake(alnum, 48, 7)},
	"anthropic-api-key":       {"ANTHROPIC_API_KEY=%s", "sk-ant-api03-" + fake(urlb64, 93, 8) + "AA"},
	"google-api-key":          {"key=%s&q=1", "AIza" + fake(urlb64, 35, 9)},
	"gcp-service-account-key": {`{"type": "service_account", "private_key": "%s"}`, `-----BEGIN PRIVATE KEY-----\n` + fake(b64, 120, 10) + `\n-----END PRIVATE KEY-----\n`},
	"private-key":             {"cat id_rsa:\n%s\n", "-----BEGIN RSA PRIVATE KEY-----\n" + fake(b64, 64, 11) + "\n" + fake(b64, 64, 12) + "\n-----END RSA PRIVATE KEY-----"},
	"jwt":                     {"Authorization: Bearer %s", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0." + fake(urlb64, 43, 13)},
	"database-url-password":   {"DATABASE_URL=postgres://app:%s@db.internal:5432/app", "s3cr3t-" + fake(alnum, 12, 14)},
	"npm-token":               {"//registry.npmjs.org/:_authToken=%s", "npm_" + fake(alnum, 36, 15)},
	"pypi-token":              {"password = %s", "pypi-AgEIcHlwaS5vcmc" + fake(urlb64, 60, 16)},
	"sendgrid-api-key":        {"SENDGRID=%s", "SG." + fake(urlb64, 22, 17) + "." + fake(urlb64, 43, 18)},
	"twilio-api-key":          {"twilio api key %s", "SK" + fake(hexlow, 32, 19)},
	"mailgun-api-key":         {"MAILGUN=%s", "key-" + fake(hexlow, 32, 20)},
	"digitalocean-token":      {"DO=%s", "dop_v1_" + fake(hexlow, 64, 21)},
	"shopify-token":           {"SHOPIFY=%s", "shpat_" + fake(hexlow, 32, 22)},
	"square-access-token":     {"SQUARE=%s", "sq0atp-" + fake(urlb64, 22, 23)},
	"huggingface-token":       {"HF_TOKEN=%s", "hf_" + fake("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", 34, 24)},
	"databricks-token":        {"DATABRICKS=%s", "dapi" + fake(hexlow, 32, 25)},
	"doppler-token":           {"DOPPLER=%s", "dp.pt." + fake(alnum, 43, 26)},
	"linear-api-key":          {"LINEAR=%s", "lin_api_" + fake(alnum, 40, 27)},
	"telegram-bot-token":      {"BOT=%s", "123456789:AA" + fake(urlb64, 33, 28)},
	"azure-storage-key":       {"DefaultEndpointsProtocol=https;AccountName=x;AccountKey=%s;EndpointSuffix=core.windows.net", fake(b64, 86, 29) + "=="},
	"cloudflare-api-token":    {"CLOUDFLARE_API_TOKEN=%s", fake(alnum, 40, 30)},
	"heroku-api-key":          {"HEROKU_API_KEY=%s", "01234567-89ab-cdef-0123-456789abcdef"},
	"age-secret-key":          {"%s", "AGE-SECRET-KEY-1" + fake("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 58, 31)},
}

func defaultRules(t testing.TB) *guard.Rules {
	t.Helper()
	c, err := LoadConfig("")
	if err != nil {
		t.Fatal(err)
	}
	rs, err := loadRules(c)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func TestEveryDefaultRuleHasAnExampleThatItRedacts(t *testing.T) {
	rs := defaultRules(t)
	if rs.Len() < 25 {
		t.Fatalf("only %d default rules", rs.Len())
	}
	seen := map[string]bool{}
	for _, id := range ruleIDs(t) {
		seen[id] = true
		if _, ok := ruleExamples[id]; !ok {
			t.Errorf("rule %s has no example in ruleExamples", id)
		}
	}
	for id, ex := range ruleExamples {
		if !seen[id] {
			t.Errorf("example for unknown rule %s", id)
			continue
		}
		text := "line before\n" + strings.Replace(ex[0], "%s", ex[1], 1) + "\nline after\n"
		ms := rs.Find([]byte(text))
		out := string(guard.Redact([]byte(text), ms, ""))
		if !strings.Contains(out, "[REDACTED:") || !strings.Contains(out, id) {
			t.Errorf("%s: not redacted: %q (matches %v)", id, out, ms)
		}
		if strings.Contains(out, ex[1]) {
			t.Errorf("%s: the secret survives: %q", id, out)
		}
		if !strings.HasPrefix(out, "line before\n") || !strings.HasSuffix(out, "\nline after\n") {
			t.Errorf("%s: text outside the secret changed: %q", id, out)
		}
	}
}

func TestRulesLeaveBenignTextAlone(t *testing.T) {
	rs := defaultRules(t)
	text := []byte(strings.Repeat("2026-11-28T18:00:00Z INFO request handler user session token expired retry id=8c1f2e9a\nfunction a(e,t){return e.b(t)||1}var c=d(\"x\");\n", 20000))
	for _, s := range []string{
		"DATABASE_URL=postgres://app:${DB_PASSWORD}@db:5432/app\n",
		"DATABASE_URL=postgres://app:****@db:5432/app\n",
		"sk_live_ is the prefix of a Stripe key\n",
		"AKIA is how AWS key ids start\n",
		"ghp_short\n",
		"the heroku key is in the vault\n",
	} {
		text = append(text, s...)
	}
	if ms := rs.Find(text); len(ms) != 0 {
		t.Fatalf("rules matched benign text: %v", ms)
	}
}

func TestUserGitleaksFileWithAllowlists(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, ".gitleaks.toml"), []byte(`
title = "team rules"
[[rules]]
id = "acme-internal-token"
regex = '''\b(acme_[a-z0-9]{16})\b'''
keywords = ["acme_"]
[[rules.allowlists]]
stopwords = ["example"]
[[rules]]
id = "acme-no-keyword"
regex = '''ZZTOP-[0-9]{6}'''
[allowlist]
regexes = ['''^acme_0000000000000000$''']
`), 0o600)
	os.WriteFile(filepath.Join(dir, "guard.toml"), []byte("[rules]\nfiles = [\".gitleaks.toml\"]\n"), 0o600)
	c, err := LoadConfig(dir)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := loadRules(c)
	if err != nil {
		t.Fatal(err)
	}
	text := "a acme_0123456789abcdef b acme_example01234567 c acme_0000000000000000 d ZZTOP-123456 e"
	got := string(guard.Redact([]byte(text), rs.Find([]byte(text)), ""))
	want := "a [REDACTED:acme-internal-token] b acme_example01234567 c acme_0000000000000000 d [REDACTED:acme-no-keyword] e"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestConfigOverridesAndErrors(t *testing.T) {
	dir := t.TempDir()
	c, err := LoadConfig(dir)
	if err != nil || c.MinLength != 6 || c.Placeholder != guard.DefaultPlaceholder || !c.Rules.Enabled {
		t.Fatalf("defaults: %+v %v", c, err)
	}
	os.WriteFile(filepath.Join(dir, "guard.toml"), []byte("min_length = 10\n[rules]\nenabled = false\n"), 0o600)
	c, err = LoadConfig(dir)
	if err != nil || c.MinLength != 10 || c.Placeholder != guard.DefaultPlaceholder || c.Rules.Enabled {
		t.Fatalf("override: %+v %v", c, err)
	}
	if rs, err := loadRules(c); rs != nil || err != nil {
		t.Fatalf("rules off: %v %v", rs, err)
	}
	for _, bad := range []string{"min_length = 0\n", "placeholder = \"%s %s\"\n", "min_length = \"x\"\n", "[rules\n"} {
		os.WriteFile(filepath.Join(dir, "guard.toml"), []byte(bad), 0o600)
		if _, err := LoadConfig(dir); err == nil || !strings.Contains(err.Error(), "guard.toml") {
			t.Errorf("%q: error %v should name the file", bad, err)
		}
	}
	os.WriteFile(filepath.Join(dir, "guard.toml"), []byte("[rules]\nfiles = [\"missing.toml\"]\n"), 0o600)
	c, _ = LoadConfig(dir)
	if _, err := loadRules(c); err == nil {
		t.Error("a missing rule file must be an error")
	}
}

// TestLongTokensAreMatchedWhole: a rule's region past its keyword is
// short for most rules, but a match that reaches its end is looked for
// again in the long one: a JWT of several KiB is redacted whole.
func TestLongTokensAreMatchedWhole(t *testing.T) {
	rules := defaultRules(t)
	jwt := "eyJhbGciOiJIUzI1NiJ9." + "ey" + fake("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-", 3000, 7) + "." + fake("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-", 43, 8)
	text := []byte("Authorization: Bearer " + jwt + " end")
	ms := rules.Find(text)
	if len(ms) != 1 || string(text[ms[0].Start:ms[0].End]) != jwt {
		t.Fatalf("matches %+v of a %d-byte token", ms, len(jwt))
	}
}

// loadRules compiles the embedded default rules and the user's extra rule
// files, or returns nil when rules are switched off.
func loadRules(c *Config) (*guard.Rules, error) {
	if !c.Rules.Enabled {
		return nil, nil
	}
	specs, err := c.ruleSpecs()
	if err != nil {
		return nil, err
	}
	return guard.NewRules(specs)
}

// ruleIDs lists the IDs of the default rules.
func ruleIDs(t *testing.T) []string {
	t.Helper()
	specs, err := (&Config{}).ruleSpecs()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range specs {
		out = append(out, s.ID)
	}
	return out
}
