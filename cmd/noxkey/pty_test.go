package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	ptylib "github.com/creack/pty"
)

// pty is a real pseudo-terminal: the tests type passphrases into it the way
// a person would, so the TTY prompts run for real.
type pty struct {
	master *os.File
	slave  *os.File
	mu     sync.Mutex
	seen   bytes.Buffer
}

func openPTY(t *testing.T) *pty {
	t.Helper()
	m, s, err := ptylib.Open()
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	p := &pty{master: m, slave: s}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := m.Read(buf)
			p.mu.Lock()
			p.seen.Write(buf[:n])
			p.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { m.Close(); s.Close() })
	return p
}

// attach makes the pty the command's stdin and controlling terminal.
func (p *pty) attach(cmd *exec.Cmd) {
	cmd.Stdin = p.slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
}

// answer waits until the terminal shows prompt (its n-th time), then types line.
func (p *pty) answer(t *testing.T, prompt string, n int, line string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		p.mu.Lock()
		c := strings.Count(p.seen.String(), prompt)
		p.mu.Unlock()
		if c >= n {
			p.master.Write([]byte(line + "\r"))
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("the terminal never showed %q; it shows %q", prompt, p.screen())
}

// shows reports whether the terminal shows text, waiting a little for
// output the reader has not taken yet (a process that wrote it may have
// exited already).
func (p *pty) shows(text string) bool {
	for i := 0; i < 100; i++ {
		if strings.Contains(p.screen(), text) {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

func (p *pty) screen() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.seen.String()
}

// startNoxkey starts noxkey args with the home's environment on the
// terminal (stdin and controlling tty); stderr is captured.
func (p *pty) startNoxkey(t *testing.T, h *home, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(filepath.Join(binDir, "noxkey"), args...)
	cmd.Env = h.env
	errb := new(bytes.Buffer)
	cmd.Stderr = errb
	p.attach(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, errb
}

// TestSetAsksBeforeReplacing: at the terminal, set on a path that holds a
// secret asks first (before the value is typed); "n" changes nothing, "y"
// replaces, --force and a piped value do not ask, a new path does not ask.
func TestSetAsksBeforeReplacing(t *testing.T) {
	h := newVault(t)
	old, typed := secret("sk_live_replace_old_31"), secret("sk_live_replace_new_32")
	h.ok(t, old+"\n", "set", "acme/api/KEY")
	setOnTTY := func(answer string, args ...string) (*pty, error) {
		p := openPTY(t)
		cmd := exec.Command(filepath.Join(binDir, "noxkey"), append([]string{"set"}, args...)...)
		cmd.Env = h.env
		p.attach(cmd)
		cmd.Stdout, cmd.Stderr = p.slave, p.slave
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if answer != "" {
			p.answer(t, "replace it? [y/N] ", 1, answer)
		}
		if answer != "n" {
			p.answer(t, "(input hidden): ", 1, typed)
		}
		return p, cmd.Wait()
	}
	p, err := setOnTTY("n", "acme/api/KEY")
	if err == nil || !p.shows("not confirmed; nothing was changed") || strings.Contains(p.screen(), "Value for") {
		t.Fatalf("answer n: err %v, screen %q", err, p.screen())
	}
	if !strings.Contains(p.screen(), "acme/api/KEY already holds a secret (22 bytes, set ") {
		t.Errorf("question: %q", p.screen())
	}
	if got := h.ok(t, "", "get", "--raw", "acme/api/KEY"); got != old {
		t.Fatal("answer n replaced the secret")
	}
	if p, err := setOnTTY("y", "acme/api/KEY"); err != nil {
		t.Fatalf("answer y: %v %q", err, p.screen())
	}
	if got := h.ok(t, "", "get", "--raw", "acme/api/KEY"); got != typed {
		t.Fatal("answer y did not replace the secret")
	}
	for _, args := range [][]string{{"--force", "acme/api/KEY"}, {"acme/api/NEW"}} {
		if p, err := setOnTTY("", args...); err != nil || strings.Contains(p.screen(), "replace it?") {
			t.Fatalf("set %v: %v %q", args, err, p.screen())
		}
	}
	h.ok(t, old+"\n", "set", "acme/api/KEY") // piped: no question
	if got := h.ok(t, "", "get", "--raw", "acme/api/KEY"); got != old {
		t.Fatal("a piped value did not replace the secret")
	}
}
