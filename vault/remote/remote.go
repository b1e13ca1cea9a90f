// Package remote keeps a copy of a team's secrets from a HashiCorp Vault
// (or OpenBao) KV version 2 engine in the local vault, so the guard knows
// them and the handoff serves them offline, and writes changes back with
// check-and-set so that no teammate's write is lost.
//
// A remote secret (a KV path under the remote's path) is a set of fields;
// each field becomes one local secret: remote team/acme/api with field
// STRIPE_KEY, under a remote mapped "as" acme, is acme/api/STRIPE_KEY.
package remote

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/noxkey/noxkey/vault"
)

// Config is one remote, a [[remote]] table of config.toml.
type Config struct {
	Name         string `toml:"name"`
	Addr         string `toml:"vault_addr"`     // default VAULT_ADDR
	Mount        string `toml:"mount"`          // the KV v2 mount, e.g. "secret"
	Path         string `toml:"path"`           // under the mount, e.g. "team/acme"
	As           string `toml:"as"`             // the local prefix, e.g. "acme"
	RoleID       string `toml:"role_id"`        // AppRole login instead of a token
	SecretIDFile string `toml:"secret_id_file"` // the AppRole secret id
	CACert       string `toml:"ca_cert"`        // default VAULT_CACERT
	Namespace    string `toml:"namespace"`      // default VAULT_NAMESPACE
}

// Check reports what is wrong with c, if anything.
func (c *Config) Check() error {
	if !validName(c.Name) {
		return fmt.Errorf("remote name %q: use letters, digits, '-' and '_'", c.Name)
	}
	if c.Mount == "" || strings.Trim(c.Path, "/") == "" {
		return fmt.Errorf("remote %s: give the KV v2 mount and a path under it (--mount secret --path team/acme)", c.Name)
	}
	if err := vault.ValidatePath(c.As + "/NAME"); err != nil || c.As == "" {
		return fmt.Errorf("remote %s: --as %q must be a local prefix such as acme or team/acme", c.Name, c.As)
	}
	if (c.RoleID == "") != (c.SecretIDFile == "") {
		return fmt.Errorf("remote %s: AppRole needs both --role-id and --secret-id-file", c.Name)
	}
	return nil
}

func validName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c == '-' || c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// Client talks to one remote.
type Client struct {
	cfg Config
	kv  *api.KVv2
	c   *api.Client
}

// ErrAuth means the remote refused the credentials: none found, expired,
// or revoked.
var ErrAuth = errors.New("the Vault server refused the credentials")

// Dial makes a client for cfg with the Vault client's own conventions:
// VAULT_ADDR, VAULT_CACERT, VAULT_NAMESPACE and VAULT_TOKEN from the
// environment unless cfg names them, then the token helper's file
// ~/.vault-token, or an AppRole login when cfg has a role id.
func Dial(ctx context.Context, cfg Config) (*Client, error) {
	conf := api.DefaultConfig() // reads VAULT_ADDR, VAULT_CACERT, ...
	if conf.Error != nil {
		return nil, fmt.Errorf("remote %s: %w", cfg.Name, conf.Error)
	}
	if cfg.Addr != "" {
		conf.Address = cfg.Addr
	}
	if cfg.CACert != "" {
		if err := conf.ConfigureTLS(&api.TLSConfig{CACert: cfg.CACert}); err != nil {
			return nil, fmt.Errorf("remote %s: CA certificate %s: %w", cfg.Name, cfg.CACert, err)
		}
	}
	conf.MaxRetries = 0 // a failed sync is reported, not retried for minutes
	conf.Timeout = 30 * time.Second
	c, err := api.NewClient(conf)
	if err != nil {
		return nil, fmt.Errorf("remote %s: %w", cfg.Name, err)
	}
	if cfg.Namespace != "" {
		c.SetNamespace(cfg.Namespace)
	}
	switch {
	case cfg.RoleID != "":
		sid, err := os.ReadFile(cfg.SecretIDFile)
		if err != nil {
			return nil, fmt.Errorf("remote %s: AppRole secret id: %w", cfg.Name, err)
		}
		s, err := c.Logical().WriteWithContext(ctx, "auth/approle/login", map[string]any{
			"role_id": cfg.RoleID, "secret_id": strings.TrimSpace(string(sid)),
		})
		clear(sid)
		if err != nil {
			return nil, fmt.Errorf("remote %s: AppRole login: %w", cfg.Name, explain(err))
		}
		if s == nil || s.Auth == nil {
			return nil, fmt.Errorf("remote %s: AppRole login gave no token", cfg.Name)
		}
		c.SetToken(s.Auth.ClientToken)
	case c.Token() == "":
		home, _ := os.UserHomeDir()
		if b, err := os.ReadFile(filepath.Join(home, ".vault-token")); err == nil {
			c.SetToken(strings.TrimSpace(string(b)))
			clear(b)
		}
	}
	if c.Token() == "" {
		return nil, fmt.Errorf("remote %s: %w: no token (set VAULT_TOKEN, run vault login, or give the remote an AppRole)", cfg.Name, ErrAuth)
	}
	return &Client{cfg: cfg, c: c, kv: c.KVv2(cfg.Mount)}, nil
}

// base is the remote's path under the mount, without slashes at its ends.
func (c *Client) base() string { return strings.Trim(c.cfg.Path, "/") }

// full is the KV path of key.
func (c *Client) full(key string) string {
	if key == "" {
		return c.base()
	}
	return c.base() + "/" + key
}

