package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
	"golang.org/x/term"
)

// TestSetMultiLinePaste: a key of several lines pasted at the one-line
// hidden prompt is refused, nothing is stored, and none of its lines is
// left on the terminal for the shell to run; with --multiline the same
// paste, ended by Ctrl-D, round-trips byte for byte.
func TestSetMultiLinePaste(t *testing.T) {
	h := newVault(t)
	pem := "-----BEGIN PRIVATE KEY-----\n" + secret("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC") + "\n" + secret("bKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj") + "\n-----END PRIVATE KEY-----"
	set := func(args ...string) (*pty, *exec.Cmd) {
		p := openPTY(t)
		cmd := exec.Command(filepath.Join(binDir, "noxkey"), args...)
		cmd.Env = h.env
		p.attach(cmd)
		cmd.Stdout, cmd.Stderr = p.slave, p.slave
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return p, cmd
	}
	// One paste: all lines at once, the last without a newline.
	p, cmd := set("set", "acme/tls/KEY")
	p.answer(t, "(input hidden): ", 1, strings.ReplaceAll(pem, "\n", "\r"))
	err := cmd.Wait()
	if cmd.ProcessState.ExitCode() != exitUsage || !p.shows("more than one line") {
		t.Fatalf("exit %v: %q", err, hide(p.screen(), pem))
	}
	if r := h.run(t, "", "get", "--raw", "acme/tls/KEY"); r.code != exitNotFound {
		t.Fatalf("something was stored: exit %d", r.code)
	}
	// Nothing of the paste is left in the terminal's input for a shell.
	time.Sleep(200 * time.Millisecond)                         // let anything left reach the line discipline
	if _, err := term.MakeRaw(int(p.slave.Fd())); err != nil { // counts a partial line too
		t.Fatal(err)
	}
	if n, _ := unix.IoctlGetInt(int(p.slave.Fd()), unix.TIOCINQ); n > 0 {
		t.Fatalf("%d bytes of the paste were left for the shell", n)
	}
	if strings.Contains(p.screen(), "MIIEvQ") {
		t.Fatal("the key was echoed")
	}
	// --multiline: every line until Ctrl-D.
	p, cmd = set("set", "--multiline", "acme/tls/KEY")
	p.answer(t, "end with Ctrl-D on a line of its own", 1, strings.ReplaceAll(pem, "\n", "\r")+"\r\x04")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("set --multiline: %v %q", err, hide(p.screen(), pem))
	}
	if got := h.ok(t, "", "get", "--raw", "acme/tls/KEY"); got != pem {
		t.Fatalf("stored %d bytes, want the %d of the key", len(got), len(pem))
	}
}

// hide keeps a value out of a failing test's output.
func hide(s, v string) string {
	for _, line := range strings.Split(v, "\n") {
		s = strings.ReplaceAll(s, line, "<hidden>")
	}
	return s
}

// TestSetAsksThePassphraseAgain: a mistyped vault passphrase is asked
// again, at the terminal, and the typed value is stored. On the daemon's
// vault the passphrase comes first (set asks before replacing a secret);
// on a vault named with --vault it comes after the value, which is kept.
func TestSetAsksThePassphraseAgain(t *testing.T) {
	for _, direct := range []bool{false, true} {
		t.Run(fmt.Sprintf("vault-flag=%v", direct), func(t *testing.T) { setAfterATypo(t, direct) })
	}
}

func setAfterATypo(t *testing.T, direct bool) {
	h := newVault(t)
	h.env = withoutEnv(h.env, "NOXKEY_PASSPHRASE_FILE")
	v := secret("typed-before-a-typo-value")
	p := openPTY(t)
	args := []string{"set", "acme/api/TYPED"}
	vaultFile := h.vault()
	if direct {
		dir := t.TempDir()
		os.Chmod(dir, 0o700)
		vaultFile = filepath.Join(dir, "copy.age")
		b, err := os.ReadFile(h.vault())
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(vaultFile, b, 0o600)
		args = append([]string{"--vault", vaultFile}, args...)
	}
	cmd := exec.Command(filepath.Join(binDir, "noxkey"), args...)
	cmd.Env = h.env
	p.attach(cmd)
	cmd.Stdout, cmd.Stderr = p.slave, p.slave
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	n := 1
	if direct {
		// The replace check reads the vault first.
		p.answer(t, "Vault passphrase: ", 1, passphrase)
		p.answer(t, "(input hidden): ", 1, v)
		n = 2
	}
	p.answer(t, "Vault passphrase: ", n, "not the passphrase")
	p.answer(t, "Vault passphrase: ", n+1, passphrase)
	if !direct {
		p.answer(t, "(input hidden): ", 1, v)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("set: %v %q", err, hide(p.screen(), v))
	}
	if !p.shows("wrong passphrase; try again") {
		t.Errorf("no retry message: %q", hide(p.screen(), v))
	}
	h.env = append(h.env, "NOXKEY_PASSPHRASE_FILE="+h.pass)
	if got := h.ok(t, "", "--vault", vaultFile, "get", "--raw", "acme/api/TYPED"); got != v {
		t.Fatal("the value typed before the typo was not stored")
	}
}
