package install

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tailscale/hujson"
)

// normal is a JSON or JSONC file's value, re-encoded, for comparing
// content whatever the layout (nil: no file).
func normal(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	std, err := hujson.Standardize(b)
	if err != nil {
		t.Fatalf("%s is not JSON: %v\n%s", path, err, b)
	}
	var v any
	json.Unmarshal(std, &v)
	out, _ := json.Marshal(v)
	return out
}

// TestInstallTable installs, checks, installs again and uninstalls for
// every agent, in both scopes, over each state the file can be in: none,
// empty, holding the user's own settings, and unparseable. Uninstall gives
// back exactly what was there; a file it cannot parse is never changed.
func TestInstallTable(t *testing.T) {
	const hook = "/opt/noxkey/bin/noxkey-hook"
	existing := map[string]string{
		"none":    "",
		"empty":   "{}\n",
		"foreign": "{\n  // the user's own\n  \"model\": \"x\",\n  \"hooks\": {\"Stop\": [{\"hooks\": [{\"type\": \"command\", \"command\": \"notify-send done\"}]}]},\n  \"env\": {\"FOO\": \"1\"}\n}\n",
		"broken":  "{\"hooks\": [\n",
	}
	for _, name := range KnownAgents() {
		a, err := LoadAgent(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, scope := range []string{"user", "project"} {
			for state, body := range existing {
				t.Run(name+"/"+scope+"/"+state, func(t *testing.T) {
					root := t.TempDir()
					a.BackupDir = filepath.Join(root, "backups")
					path, err := a.ConfigPath(scope, filepath.Join(root, "home"), filepath.Join(root, "proj"))
					if err != nil {
						t.Fatal(err)
					}
					if a.Plugin != "" {
						if state != "none" {
							t.Skip("a plugin is a whole file: install refuses one it did not write (TestPluginRefusesAForeignFile)")
						}
					} else if state == "foreign" {
						if a.Format != "jsonc" {
							body = strings.Replace(body, "  // the user's own\n", "", 1)
						}
						if a.Version > 0 { // a file the agent reads has its version
							body = strings.Replace(body, "{\n", "{\n  \"version\": 1,\n", 1)
						}
					}
					if body != "" {
						os.MkdirAll(filepath.Dir(path), 0o755)
						os.WriteFile(path, []byte(body), 0o644)
					}
					res, err := a.Install(path, hook)
					if state == "broken" {
						if err == nil {
							t.Fatal("installed into an unparseable file")
						}
						if b, _ := os.ReadFile(path); string(b) != body {
							t.Fatal("an unparseable file was changed")
						}
						return
					}
					if err != nil || !res.Changed {
						t.Fatalf("install: %+v %v", res, err)
					}
					var before []byte
					if body != "" {
						os.WriteFile(filepath.Join(root, "before"), []byte(body), 0o600)
						before = normal(t, filepath.Join(root, "before"))
					}
					if body != "" && a.Plugin == "" && (res.Backup == "" || !strings.HasPrefix(res.Backup, a.BackupDir)) {
						t.Errorf("no backup in the backup dir: %+v", res)
					}
					if ok, got, err := a.Installed(path); !ok || got != hook || err != nil {
						t.Fatalf("installed: %v %q %v", ok, got, err)
					}
					if fi, err := os.Stat(path); err != nil || body != "" && fi.Mode().Perm() != 0o644 {
						t.Errorf("mode of an existing file not kept: %v %v", fi, err)
					}
					if state == "foreign" {
						b, _ := os.ReadFile(path)
						for _, keep := range []string{`"model": "x"`, "notify-send done", `"FOO": "1"`} {
							if !bytes.Contains(b, []byte(keep)) {
								t.Errorf("lost %s:\n%s", keep, b)
							}
						}
						if a.Format == "jsonc" && !bytes.Contains(b, []byte("// the user's own")) {
							t.Errorf("lost the comment:\n%s", b)
						}
					}
					if res, err := a.Install(path, hook); err != nil || res.Changed {
						t.Errorf("second install changed the file: %+v %v", res, err)
					}
					if _, err := a.Uninstall(path); err != nil {
						t.Fatal(err)
					}
					after := normal(t, path)
					if state == "none" && after != nil {
						t.Errorf("uninstall left a file it created: %s", after)
					}
					if state == "foreign" && !bytes.Equal(after, before) {
						t.Errorf("uninstall did not give back the file:\n%s\nwant\n%s", after, before)
					}
					if ok, _, _ := a.Installed(path); ok {
						t.Error("still installed after uninstall")
					}
				})
			}
		}
	}
}

// TestPluginRefusesAForeignFile: a plugin file noxkey did not write is
// neither replaced nor removed.
func TestPluginRefusesAForeignFile(t *testing.T) {
	a, err := LoadAgent("opencode")
	if err != nil || a.Plugin == "" {
		t.Fatalf("opencode: %v", err)
	}
	path := filepath.Join(t.TempDir(), "noxkey.js")
	os.WriteFile(path, []byte("export const Mine = async () => ({})\n"), 0o644)
	if _, err := a.Install(path, "/x/noxkey-hook"); err == nil || !strings.Contains(err.Error(), "is not noxkey's") {
		t.Errorf("install over a foreign plugin: %v", err)
	}
	if _, err := a.Uninstall(path); err == nil {
		t.Error("uninstall of a foreign plugin: no error")
	}
	if b, _ := os.ReadFile(path); string(b) != "export const Mine = async () => ({})\n" {
		t.Error("the foreign plugin was changed")
	}
}
