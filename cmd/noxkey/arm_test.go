package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
	"github.com/noxkey/noxkey/guard"
	"github.com/noxkey/noxkey/guard/arm/armtest"
	"github.com/noxkey/noxkey/vault"
)

// filterRun runs noxkey-hook filter on in with the home's environment.
func (h *home) filterRun(t *testing.T, in string) result {
	t.Helper()
	return h.exec(t, "noxkey-hook", in, "filter")
}

// TestGuardArmsAndDisarms: init arms the guard; the data directory then
// holds the vault and the index but not the guard key; disarm makes the
// hook fail closed with the sentence an agent relays; unlock arms again.
func TestGuardArmsAndDisarms(t *testing.T) {
	h := newVault(t)
	pw := secret("Tr0ub4d!")
	h.ok(t, pw, "set", "acme/db/PASSWORD")
	h.ok(t, secret("q7Gx2LmP9vRtZk4W"), "set", "acme/api/RANDOM")
	h.ok(t, secret("ghp_R3aLt0k3nV4lu3W1thF0rtyCh4rsXyZ12345"), "set", "acme/gh/TOKEN")
	if st := h.run(t, "", "status").stdout; !strings.Contains(st, "guard:   armed (kernel user keyring)") {
		t.Fatalf("status after init and set:\n%s", st)
	}
	if r := h.filterRun(t, "pw="+pw+"\n"); r.code != 0 || r.stdout != "pw=[REDACTED:acme/db/PASSWORD]\n" {
		t.Fatalf("armed filter: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	id, _ := vault.PassphraseIdentity([]byte(passphrase))
	key, err := vault.OpenFile(filepath.Join(h.dir, "vault.age"), func() ([]age.Identity, error) { return []age.Identity{id}, nil }).IndexKey()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	filepath.WalkDir(h.dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		b, _ := os.ReadFile(p)
		n++
		if bytes.Contains(b, key) {
			t.Errorf("%s holds the guard key", p)
		}
		return nil
	})
	if n < 3 {
		t.Fatalf("only %d files in the data directory", n)
	}
	h.ok(t, "", "guard", "disarm")
	r := h.filterRun(t, "pw="+pw+"\n")
	if r.code != 2 || r.stdout != "" || !strings.Contains(r.stderr, "noxkey's guard is not armed since this machine started: ask the user to run 'noxkey unlock' in a terminal") {
		t.Fatalf("disarmed filter: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	if st := h.run(t, "", "status").stdout; !strings.Contains(st, "guard:   not armed") {
		t.Fatalf("status after disarm:\n%s", st)
	}
	if d := h.run(t, "", "doctor"); !strings.Contains(d.stdout+d.stderr, "not armed") {
		t.Fatalf("doctor after disarm:\n%s%s", d.stdout, d.stderr)
	}
	h.ok(t, "", "unlock")
	if r := h.filterRun(t, "pw="+pw+"\n"); r.code != 0 || r.stdout != "pw=[REDACTED:acme/db/PASSWORD]\n" {
		t.Fatalf("filter after unlock: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	h.ok(t, "", "lock")
	if r := h.filterRun(t, "pw="+pw+"\n"); r.code != 0 {
		t.Fatalf("the guard is disarmed by lock: exit %d %q", r.code, r.stderr)
	}
}

// TestGuardFileFallback: where the keyring is not used, the key goes to a
// 0600 file in the private runtime directory (not under NOXKEY_HOME), and
// a runtime directory open to others is refused for writing and reading.
func TestGuardFileFallback(t *testing.T) {
	h := newHome(t)
	rt := filepath.Join(t.TempDir(), "xdg")
	os.Mkdir(rt, 0o700)
	h.env = append(h.env, "NOXKEY_ARM_STORE=file", "XDG_RUNTIME_DIR="+rt)
	h.ok(t, "", "init")
	armtest.DisarmAtEnd(t, filepath.Join(h.dir, "guard.idx"))
	pw := secret("fallback-secret-value-1")
	h.ok(t, pw, "set", "acme/x/KEY")
	id, err := guard.IndexVaultID(filepath.Join(h.dir, "guard.idx"))
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(rt, "noxkey", "guard-"+id+".key")
	fi, err := os.Stat(f)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the fallback key file: %v %v", err, fi)
	}
	if st := h.run(t, "", "status").stdout; !strings.Contains(st, "armed (file "+f) {
		t.Fatalf("status:\n%s", st)
	}
	if r := h.filterRun(t, pw+"\n"); r.code != 0 || r.stdout != "[REDACTED:acme/x/KEY]\n" {
		t.Fatalf("filter with the fallback: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	os.Chmod(filepath.Join(rt, "noxkey"), 0o755)
	if r := h.filterRun(t, pw+"\n"); r.code != 2 || r.stdout != "" {
		t.Fatalf("a key file in an open runtime dir was used: exit %d %q", r.code, r.stdout)
	}
	if r := h.run(t, "", "guard", "arm"); r.code == 0 || !strings.Contains(r.stderr, "not private") {
		t.Fatalf("arming into an open runtime dir: exit %d %q", r.code, r.stderr)
	}
	os.Chmod(filepath.Join(rt, "noxkey"), 0o700)
	h.ok(t, "", "guard", "disarm")
	if _, err := os.Stat(f); !os.IsNotExist(err) {
		t.Fatalf("disarm left the key file: %v", err)
	}
}
