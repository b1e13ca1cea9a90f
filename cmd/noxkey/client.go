package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/noxkey/noxkey/handoff"
	"github.com/noxkey/noxkey/handoff/daemon"
	"github.com/noxkey/noxkey/internal/paths"
	"github.com/noxkey/noxkey/vault"
	"golang.org/x/sys/unix"
)

// connect dials the daemon; with start, it launches one when none
// answers (like gpg-agent) and waits until it does.
func (a *app) connect(start bool) (*daemon.Client, error) {
	sock := a.layout.Socket()
	c, err := daemon.Dial(sock)
	if err == nil || !start {
		return c, err
	}
	if err := paths.EnsurePrivateDir(a.layout.Runtime); err != nil {
		return nil, err
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("daemon: find noxkey: %w", err)
	}
	logPath := filepath.Join(a.layout.Runtime, "daemon.log")
	logf, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return nil, fmt.Errorf("daemon: %w", err)
	}
	defer logf.Close()
	args := []string{"--home", os.Getenv("NOXKEY_HOME")}
	if a.home != "" {
		args[1] = a.home
	}
	if args[1] == "" {
		args = nil
	}
	cmd := exec.Command(exe, append(args, "daemon")...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := startWithoutInherited(cmd); err != nil {
		return nil, fmt.Errorf("daemon: start: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := daemon.Dial(sock); err == nil {
			return c, nil
		}
		select {
		case err := <-exited:
			// Lost a start race to another daemon? Then it answers now.
			if c, derr := daemon.Dial(sock); derr == nil {
				return c, nil
			}
			tail, _ := os.ReadFile(logPath)
			lines := strings.Split(strings.TrimSpace(string(tail)), "\n")
			return nil, fmt.Errorf("daemon: it exited (%v): %s (log: %s)", err, lines[len(lines)-1], logPath)
		case <-time.After(5 * time.Millisecond):
		}
	}
	return nil, fmt.Errorf("daemon: started, but %s does not answer; see %s", sock, logPath)
}

// startWithoutInherited starts cmd without the descriptors this process
// inherited beyond 0-2 (exec passes on every one not marked close-on-exec):
// a daemon that kept a pipe its starter was given, as direnv gives the
// shell that runs .envrc, would hold the reader of that pipe forever. The
// marks are taken off again once the daemon has started, so a command
// noxkey runs later still inherits them.
func startWithoutInherited(cmd *exec.Cmd) error {
	var marked []int
	if ents, err := os.ReadDir("/dev/fd"); err == nil { // Linux and macOS
		for _, e := range ents {
			fd, err := strconv.Atoi(e.Name())
			if err != nil || fd <= 2 {
				continue
			}
			if flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err == nil && flags&unix.FD_CLOEXEC == 0 {
				if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFD, flags|unix.FD_CLOEXEC); err == nil {
					marked = append(marked, fd)
				}
			}
		}
	}
	err := cmd.Start()
	for _, fd := range marked {
		if flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err == nil {
			unix.FcntlInt(uintptr(fd), unix.F_SETFD, flags&^unix.FD_CLOEXEC)
		}
	}
	return err
}

// daemonError is an error answer of the daemon, with its exit code.
type daemonError struct {
	code string
	msg  string
}

func (e *daemonError) Error() string { return e.msg }

func (e *daemonError) ExitCode() int {
	switch e.code {
	case daemon.CodeLocked, daemon.CodeBadPassphrase:
		return exitLocked
	case daemon.CodeNotFound:
		return exitNotFound
	case daemon.CodeRefused:
		return exitRefused
	}
	return exitUsage
}

// call sends req and turns an error answer into a daemonError.
func (a *app) call(c *daemon.Client, req *daemon.Request) (*daemon.Response, error) {
	resp, err := c.Call(req)
	if err != nil {
		return nil, err
	}
	if !resp.OK {
		return resp, &daemonError{code: resp.Code, msg: resp.Error}
	}
	return resp, nil
}

// unlockDaemon asks the passphrase (terminal or NOXKEY_PASSPHRASE_FILE)
// and sends it sealed to the daemon's one-time key; with --identity it
// names the identity file instead.
func (a *app) unlockDaemon(c *daemon.Client) (*daemon.Response, error) {
	if a.identityFile != "" {
		abs, err := filepath.Abs(a.identityFile)
		if err != nil {
			return nil, err
		}
		return a.call(c, &daemon.Request{Op: daemon.OpUnlock, Identity: abs})
	}
	// A passphrase mistyped at the terminal is asked again (three tries,
	// as sudo); one from a file is not.
	for try := 1; ; try++ {
		hello, err := a.call(c, &daemon.Request{Op: daemon.OpHello})
		if err != nil {
			return nil, err
		}
		pass, err := a.passphrase("Vault passphrase", false)
		if err != nil {
			return nil, err
		}
		sealed, err := daemon.Seal(hello.Public, pass, []byte("unlock"))
		clear(pass)
		if err != nil {
			return nil, err
		}
		resp, err := a.call(c, &daemon.Request{Op: daemon.OpUnlock, Secret: sealed})
		var de *daemonError
		if errors.As(err, &de) && de.code == daemon.CodeBadPassphrase && try < 3 && a.passphraseFile == "" && hasTTY() {
			fmt.Fprintln(os.Stderr, "noxkey: wrong passphrase; try again")
			continue
		}
		return resp, err
	}
}

