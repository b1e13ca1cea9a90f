package install

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"

	"github.com/noxkey/noxkey/configs"
	"github.com/noxkey/noxkey/internal/atomicfile"
)

// pluginMarker is in every plugin file noxkey writes: a file without it
// is the user's, and is never replaced or removed.
const pluginMarker = "noxkey hooks install --agent "

// pluginHook matches the line of a plugin file that names noxkey-hook.
var pluginHook = regexp.MustCompile(`(?m)^const HOOK = ("(?:[^"\\]|\\.)*")$`)

// pluginText is the agent's plugin (configs/agents/<Plugin>) calling hook.
func (a *Agent) pluginText(hook string) ([]byte, error) {
	tmpl, err := configs.FS.ReadFile("agents/" + a.Plugin)
	if err != nil {
		return nil, err
	}
	q, _ := json.Marshal(hook) // a JSON string is a JavaScript string literal
	return bytes.Replace(tmpl, []byte("__NOXKEY_HOOK__"), q, 1), nil
}

// installPlugin writes the plugin file at path, atomically; a file there
// that noxkey did not write is refused and left as it is.
func (a *Agent) installPlugin(path, hook string) (Result, error) {
	res := Result{Path: path}
	want, err := a.pluginText(hook)
	if err != nil {
		return res, err
	}
	old, err := os.ReadFile(path)
	switch {
	case err == nil && bytes.Equal(old, want):
		return res, nil
	case err == nil && !bytes.Contains(old, []byte(pluginMarker+a.Agent)):
		return res, fmt.Errorf("install: %s exists and is not noxkey's; move it away and run this again; nothing was changed", path)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return res, fmt.Errorf("install: read %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return res, err
	}
	if err := atomicfile.Write(path, want, atomicfile.Options{Sync: true}); err != nil {
		return res, fmt.Errorf("install: %w", err)
	}
	res.Changed = true
	return res, nil
}

// uninstallPlugin removes the plugin file if noxkey wrote it.
func (a *Agent) uninstallPlugin(path string) (Result, error) {
	res := Result{Path: path}
	old, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return res, nil
	}
	if err != nil {
		return res, fmt.Errorf("install: read %s: %w", path, err)
	}
	if !bytes.Contains(old, []byte(pluginMarker+a.Agent)) {
		return res, fmt.Errorf("install: %s is not noxkey's; it was left as it is", path)
	}
	if err := os.Remove(path); err != nil {
		return res, fmt.Errorf("install: %w", err)
	}
	res.Changed = true
	return res, nil
}

// pluginInstalled reports whether noxkey's current plugin is at path, and
// the noxkey-hook it calls.
func (a *Agent) pluginInstalled(path string) (bool, string, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, "", nil
	}
	if err != nil {
		return false, "", err
	}
	m := pluginHook.FindSubmatch(b)
	if m == nil || !bytes.Contains(b, []byte(pluginMarker+a.Agent)) {
		return false, "", nil
	}
	var hook string
	if json.Unmarshal(m[1], &hook) != nil {
		return false, "", nil
	}
	want, err := a.pluginText(hook)
	return err == nil && bytes.Equal(b, want), hook, err
}
