// Package install merges noxkey's hook entries into each agent's own
// settings file, driven by configs/agents/<agent>.toml, and takes them
// out again. It is apart from package hooks so that noxkey-hook, which
// runs on every tool call, links no TOML or JSONC parser.
package install

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/noxkey/noxkey/configs"
	"github.com/noxkey/noxkey/hooks"
	"github.com/noxkey/noxkey/internal/atomicfile"
	"github.com/tailscale/hujson"
)

// Agent describes how to register noxkey-hook with one agent: the TOML in
// configs/agents/<agent>.toml.
type Agent struct {
	Agent       string `toml:"agent"`
	Description string `toml:"description"`
	Format      string `toml:"format"`       // json, or jsonc (comments kept)
	Layout      string `toml:"layout"`       // nested: {matcher, hooks:[handler]} groups (default); flat: handlers
	TimeoutUnit string `toml:"timeout_unit"` // seconds or milliseconds, as the agent reads timeout
	TimeoutKey  string `toml:"timeout_key"`  // default "timeout"
	CommandKey  string `toml:"command_key"`  // default "command"
	Command     string `toml:"command"`      // noxkey-hook's subcommand for this agent
	EventArg    bool   `toml:"event_arg"`    // the event name follows the subcommand
	Version     int    `toml:"version"`      // a top-level "version" the file must have
	// Plugin names a file in configs/agents that is the whole hook: the
	// scopes name where it goes, written with noxkey-hook's path in it.
	Plugin string `toml:"plugin"`
	// Handler holds fixed fields of every handler ({type = "command"}, ...).
	Handler map[string]any `toml:"handler"`
	Notes   []string       `toml:"notes"` // printed after install
	Scopes  struct {
		User    string `toml:"user"`
		Project string `toml:"project"`
		// ProjectIsLocal: the project file is this machine's own (kept
		// out of git by the agent), so it may hold noxkey-hook's path.
		ProjectIsLocal bool `toml:"project_is_local"`
	} `toml:"scopes"`
	// Env holds entries of the settings file's "env" object that noxkey
	// needs ({hook} stands for noxkey-hook's absolute path). A value the
	// user set there already is not overwritten: Install refuses instead.
	Env map[string]string `toml:"env"`
	// BackupDir, when set, is where Install and Uninstall keep the file as
	// it was before they changed it (out of the project's working tree);
	// otherwise it is kept beside the file as FILE.noxkey-backup.
	BackupDir string `toml:"-"`
	Hooks     []struct {
		Event   string `toml:"event"`
		Matcher string `toml:"matcher"`
		Timeout int    `toml:"timeout"` // in TimeoutUnit; 0: none
		Name    string `toml:"name"`
	} `toml:"hooks"`
}

// LoadAgent reads the embedded description of an agent.
func LoadAgent(name string) (*Agent, error) {
	b, err := configs.FS.ReadFile("agents/" + name + ".toml")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("install: no agent %q; known: %s", name, strings.Join(KnownAgents(), ", "))
	}
	if err != nil {
		return nil, err
	}
	a := new(Agent)
	if _, err := toml.Decode(string(b), a); err != nil {
		return nil, fmt.Errorf("install: agents/%s.toml: %w", name, err)
	}
	return a, nil
}

// KnownAgents lists the agents noxkey installs hooks for: those of
// configs/agents with hook entries.
func KnownAgents() []string {
	ents, _ := fs.Glob(configs.FS, "agents/*.toml")
	var out []string
	for _, e := range ents {
		// A look for hook entries, not a parse: every noxkey command's
		// help text lists these, so it must cost nothing.
		if b, err := configs.FS.ReadFile(e); err == nil && (bytes.Contains(b, []byte("\n[[hooks]]")) || bytes.Contains(b, []byte("\nplugin = "))) {
			out = append(out, strings.TrimSuffix(filepath.Base(e), ".toml"))
		}
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
		return "", fmt.Errorf("install: scope %q: use user or project", scope)
	}
	if strings.HasPrefix(p, "~/") {
		return filepath.Join(home, p[2:]), nil
	}
	return filepath.Join(project, p), nil
}

// handlerCommand is the command line of noxkey's handler for event.
func (a *Agent) handlerCommand(hook, event string) string {
	c := hooks.HandlerCommand(hook, a.Command)
	if a.EventArg {
		c += " " + event
	}
	return c
}

