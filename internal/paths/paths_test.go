package paths

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestResolve(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("NOXKEY_HOME", "")
	t.Setenv("XDG_CONFIG_HOME", "")
	t.Setenv("XDG_DATA_HOME", "relative/is/ignored")
	t.Setenv("XDG_RUNTIME_DIR", "")
	for _, tc := range []struct {
		name string
		env  map[string]string
		arg  string
		want Layout
	}{
		{"defaults", nil, "", Layout{home + "/.config/noxkey", home + "/.local/share/noxkey", filepath.Join(os.TempDir(), "noxkey-"+strconv.Itoa(os.Geteuid()))}},
		{"xdg", map[string]string{"XDG_CONFIG_HOME": "/c", "XDG_DATA_HOME": "/d", "XDG_RUNTIME_DIR": "/r"}, "", Layout{"/c/noxkey", "/d/noxkey", "/r/noxkey"}},
		{"NOXKEY_HOME", map[string]string{"NOXKEY_HOME": "/n", "XDG_DATA_HOME": "/d"}, "", Layout{"/n", "/n", "/n/run"}},
		{"--home wins", map[string]string{"NOXKEY_HOME": "/n"}, "/h", Layout{"/h", "/h", "/h/run"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			if got := Resolve(tc.arg); got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
	l := Layout{Config: "/c", Data: "/d", Runtime: "/r"}
	for got, want := range map[string]string{l.Vault(): "/d/vault.age", l.Index(): "/d/guard.idx", l.Audit(): "/d/audit.log", l.Socket(): "/r/noxkey.sock", l.Handoff(): "/r/handoff"} {
		if got != want {
			t.Errorf("%s, want %s", got, want)
		}
	}
}

func TestEnsurePrivateDir(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "a", "b")
	if err := EnsurePrivateDir(dir); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("created %v %v", fi, err)
	}
	if err := EnsurePrivateDir(dir); err != nil {
		t.Fatalf("an existing private dir: %v", err)
	}
	open := filepath.Join(root, "open")
	os.Mkdir(open, 0o755)
	os.Chmod(open, 0o755)
	if err := EnsurePrivateDir(open); err == nil || !strings.Contains(err.Error(), "has mode 0755; it must be 0700. Fix: chmod 700 "+open) {
		t.Errorf("an open dir: %v", err)
	}
	link := filepath.Join(root, "link")
	os.Symlink(dir, link)
	if err := EnsurePrivateDir(link); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("a symlink to a private dir: %v", err)
	}
	if os.Geteuid() == 0 {
		other := filepath.Join(root, "other")
		os.Mkdir(other, 0o700)
		os.Chown(other, 65534, 65534)
		if err := EnsurePrivateDir(other); err == nil || !strings.Contains(err.Error(), "owned by uid 65534, not by you") {
			t.Errorf("a dir of another user: %v", err)
		}
	}
}
