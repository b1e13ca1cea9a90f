package daemon

import (
	"bytes"
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

const hardeningPass = "hardening test passphrase"

// hardeningVault writes in dir a vault holding testValue, owned by uid.
func hardeningVault(t *testing.T, dir string, uid int) {
	vpath := filepath.Join(dir, "vault.age")
	r, _ := vault.PassphraseRecipient([]byte(hardeningPass), 10)
	if _, err := vault.Create(vpath, r); err != nil {
		t.Fatal(err)
	}
	id, _ := vault.PassphraseIdentity([]byte(hardeningPass))
	f := vault.OpenFile(vpath, func() ([]age.Identity, error) { return []age.Identity{id}, nil })
	if err := f.Set(vault.Secret{Path: "acme/api/KEY", Value: []byte(testValue)}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{vpath, vpath + ".bak", vpath + ".lock"} {
		os.Chown(p, uid, uid)
	}
}

// serveHardened runs a daemon in dir, unlocked with the vault that
// hardeningVault wrote, until killed (re-exec mode).
func serveHardened(dir string) {
	vpath := filepath.Join(dir, "vault.age")
	id, _ := vault.PassphraseIdentity([]byte(hardeningPass))
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
	hardeningVault(t, home, 65534)
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

// copiesIn counts the copies of value in the readable memory of pid that
// is not mapped from a file.
func copiesIn(t *testing.T, pid int, value []byte) (total int, where map[string]int) {
	maps, err := os.ReadFile(fmt.Sprintf("/proc/%d/maps", pid))
	if err != nil {
		t.Fatal(err)
	}
	mem, err := os.Open(fmt.Sprintf("/proc/%d/mem", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer mem.Close()
	where = map[string]int{}
	for _, line := range strings.Split(string(maps), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || !strings.HasPrefix(f[1], "r") {
			continue
		}
		var lo, hi uint64
		fmt.Sscanf(f[0], "%x-%x", &lo, &hi)
		buf := make([]byte, hi-lo)
		n, _ := mem.ReadAt(buf, int64(lo))
		if c := bytes.Count(buf[:n], value); c > 0 {
			if len(f) >= 6 && strings.HasPrefix(f[5], "/") {
				continue // the test binary's own constant
			}
			total += c
			name := "anon"
			if len(f) >= 6 {
				name = f[5]
			}
			where[fmt.Sprintf("%s %s", f[0], name)] += c
		}
	}
	return total, where
}

// TestUnlockedValueCopies counts the copies of a value in an unlocked
// daemon's memory after unlock, after gets and after writes of other
// secrets (each reads and rewrites the whole vault): the one in the locked
// arena is the only one. The vault's decryption, its JSON decoding and
// encoding, and the protocol's buffers are all wiped.
func TestUnlockedValueCopies(t *testing.T) {
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		t.Skip("needs Linux and root to read the daemon's memory")
	}
	home := t.TempDir()
	os.Chmod(home, 0o700)
	hardeningVault(t, home, 0)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = []string{"NOXKEY_TEST_SERVE_HARDENED=" + home, "PATH=/usr/bin:/bin"}
	out := &strings.Builder{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for i := 0; ; i++ {
		if _, err := os.Stat(filepath.Join(home, "ready")); err == nil {
			break
		}
		if i == 200 {
			t.Fatalf("the daemon did not start: %s", out)
		}
		time.Sleep(25 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	n, where := copiesIn(t, cmd.Process.Pid, []byte(testValue))
	t.Logf("after unlock: %d copies: %v", n, where)
	c, err := Dial(filepath.Join(home, "run", "noxkey.sock"))
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		o, _ := NewOpener()
		if _, err := c.Call(&Request{Op: OpGet, Path: "acme/api/KEY", Public: o.Public()}); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(100 * time.Millisecond)
	n2, where := copiesIn(t, cmd.Process.Pid, []byte(testValue))
	t.Logf("after 5 gets: %d copies: %v", n2, where)
	for i := range 3 { // each write re-reads the whole vault
		hello, err := c.Call(&Request{Op: OpHello})
		if err != nil {
			t.Fatal(err)
		}
		plain, _ := json.Marshal([]WireSecret{{Path: fmt.Sprintf("acme/api/OTHER%d", i), Value: []byte("another-value-of-some-length")}})
		sealed, _ := Seal(hello.Public, plain, []byte("set"))
		if r, err := c.Call(&Request{Op: OpSet, Secret: sealed}); err != nil || !r.OK {
			t.Fatalf("set: %v %+v", err, r)
		}
	}
	c.Close()
	time.Sleep(100 * time.Millisecond)
	n3, where := copiesIn(t, cmd.Process.Pid, []byte(testValue))
	t.Logf("after 3 writes of other secrets: %d copies: %v", n3, where)
	if n > maxCopies || n2 > maxCopies || n3 > maxCopies {
		t.Fatalf("%d copies after unlock, %d after gets, %d after writes; want at most %d", n, n2, n3, maxCopies)
	}
}

// maxCopies is how many copies of a value an unlocked daemon holds: the
// locked arena's.
const maxCopies = 1