// isOurs reports whether a handler command is noxkey's for this agent,
// whatever path noxkey-hook had when it was installed.
func (a *Agent) isOurs(cmd string) bool {
	return strings.Contains(cmd, "noxkey-hook") && (strings.HasSuffix(cmd, " "+a.Command) || strings.Contains(cmd, " "+a.Command+" "))
}

func (a *Agent) key(k, def string) string {
	if k != "" {
		return k
	}
	return def
}

// handler is noxkey's handler object for one hook entry.
func (a *Agent) handler(hook string, i int) map[string]any {
	h := a.Hooks[i]
	m := map[string]any{}
	for k, v := range a.Handler {
		m[k] = v
	}
	m[a.key(a.CommandKey, "command")] = a.handlerCommand(hook, h.Event)
	if h.Timeout > 0 {
		m[a.key(a.TimeoutKey, "timeout")] = json.Number(fmt.Sprint(h.Timeout))
	}
	if h.Name != "" {
		m["name"] = h.Name
	}
	if a.Layout == "flat" && h.Matcher != "" {
		m["matcher"] = h.Matcher
	}
	return m
}

// ours reports whether a handler object is noxkey's.
func (a *Agent) ours(x any) bool {
	xm, ok := x.(map[string]any)
	return ok && a.isOurs(str(xm[a.key(a.CommandKey, "command")]))
}

// Result says what Install or Uninstall did.
type Result struct {
	Path    string
	Changed bool
	Removed bool   // Uninstall removed the file: nothing but noxkey's was left
	Backup  string // the previous file, kept when it existed and changed
}

// backup keeps the file as it was before a change: in BackupDir under a
// name made of its path and the time, or beside it.
func (a *Agent) backup(path string, before []byte) (string, error) {
	dst := path + ".noxkey-backup"
	if a.BackupDir != "" {
		if err := os.MkdirAll(a.BackupDir, 0o700); err != nil {
			return "", fmt.Errorf("install: back up %s: %w", path, err)
		}
		abs, _ := filepath.Abs(path)
		name := strings.NewReplacer("/", "%", "\\", "%").Replace(strings.TrimPrefix(abs, "/"))
		dst = filepath.Join(a.BackupDir, name+"."+time.Now().UTC().Format("20060102T150405.000000000Z"))
	}
	if err := atomicfile.Write(dst, before, atomicfile.Options{Sync: true}); err != nil {
		return "", fmt.Errorf("install: back up %s: %w", path, err)
	}
	return dst, nil
}

// emptyDoc reports whether a settings document holds nothing but an empty
// object, or a version and no hooks.
func emptyDoc(b []byte) bool {
	std, err := hujson.Standardize(append([]byte(nil), b...))
	if err != nil {
		return false
	}
	var m map[string]any
	if json.Unmarshal(std, &m) != nil {
		return false
	}
	delete(m, "version")
	return len(m) == 0
}

