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
