package hooks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/noxkey/noxkey/configs"
)

// Agent describes how to register noxkey-hook with one agent: the TOML in
// configs/agents/<agent>.toml.
type Agent struct {
	Agent       string `toml:"agent"`
	Description string `toml:"description"`
	Format      string `toml:"format"`
	TimeoutUnit string `toml:"timeout_unit"`
	Command     string `toml:"command"`
	Scopes      struct {
		User    string `toml:"user"`
		Project string `toml:"project"`
	} `toml:"scopes"`
	Hooks []struct {
		Event   string `toml:"event"`
		Matcher string `toml:"matcher"`
		Timeout int    `toml:"timeout"`
	} `toml:"hooks"`
}

// LoadAgent reads the embedded description of an agent.
func LoadAgent(name string) (*Agent, error) {
	b, err := configs.FS.ReadFile("agents/" + name + ".toml")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("hooks: no agent %q; known: %s", name, strings.Join(KnownAgents(), ", "))
	}
	if err != nil {
		return nil, err
	}
	a := new(Agent)
	if _, err := toml.Decode(string(b), a); err != nil {
		return nil, fmt.Errorf("hooks: agents/%s.toml: %w", name, err)
	}
	return a, nil
}

// KnownAgents lists the agents described in configs/agents.
func KnownAgents() []string {
	ents, _ := fs.Glob(configs.FS, "agents/*.toml")
	var out []string
	for _, e := range ents {
		out = append(out, strings.TrimSuffix(filepath.Base(e), ".toml"))
	}
	return out
}

// ConfigPath is the agent's settings file for scope ("user" or
// "project"), home and project directory given.
func (a *Agent) ConfigPath(scope, home, project string) (string, error) {
	var p string
	switch scope {
	case "user":
		p = a.Scopes.User
	case "project":
		p = a.Scopes.Project
	default:
		return "", fmt.Errorf("hooks: scope %q: use user or project", scope)
	}
	if strings.HasPrefix(p, "~/") {
		return filepath.Join(home, p[2:]), nil
	}
	return filepath.Join(project, p), nil
}

// handlerCommand is the command line of noxkey's handler.
func (a *Agent) handlerCommand(hook string) string {
	return shellSingleQuote(hook) + " " + a.Command
}

// isOurs reports whether a handler command is noxkey's for this agent,
// whatever path noxkey-hook had when it was installed.
func (a *Agent) isOurs(cmd string) bool {
	return strings.Contains(cmd, "noxkey-hook") && strings.HasSuffix(cmd, " "+a.Command)
}

// Result says what Install or Uninstall did.
type Result struct {
	Path    string
	Changed bool
	Backup  string // the previous file, kept when it existed and changed
}

// Install merges noxkey's handlers into the agent's JSON settings file at
// path, keeping every other key and handler. Run twice, it changes
// nothing; a handler whose noxkey-hook path moved is updated in place. A
// file it cannot parse is refused and left as it is.
func (a *Agent) Install(path, hook string) (Result, error) {
	return a.edit(path, func(hooksObj map[string]any) {
		for _, h := range a.Hooks {
			groups, _ := hooksObj[h.Event].([]any)
			handler := map[string]any{"type": "command", "command": a.handlerCommand(hook), "timeout": json.Number(fmt.Sprint(h.Timeout))}
			found := false
			for _, g := range groups {
				gm, ok := g.(map[string]any)
				if !ok || matcherOf(gm) != h.Matcher {
					continue
				}
				hs, _ := gm["hooks"].([]any)
				for i, x := range hs {
					if xm, ok := x.(map[string]any); ok && a.isOurs(str(xm["command"])) {
						hs[i], found = handler, true
					}
				}
				if !found {
					gm["hooks"] = append(hs, handler)
					found = true
				}
				break
			}
			if !found {
				g := map[string]any{"hooks": []any{handler}}
				if h.Matcher != "" {
					g["matcher"] = h.Matcher
				}
				groups = append(groups, g)
			}
			hooksObj[h.Event] = groups
		}
	})
}

