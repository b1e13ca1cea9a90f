package guard

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/noxkey/noxkey/configs"
)

// Config is guard.toml: the embedded defaults, overridden key by key by
// the user's file.
type Config struct {
	MinLength   int    `toml:"min_length"`
	Placeholder string `toml:"placeholder"`
	Rules       struct {
		Enabled bool     `toml:"enabled"`
		Files   []string `toml:"files"`
	} `toml:"rules"`

	dir string // directory of the user's guard.toml, for relative rule files
}

// LoadConfig reads the embedded guard.toml, then dir/guard.toml if it
// exists. Keys the user's file leaves out keep their defaults.
func LoadConfig(dir string) (*Config, error) {
	c := &Config{dir: dir}
	def, err := configs.FS.ReadFile("guard.toml")
	if err != nil {
		return nil, err
	}
	if _, err := toml.Decode(string(def), c); err != nil {
		return nil, fmt.Errorf("guard: embedded guard.toml: %w", err)
	}
	p := filepath.Join(dir, "guard.toml")
	if dir != "" {
		if _, err := toml.DecodeFile(p, c); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("guard: %s: %w (fix the file or remove it to use the defaults)", p, err)
		}
	}
	if c.MinLength < 1 {
		return nil, fmt.Errorf("guard: %s: min_length must be at least 1", p)
	}
	if strings.Count(c.Placeholder, "%s") > 1 || strings.Contains(strings.ReplaceAll(c.Placeholder, "%s", ""), "%") {
		return nil, fmt.Errorf("guard: %s: placeholder %q may hold one %%s and no other %%", p, c.Placeholder)
	}
	return c, nil
}

// ruleFiles resolves the extra rule files: ~ is the home directory,
// relative paths are relative to guard.toml's directory.
func (c *Config) ruleFiles() []string {
	home, _ := os.UserHomeDir()
	var out []string
	for _, f := range c.Rules.Files {
		switch {
		case strings.HasPrefix(f, "~/"):
			f = filepath.Join(home, f[2:])
		case !filepath.IsAbs(f):
			f = filepath.Join(c.dir, f)
		}
		out = append(out, f)
	}
	return out
}

// fingerprint identifies every input of the settings: the embedded
// defaults and, by path, size and modification time, the user's
// guard.toml and rule files. An index whose stored fingerprint still
// matches lets the hook skip TOML altogether.
func fingerprint(dir string, ruleFiles []string) string {
	h := sha256.New()
	ents, _ := fs.Glob(configs.FS, "rules/*.toml")
	for _, e := range append([]string{"guard.toml"}, ents...) {
		b, _ := configs.FS.ReadFile(e)
		fmt.Fprintf(h, "%s %d\n", e, len(b))
		h.Write(b)
	}
	for _, f := range append([]string{filepath.Join(dir, "guard.toml")}, ruleFiles...) {
		if fi, err := os.Stat(f); err == nil {
			fmt.Fprintf(h, "%s %d %d\n", f, fi.Size(), fi.ModTime().UnixNano())
		} else {
			fmt.Fprintf(h, "%s absent\n", f)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// settings is what the index keeps of guard.toml and the rules, so that
// the hook needs no TOML while they are unchanged.
type settings struct {
	Fingerprint  string
	Placeholder  string
	RulesEnabled bool
	RuleFiles    []string
	Specs        []ruleSpec
}

// settings returns what Build stores in the index.
func (c *Config) settings() (*settings, error) {
	st := &settings{Placeholder: c.Placeholder, RulesEnabled: c.Rules.Enabled, RuleFiles: c.ruleFiles()}
	st.Fingerprint = fingerprint(c.dir, st.RuleFiles)
	if c.Rules.Enabled {
		rs, err := c.LoadRules()
		if err != nil {
			return nil, err
		}
		st.Specs = rs.specs
	}
	return st, nil
}

// LoadRules reads the embedded default rules and the user's extra rule
// files, or returns nil when rules are switched off.
func (c *Config) LoadRules() (*Rules, error) {
	if !c.Rules.Enabled {
		return nil, nil
	}
	docs := map[string][]byte{}
	ents, err := fs.Glob(configs.FS, "rules/*.toml")
	if err != nil {
		return nil, err
	}
	for _, e := range ents {
		b, err := configs.FS.ReadFile(e)
		if err != nil {
			return nil, err
		}
		docs["embedded "+e] = b
	}
	for _, f := range c.ruleFiles() {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("guard: rule file named in guard.toml: %w", err)
		}
		docs[f] = b
	}
	return ParseRules(docs)
}