// usesDaemon: the daemon serves the default file vault; --vault and the
// Keychain back-end are read directly (the daemon still classifies).
func (a *app) usesDaemon() bool {
	return a.vaultPath == a.layout.Vault() && os.Getenv("NOXKEY_BACKEND") != "keychain"
}

// whoami asks the daemon who the caller is.
func (a *app) whoami() (*handoff.Verdict, error) {
	c, err := a.connect(true)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	resp, err := a.call(c, &daemon.Request{Op: daemon.OpWhoami})
	if err != nil {
		return nil, err
	}
	return resp.Caller, nil
}

// refuseAgents ends a command an agent may not run.
func (a *app) refuseAgents() error {
	v, err := a.whoami()
	if err != nil {
		return err
	}
	if v.Agent {
		return errRefused
	}
	return nil
}

var errRefused = &daemonError{code: daemon.CodeRefused, msg: daemon.AgentRefusal}

// daemonWriter writes through the unlocked daemon, which holds the
// vault's key, so set, rm and import ask no passphrase while it is
// unlocked; with no daemon or a locked one it writes the file itself.
type daemonWriter struct {
	vault.Store // the file: reads, and writes when the daemon cannot
	a           *app
	viaDaemon   bool // the daemon wrote and rebuilt the index
}

func (a *app) writer() vault.Store {
	if !a.usesDaemon() {
		return a.store()
	}
	return &daemonWriter{Store: a.store(), a: a}
}

func (w *daemonWriter) Set(secrets ...vault.Secret) error { return w.Apply(secrets, nil) }

// Apply sets secrets and removes the paths in remove in one write.
func (w *daemonWriter) Apply(secrets []vault.Secret, remove []string) error {
	ents := make([]daemon.WireSecret, len(secrets))
	for i, s := range secrets {
		ents[i] = daemon.WireSecret{Path: s.Path, Value: s.Value, Description: s.Description, Origin: s.Origin}
	}
	plain, err := json.Marshal(ents)
	if err != nil {
		return err
	}
	defer clear(plain)
	ok, err := w.try(func(c *daemon.Client) (*daemon.Response, error) {
		hello, err := w.a.call(c, &daemon.Request{Op: daemon.OpHello})
		if err != nil {
			return nil, err
		}
		sealed, err := daemon.Seal(hello.Public, plain, []byte("set"))
		if err != nil {
			return nil, err
		}
		return w.a.call(c, &daemon.Request{Op: daemon.OpSet, Secret: sealed, Paths: remove})
	})
	if ok || err != nil {
		return err
	}
	if f, isFile := w.Store.(*vault.File); isFile {
		return f.Apply(secrets, remove)
	}
	if len(remove) > 0 {
		return fmt.Errorf("this vault back-end cannot set and remove in one write")
	}
	return w.Store.Set(secrets...)
}

func (w *daemonWriter) Delete(paths ...string) error {
	ok, err := w.try(func(c *daemon.Client) (*daemon.Response, error) {
		return w.a.call(c, &daemon.Request{Op: daemon.OpDelete, Paths: paths})
	})
	if ok || err != nil {
		return err
	}
	return w.Store.Delete(paths...)
}

// try runs op against a running daemon. ok false with no error: no
// daemon, or a locked one; the caller writes the file itself.
func (w *daemonWriter) try(op func(*daemon.Client) (*daemon.Response, error)) (bool, error) {
	c, err := w.a.connect(false)
	if err != nil {
		return false, nil
	}
	defer c.Close()
	_, err = op(c)
	var de *daemonError
	if errors.As(err, &de) && de.code == daemon.CodeLocked {
		return false, nil
	}
	if err != nil {
		return true, err
	}
	w.viaDaemon = true
	return true, nil
}

// tellRunning sends op to a running daemon; with none, it says absent
// and succeeds (there is nothing to stop or lock).
func (a *app) tellRunning(op, absent string) error {
	c, err := a.connect(false)
	if err != nil {
		fmt.Fprintln(os.Stderr, "noxkey: "+absent)
		return nil
	}
	defer c.Close()
	_, err = a.call(c, &daemon.Request{Op: op})
	return err
}

// sealedCall sends req with a fresh one-time key and opens the sealed
// answer. A locked vault is unlocked first when the caller is a human
// (the daemon tells); an agent gets the daemon's advice instead.
func (a *app) sealedCall(req *daemon.Request, ad string) (*daemon.Response, []byte, error) {
	c, err := a.connect(true)
	if err != nil {
		return nil, nil, err
	}
	defer c.Close()
	for attempt := 0; ; attempt++ {
		o, err := daemon.NewOpener()
		if err != nil {
			return nil, nil, err
		}
		req.Public = o.Public()
		resp, err := a.call(c, req)
		var de *daemonError
		if errors.As(err, &de) && de.code == daemon.CodeLocked && attempt == 0 && resp.Caller != nil && !resp.Caller.Agent {
			if _, err := a.unlockDaemon(c); err != nil {
				return nil, nil, err
			}
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		if resp.Handoff != "" {
			return resp, nil, nil // an agent's get: the daemon wrote the script
		}
		value, err := o.Open(resp.Sealed, []byte(ad))
		if err != nil {
			return nil, nil, err
		}
		return resp, value, nil
	}
}