// Uninstall removes exactly noxkey's handlers, and the matcher groups and
// events that held nothing else.
func (a *Agent) Uninstall(path string) (Result, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return Result{Path: path}, nil
	}
	return a.edit(path, func(hooksObj map[string]any) {
		for event, v := range hooksObj {
			groups, ok := v.([]any)
			if !ok {
				continue
			}
			var keep []any
			for _, g := range groups {
				gm, ok := g.(map[string]any)
				if !ok {
					keep = append(keep, g)
					continue
				}
				hs, _ := gm["hooks"].([]any)
				var rest []any
				for _, x := range hs {
					if xm, ok := x.(map[string]any); ok && a.isOurs(str(xm["command"])) {
						continue
					}
					rest = append(rest, x)
				}
				if len(rest) == 0 && len(hs) > 0 {
					continue
				}
				gm["hooks"] = rest
				keep = append(keep, gm)
			}
			if len(keep) == 0 {
				delete(hooksObj, event)
			} else {
				hooksObj[event] = keep
			}
		}
	})
}

// Installed reports whether every one of noxkey's handlers is in the file,
// and the noxkey-hook path they call.
func (a *Agent) Installed(path string) (bool, string, error) {
	doc, _, err := readJSONDoc(path)
	if err != nil || doc == nil {
		return false, "", err
	}
	hooksObj, _ := doc["hooks"].(map[string]any)
	hookPath := ""
	for _, h := range a.Hooks {
		ok := false
		groups, _ := hooksObj[h.Event].([]any)
		for _, g := range groups {
			gm, _ := g.(map[string]any)
			hs, _ := gm["hooks"].([]any)
			for _, x := range hs {
				if xm, _ := x.(map[string]any); xm != nil && a.isOurs(str(xm["command"])) && matcherOf(gm) == h.Matcher {
					ok = true
					hookPath = strings.Trim(strings.TrimSuffix(str(xm["command"]), " "+a.Command), "'")
				}
			}
		}
		if !ok {
			return false, hookPath, nil
		}
	}
	return true, hookPath, nil
}

func (a *Agent) edit(path string, change func(hooksObj map[string]any)) (Result, error) {
	res := Result{Path: path}
	doc, before, err := readJSONDoc(path)
	if err != nil {
		return res, err
	}
	if doc == nil {
		doc = map[string]any{}
	}
	hooksObj, ok := doc["hooks"].(map[string]any)
	if _, present := doc["hooks"]; present && !ok {
		return res, fmt.Errorf("hooks: %s: \"hooks\" is not an object; fix it by hand, nothing was changed", path)
	}
	if hooksObj == nil {
		hooksObj = map[string]any{}
	}
	change(hooksObj)
	if len(hooksObj) == 0 {
		delete(doc, "hooks")
	} else {
		doc["hooks"] = hooksObj
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return res, err
	}
	after := buf.Bytes()
	if before != nil && bytes.Equal(normalizeJSON(before), normalizeJSON(after)) {
		return res, nil
	}
	mode := os.FileMode(0o600)
	if before != nil {
		if fi, err := os.Stat(path); err == nil {
			mode = fi.Mode().Perm()
		}
		res.Backup = path + ".noxkey-backup"
		if err := os.WriteFile(res.Backup, before, mode); err != nil {
			return res, fmt.Errorf("hooks: back up %s: %w", path, err)
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return res, err
	}
	tmp := path + ".noxkey-tmp"
	if err := os.WriteFile(tmp, after, mode); err != nil {
		return res, fmt.Errorf("hooks: write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return res, fmt.Errorf("hooks: write %s: %w", path, err)
	}
	res.Changed = true
	return res, nil
}

// readJSONDoc reads a settings file: nil, nil when it does not exist; an
// error naming the file when it is not a JSON object.
func readJSONDoc(path string) (map[string]any, []byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("hooks: read %s: %w", path, err)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, b, nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, nil, fmt.Errorf("hooks: %s is not a JSON object (%v); fix or move it, nothing was changed", path, err)
	}
	return doc, b, nil
}

// normalizeJSON re-encodes a document so formatting alone is no change.
func normalizeJSON(b []byte) []byte {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return b
	}
	out, _ := json.Marshal(v)
	return out
}

func matcherOf(g map[string]any) string {
	m := str(g["matcher"])
	if m == "*" {
		return "*"
	}
	return m
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