// Install merges noxkey's handlers into the agent's settings file at
// path, keeping every other key, handler and (JSONC) comment. Run twice,
// it changes nothing; a handler whose noxkey-hook path moved is updated in
// place. A file it cannot parse is refused and left as it is.
func (a *Agent) Install(path, hook string) (Result, error) {
	if a.Plugin != "" {
		return a.installPlugin(path, hook)
	}
	return a.edit(path, false, func(hooksObj, env map[string]any) error {
		for _, k := range slices.Sorted(maps.Keys(a.Env)) {
			if v, ok := env[k]; ok && !a.ourEnv(k, str(v)) {
				return fmt.Errorf("install: %s sets %s to %q already, and noxkey needs it to filter command output; remove it (or set it to %q) and run this again; nothing was changed",
					path, k, str(v), a.envValue(k, hook))
			}
			env[k] = a.envValue(k, hook)
		}
		// Handlers noxkey no longer registers (an older matcher) go.
		a.removeOurs(hooksObj)
		for i, h := range a.Hooks {
			groups, _ := hooksObj[h.Event].([]any)
			handler := a.handler(hook, i)
			if a.Layout == "flat" {
				hooksObj[h.Event] = append(groups, handler)
				continue
			}
			found := false
			for _, g := range groups {
				gm, ok := g.(map[string]any)
				if !ok || matcherOf(gm) != h.Matcher {
					continue
				}
				hs, _ := gm["hooks"].([]any)
				gm["hooks"] = append(hs, handler)
				found = true
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
		return nil
	})
}

// envValue is the value of noxkey's env entry k for hook.
func (a *Agent) envValue(k, hook string) string { return strings.ReplaceAll(a.Env[k], "{hook}", hook) }

// ourEnv reports whether v is noxkey's value for env entry k, whatever
// path noxkey-hook had when it was installed.
func (a *Agent) ourEnv(k, v string) bool {
	pre, post, ok := strings.Cut(a.Env[k], "{hook}")
	if !ok {
		return v == a.Env[k]
	}
	return strings.HasPrefix(v, pre) && strings.HasSuffix(v, post) && len(v) >= len(pre)+len(post) &&
		strings.HasSuffix(v[len(pre):len(v)-len(post)], "noxkey-hook")
}

// Uninstall removes exactly noxkey's handlers, and the matcher groups and
// events that held nothing else.
func (a *Agent) Uninstall(path string) (Result, error) {
	if a.Plugin != "" {
		return a.uninstallPlugin(path)
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return Result{Path: path}, nil
	}
	return a.edit(path, true, func(hooksObj, env map[string]any) error {
		a.removeOurs(hooksObj)
		for k := range a.Env {
			if v, ok := env[k]; ok && a.ourEnv(k, str(v)) {
				delete(env, k)
			}
		}
		return nil
	})
}

// removeOurs removes noxkey's handlers, and the matcher groups and events
// that held nothing else.
func (a *Agent) removeOurs(hooksObj map[string]any) {
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
			if a.Layout == "flat" {
				if !a.ours(gm) {
					keep = append(keep, gm)
				}
				continue
			}
			hs, _ := gm["hooks"].([]any)
			var rest []any
			for _, x := range hs {
				if a.ours(x) {
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
}

// Installed reports whether every one of noxkey's handlers is in the file,
// and the noxkey-hook path they call.
func (a *Agent) Installed(path string) (bool, string, error) {
	if a.Plugin != "" {
		return a.pluginInstalled(path)
	}
	doc, _, err := readJSONDoc(path, a.Format == "jsonc")
	if err != nil || doc == nil {
		return false, "", err
	}
	hooksObj, _ := doc["hooks"].(map[string]any)
	env, _ := doc["env"].(map[string]any)
	for k := range a.Env {
		if !a.ourEnv(k, str(env[k])) {
			return false, "", nil
		}
	}
	hookPath := ""
	for _, h := range a.Hooks {
		ok := false
		groups, _ := hooksObj[h.Event].([]any)
		for _, g := range groups {
			gm, _ := g.(map[string]any)
			hs, _ := gm["hooks"].([]any)
			if a.Layout == "flat" {
				hs = []any{gm}
			}
			for _, x := range hs {
				if xm := asMap(x); xm != nil && a.ours(xm) && matcherOf(gm) == h.Matcher {
					ok = true
					cmd := str(xm[a.key(a.CommandKey, "command")])
					hookPath = strings.Trim(cmd[:strings.Index(cmd, " "+a.Command)], "'")
				}
			}
		}
		if !ok {
			return false, hookPath, nil
		}
	}
	return true, hookPath, nil
}

func (a *Agent) edit(path string, removeIfEmpty bool, change func(hooksObj, env map[string]any) error) (Result, error) {
	res := Result{Path: path}
	doc, before, err := readJSONDoc(path, a.Format == "jsonc")
	if err != nil {
		return res, err
	}
	if doc == nil {
		doc = map[string]any{}
	}
	var ops []map[string]any
	// The change as a JSON Patch on the file itself, so every byte
	// outside the entries noxkey touched (comments too) is kept.
	objs := map[string]map[string]any{}
	olds := map[string]map[string][]byte{}
	for _, top := range []string{"hooks", "env"} {
		obj, ok := doc[top].(map[string]any)
		if _, present := doc[top]; present && !ok {
			return res, fmt.Errorf("install: %s: %q is not an object; fix it by hand, nothing was changed", path, top)
		}
		if obj == nil {
			obj = map[string]any{}
		}
		objs[top], olds[top] = obj, map[string][]byte{}
		for k, v := range obj {
			olds[top][k], _ = json.Marshal(v)
		}
	}
	if err := change(objs["hooks"], objs["env"]); err != nil {
		return res, err
	}
	for _, top := range []string{"hooks", "env"} {
		obj, old := objs[top], olds[top]
		if _, present := doc[top]; !present {
			if len(obj) > 0 {
				ops = append(ops, map[string]any{"op": "add", "path": "/" + top, "value": map[string]any{}})
			}
		} else if len(obj) == 0 {
			if len(old) > 0 {
				ops = append(ops, map[string]any{"op": "remove", "path": "/" + top})
			}
			continue
		}
		if top == "hooks" && a.Version > 0 && doc["version"] == nil && len(obj) > 0 {
			ops = append(ops, map[string]any{"op": "add", "path": "/version", "value": a.Version})
		}
		for _, k := range slices.Sorted(maps.Keys(obj)) {
			if b, _ := json.Marshal(obj[k]); !bytes.Equal(b, old[k]) {
				ops = append(ops, map[string]any{"op": "add", "path": "/" + top + "/" + pointerEscape(k), "value": obj[k]})
			}
		}
		for _, k := range slices.Sorted(maps.Keys(old)) {
			if _, still := obj[k]; !still {
				ops = append(ops, map[string]any{"op": "remove", "path": "/" + top + "/" + pointerEscape(k)})
			}
		}
	}
	if len(ops) == 0 {
		return res, nil
	}
	src := before
	if len(bytes.TrimSpace(src)) == 0 {
		src = []byte("{}")
	}
	v, err := hujson.Parse(src)
	if err != nil {
		return res, fmt.Errorf("install: %s: %w", path, err)
	}
	patch, _ := json.Marshal(ops)
	if err := v.Patch(patch); err != nil {
		return res, fmt.Errorf("install: %s: %w; nothing was changed", path, err)
	}
	var after []byte
	if hasComments(src) {
		after = v.Pack() // comments kept; the patched values are plain JSON
	} else {
		v.Standardize()
		var buf bytes.Buffer
		if err := json.Indent(&buf, v.Pack(), "", "  "); err != nil {
			return res, fmt.Errorf("install: %s: %w", path, err)
		}
		after = append(buf.Bytes(), '\n')
	}
	mode := os.FileMode(0o600)
	if before != nil {
		if fi, err := os.Stat(path); err == nil {
			mode = fi.Mode().Perm()
		}
		if res.Backup, err = a.backup(path, before); err != nil {
			return res, err
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return res, err
	}
	if removeIfEmpty && emptyDoc(after) {
		// Uninstall: a file left with nothing but noxkey's scaffolding
		// ({} or {"version": 1}) goes, as if noxkey had never been there.
		if err := os.Remove(path); err != nil {
			return res, fmt.Errorf("install: %w", err)
		}
		res.Changed, res.Removed = true, true
		return res, nil
	}
	if err := atomicfile.Write(path, after, atomicfile.Options{Sync: true}); err != nil {
		return res, fmt.Errorf("install: %w", err)
	}
	if err := os.Chmod(path, mode); err != nil {
		return res, fmt.Errorf("install: %w", err)
	}
	res.Changed = true
	return res, nil
}

// hasComments reports whether a JSONC document has comments (or other
// extensions) that plain JSON would lose.
func hasComments(b []byte) bool {
	v, err := hujson.Parse(append([]byte(nil), b...))
	if err != nil {
		return false
	}
	v.Standardize()
	var x, y bytes.Buffer
	json.Compact(&x, v.Pack())
	if json.Compact(&y, b) != nil {
		return true
	}
	return !bytes.Equal(x.Bytes(), y.Bytes())
}

// pointerEscape escapes a key for a JSON Pointer (RFC 6901).
func pointerEscape(k string) string {
	return strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
}

// readJSONDoc reads a settings file, JSON or JSONC (comments, trailing
// commas): nil, nil when it does not exist; an error naming the file when
// it is not an object.
func readJSONDoc(path string, jsonc bool) (map[string]any, []byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("install: read %s: %w", path, err)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, b, nil
	}
	std := b
	if jsonc {
		if std, err = hujson.Standardize(append([]byte(nil), b...)); err != nil {
			return nil, nil, fmt.Errorf("install: %s is not JSON (%v); fix or move it, nothing was changed", path, err)
		}
	}
	dec := json.NewDecoder(bytes.NewReader(std))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, nil, fmt.Errorf("install: %s is not a JSON object (%v); fix or move it, nothing was changed", path, err)
	}
	return doc, b, nil
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

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}
