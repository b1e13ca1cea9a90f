package remote

import (
	"strings"
	"testing"
)

// The server-side behaviour (sync, check-and-set, faults) is tested
// against the real Vault server in cmd/noxkey (team_test.go); these are
// the parts that need none.
func TestConfigCheck(t *testing.T) {
	ok := Config{Name: "acme", Mount: "secret", Path: "team/acme", As: "acme"}
	if err := ok.Check(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		change func(*Config)
		want   string
	}{
		{func(c *Config) { c.Name = "a b" }, "remote name"},
		{func(c *Config) { c.Path = "/" }, "give the KV v2 mount and a path"},
		{func(c *Config) { c.As = "Acme" }, "must be a local prefix"},
		{func(c *Config) { c.As = "" }, "must be a local prefix"},
		{func(c *Config) { c.RoleID = "r" }, "AppRole needs both"},
	} {
		c := ok
		tc.change(&c)
		if err := c.Check(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v", c, err)
		}
	}
}

func TestLocalPaths(t *testing.T) {
	c := &Client{cfg: Config{Name: "acme", Path: "/team/acme/", As: "acme"}}
	for _, tc := range [][3]string{
		{"api", "STRIPE_KEY", "acme/api/STRIPE_KEY"},
		{"", "TOKEN", "acme/TOKEN"},
		{"a/b", "K", "acme/a/b/K"},
	} {
		if got := c.LocalPath(tc[0], tc[1]); got != tc[2] {
			t.Errorf("%q %q: %q", tc[0], tc[1], got)
		}
	}
	if c.full("api") != "team/acme/api" || c.full("") != "team/acme" {
		t.Errorf("full: %q %q", c.full("api"), c.full(""))
	}
}
