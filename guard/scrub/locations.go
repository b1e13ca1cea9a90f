package scrub

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/noxkey/noxkey/configs"
)

// Locations returns, for every agent whose configs/agents/<agent>.toml has
// a [scrub] table, the patterns of the files it keeps: a glob after an
// optional "~/", where "/**/" matches any number of directories.
func Locations() (map[string][]string, error) {
	ents, err := fs.Glob(configs.FS, "agents/*.toml")
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, e := range ents {
		b, err := configs.FS.ReadFile(e)
		if err != nil {
			return nil, err
		}
		var f struct {
			Agent string `toml:"agent"`
			Scrub struct {
				Paths []string `toml:"paths"`
			} `toml:"scrub"`
		}
		if _, err := toml.Decode(string(b), &f); err != nil {
			return nil, err
		}
		if len(f.Scrub.Paths) > 0 {
			out[f.Agent] = f.Scrub.Paths
		}
	}
	return out, nil
}

// Agents lists the agents with scrub locations, sorted.
func Agents() []string {
	l, _ := Locations()
	var out []string
	for a := range l {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}

// Expand returns the regular files that pattern names under home, sorted.
// Files that cannot be read are left out (File reports them when named).
func Expand(pattern, home string) []string {
	if rest, ok := strings.CutPrefix(pattern, "~/"); ok {
		pattern = filepath.Join(home, rest)
	}
	base, glob, deep := strings.Cut(pattern, "/**/")
	var out []string
	if !deep {
		m, _ := filepath.Glob(pattern)
		for _, p := range m {
			if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
				out = append(out, p)
			}
		}
		return out
	}
	roots, _ := filepath.Glob(base)
	for _, root := range roots {
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			rel, _ := filepath.Rel(root, p)
			if ok, _ := filepath.Match(glob, filepath.Base(p)); ok && !strings.Contains(glob, "/") {
				out = append(out, p)
			} else if ok, _ := filepath.Match(glob, rel); ok {
				out = append(out, p)
			}
			return nil
		})
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Walk returns the regular files named by paths: a file itself, a
// directory's files at any depth.
func Walk(paths []string) []string {
	var out []string
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil || !fi.IsDir() {
			out = append(out, p) // File reports what is wrong with it
			continue
		}
		filepath.WalkDir(p, func(q string, d fs.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() {
				out = append(out, q)
			}
			return nil
		})
	}
	return out
}
