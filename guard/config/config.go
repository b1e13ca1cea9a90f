// Package config reads guard.toml and gitleaks-format rule files for the
// guard. It is apart from package guard so that noxkey-hook, which reads
// only the index (where Build stores these settings), links no TOML parser.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/noxkey/noxkey/configs"
	"github.com/noxkey/noxkey/guard"
)

// Config is guard.toml: the embedded defaults, overridden key by key by
// the user's file.
type Config struct {
	MinLength   int    `toml:"min_length"`
	PartialMin  int    `toml:"partial_min"`
	Placeholder string `toml:"placeholder"`
	Rules       struct {
		Enabled bool     `toml:"enabled"`
		Files   []string `toml:"files"`
	} `toml:"rules"`
	Commands struct {
		FilterLiveOutput bool `toml:"filter_live_output"`
	} `toml:"commands"`

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
	if c.PartialMin < 12 {
		return nil, fmt.Errorf("guard: %s: partial_min must be at least 12 (shorter pieces of a secret are too common to redact)", p)
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

// Settings returns what guard.Build stores in the index: the placeholder
// and the parsed rules, with the fingerprint of their sources.
func (c *Config) Settings() (*guard.Settings, error) {
	st := &guard.Settings{Placeholder: c.Placeholder, RulesEnabled: c.Rules.Enabled, RuleFiles: c.ruleFiles(), LiveOutput: c.Commands.FilterLiveOutput}
	st.Fingerprint = guard.Fingerprint(c.dir, st.RuleFiles)
	if c.Rules.Enabled {
		specs, err := c.ruleSpecs()
		if err != nil {
			return nil, err
		}
		st.Specs = specs
	}
	return st, nil
}

func (c *Config) ruleSpecs() ([]guard.RuleSpec, error) {
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
