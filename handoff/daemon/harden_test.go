package daemon

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/noxkey/noxkey/handoff"
	"github.com/noxkey/noxkey/vault"
	"github.com/rs/zerolog"
)

// procRead is what a process of the daemon's user could read of another
// process through /proc.
type procRead struct {
	Environ string `json:"environ"` // "" when read, else the error
	Mem     string `json:"mem"`     // "" when a mapped page was read, else the error
}

// readProc reports what this process can read of pid.
func readProc(pid string) procRead {
	var r procRead
	if _, err := os.ReadFile("/proc/" + pid + "/environ"); err != nil {
		r.Environ = err.Error()
	}
	f, err := os.Open("/proc/" + pid + "/mem")
	if err != nil {
		r.Mem = err.Error()
		return r
	}
	defer f.Close()
	maps, err := os.ReadFile("/proc/" + pid + "/maps")
	if err != nil {
		r.Mem = "maps: " + err.Error()
		return r
	}
	r.Mem = "no readable mapping"
	for _, line := range strings.Split(string(maps), "\n") {
		f1 := strings.Fields(line)
		if len(f1) < 2 || !strings.HasPrefix(f1[1], "r") {
			continue
		}
		start, err := strconv.ParseUint(strings.Split(f1[0], "-")[0], 16, 64)
		if err != nil {
			continue
		}
		var b [16]byte
		if _, err := f.ReadAt(b[:], int64(start)); err == nil {
			r.Mem = ""
			break
		} else {
			r.Mem = err.Error()
		}
	}
	return r
}

// serveHardened runs an unlocked daemon in dir until killed (re-exec mode).
func serveHardened(dir string) {
	vpath := filepath.Join(dir, "vault.age")
	pass := []byte("hardening test passphrase")
	r, _ := vault.PassphraseRecipient(pass, 10)
	if _, err := vault.Create(vpath, r); err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	id, _ := vault.PassphraseIdentity(pass)
	f := vault.OpenFile(vpath, func() ([]age.Identity, error) { return []age.Identity{id}, nil })
	f.Set(vault.Secret{Path: "acme/api/KEY", Value: []byte(testValue)})
	rt := filepath.Join(dir, "run")
	s := New(Config{Socket: filepath.Join(rt, "noxkey.sock"), Runtime: rt, Vault: vpath, Audit: filepath.Join(dir, "audit.log"),
		Signatures: &handoff.Signatures{}, Log: zerolog.Nop()})
	if err := s.Listen(); err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	if err := s.st.unlock([]age.Identity{id}); err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	os.WriteFile(filepath.Join(dir, "ready"), []byte(strconv.Itoa(os.Getpid())), 0o600)
	s.Serve()
}

// TestDaemonIsNotDumpable: another process of the daemon's own user can
// read neither the memory nor the environment of a running, unlocked
// daemon, while it can read those of an ordinary process of that user (the
// control). Both run as an unprivileged uid (setpriv), since root reads
// anything.
func TestDaemonIsNotDumpable(t *testing.T) {
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		t.Skip("needs Linux and root to run the daemon and the reader as another uid (CI runs as root)")
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Fatalf("setpriv (util-linux) is needed: %v", err)
	}
	const uid = "65534"
	top := t.TempDir()
	os.Chmod(filepath.Dir(top), 0o755)
	os.Chmod(top, 0o755)
	exe, _ := os.Executable()
	bin := filepath.Join(top, "daemon.test")
	b, _ := os.ReadFile(exe)
	os.WriteFile(bin, b, 0o755)
	home := filepath.Join(top, "home")
	os.Mkdir(home, 0o700)
	os.Chown(home, 65534, 65534)
	as := func(args ...string) *exec.Cmd {
		return exec.Command(setpriv, append([]string{"--reuid=" + uid, "--regid=" + uid, "--clear-groups", "env", "-i", "PATH=/usr/bin:/bin"}, args...)...)
	}
	d := as("NOXKEY_TEST_SERVE_HARDENED="+home, bin)
	out := &strings.Builder{}
	d.Stdout, d.Stderr = out, out
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Process.Kill(); d.Wait() })
	ctl := as("sleep", "60")
	if err := ctl.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ctl.Process.Kill(); ctl.Wait() })
	var pid []byte
	for i := 0; i < 200 && len(pid) == 0; i++ {
		time.Sleep(25 * time.Millisecond)
		pid, _ = os.ReadFile(filepath.Join(home, "ready"))
	}
	if len(pid) == 0 {
		t.Fatalf("the daemon did not start: %s", out)
	}
	read := func(target string) procRead {
		o, err := as("NOXKEY_TEST_READPROC="+target, bin).Output()
		if err != nil {
			t.Fatalf("reader: %v", err)
		}
		var r procRead
		if err := json.Unmarshal(o, &r); err != nil {
			t.Fatalf("reader said %q", o)
		}
		return r
	}
	if c := read(strconv.Itoa(ctl.Process.Pid)); c.Environ != "" || c.Mem != "" {
		t.Fatalf("control: a sibling could not read an ordinary process of its user (%+v); the test proves nothing here", c)
	}
	r := read(string(pid))
	if r.Environ == "" || r.Mem == "" {
		t.Fatalf("a process of the daemon's user read it through /proc: %+v", r)
	}
	t.Logf("the daemon's environ: %s; its mem: %s", r.Environ, r.Mem)
}