// explain turns the Vault client's errors into what to do.
func explain(err error) error {
	var re *api.ResponseError
	if errors.As(err, &re) {
		switch re.StatusCode {
		case http.StatusForbidden:
			return fmt.Errorf("%w (permission denied: expired or revoked, or its policy does not allow this; log in again with vault login or set VAULT_TOKEN)", ErrAuth)
		case http.StatusNotFound:
			return fmt.Errorf("not found on the Vault server (is the mount a KV version 2 engine?)")
		}
		return fmt.Errorf("the Vault server answered %d: %s", re.StatusCode, strings.Join(re.Errors, "; "))
	}
	return err
}

// forbidden reports whether err is a 403 answer.
func forbidden(err error) bool {
	var re *api.ResponseError
	return errors.As(err, &re) && re.StatusCode == http.StatusForbidden
}

// Keys lists every secret under the remote's path (keys relative to it),
// walking its folders.
func (c *Client) Keys(ctx context.Context) ([]string, error) {
	var out []string
	dirs := []string{""}
	for len(dirs) > 0 {
		dir := dirs[0]
		dirs = dirs[1:]
		s, err := c.c.Logical().ListWithContext(ctx, c.cfg.Mount+"/metadata/"+c.full(dir))
		if err != nil {
			return nil, fmt.Errorf("remote %s: list %s: %w", c.cfg.Name, c.full(dir), explain(err))
		}
		if s == nil || s.Data == nil {
			continue
		}
		keys, _ := s.Data["keys"].([]any)
		for _, k := range keys {
			name, _ := k.(string)
			if name == "" {
				continue
			}
			rel := strings.TrimPrefix(dir+name, "/")
			if strings.HasSuffix(name, "/") {
				dirs = append(dirs, rel)
			} else {
				out = append(out, rel)
			}
		}
	}
	return out, nil
}

// Version is one remote secret's current version.
type Version struct {
	Key     string
	Version int
	Updated time.Time
	Gone    bool // its current version is deleted or destroyed
}

// Stat returns key's current version.
func (c *Client) Stat(ctx context.Context, key string) (Version, error) {
	m, err := c.kv.GetMetadata(ctx, c.full(key))
	if errors.Is(err, api.ErrSecretNotFound) {
		return Version{Key: key, Gone: true}, nil
	}
	if err != nil {
		return Version{}, err
	}
	v := Version{Key: key, Version: m.CurrentVersion, Updated: m.UpdatedTime}
	if vm, ok := m.Versions[fmt.Sprint(m.CurrentVersion)]; ok {
		v.Updated = vm.CreatedTime
		v.Gone = !vm.DeletionTime.IsZero() || vm.Destroyed
	}
	return v, nil
}

// Read returns key's fields at its current version. A field that is not a
// string is kept as its JSON text.
func (c *Client) Read(ctx context.Context, key string) (map[string][]byte, Version, error) {
	s, err := c.kv.Get(ctx, c.full(key))
	if errors.Is(err, api.ErrSecretNotFound) {
		return nil, Version{Key: key, Gone: true}, nil
	}
	if err != nil {
		return nil, Version{}, err
	}
	v := Version{Key: key}
	if s.VersionMetadata != nil {
		v.Version, v.Updated = s.VersionMetadata.Version, s.VersionMetadata.CreatedTime
		v.Gone = !s.VersionMetadata.DeletionTime.IsZero() || s.VersionMetadata.Destroyed
	}
	fields := make(map[string][]byte, len(s.Data))
	for k, x := range s.Data {
		if str, ok := x.(string); ok {
			fields[k] = []byte(str)
		} else if b, err := json.Marshal(x); err == nil {
			fields[k] = b
		}
	}
	return fields, v, nil
}

// Conflict is a write refused because the remote secret changed since
// this machine's copy (version Have); Now is the version there.
type Conflict struct {
	Key        string
	Have, Now  Version
	remoteName string
}

func (e *Conflict) Error() string {
	have := fmt.Sprintf("this machine has version %d (written %s)", e.Have.Version, e.Have.Updated.Local().Format(time.DateTime))
	if e.Have.Version == 0 {
		have = "this machine has not synced it yet"
	}
	return fmt.Sprintf("%s/%s changed on the Vault server since this machine synced it: it is at version %d (written %s), %s; nothing was changed. Run noxkey sync %s and set it again, or add --force to overwrite",
		e.remoteName, e.Key, e.Now.Version, e.Now.Updated.Local().Format(time.DateTime), have, e.remoteName)
}

// SetField writes field of key (nil value: removes the field), with
// check-and-set on version have: a secret that does not exist yet (have
// 0) is created, any other is patched, so its other fields stay as they
// are there. force writes whatever version is there.
func (c *Client) SetField(ctx context.Context, key, field string, value []byte, have Version, force bool) (Version, error) {
	var v any
	if value != nil {
		v = string(value)
	}
	var opts []api.KVOption
	if !force {
		opts = append(opts, api.WithCheckAndSet(have.Version))
	}
	var s *api.KVSecret
	var err error
	if have.Version == 0 {
		s, err = c.kv.Put(ctx, c.full(key), map[string]any{field: v}, opts...)
	} else {
		s, err = c.kv.Patch(ctx, c.full(key), map[string]any{field: v}, opts...)
	}
	if err != nil {
		var re *api.ResponseError
		if !force && errors.As(err, &re) && re.StatusCode == http.StatusBadRequest && strings.Contains(strings.Join(re.Errors, " "), "check-and-set") {
			now, serr := c.Stat(ctx, key)
			if serr == nil {
				return Version{}, &Conflict{Key: key, Have: have, Now: now, remoteName: c.cfg.Name}
			}
		}
		return Version{}, fmt.Errorf("remote %s: write %s: %w", c.cfg.Name, c.full(key), explain(err))
	}
	out := Version{Key: key}
	if s != nil && s.VersionMetadata != nil {
		out.Version, out.Updated = s.VersionMetadata.Version, s.VersionMetadata.CreatedTime
	}
	return out, nil
}
