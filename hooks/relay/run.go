package relay

import (
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/noxkey/noxkey/guard"
	"golang.org/x/sys/unix"
)

// Opener loads the guard, or says why it cannot.
type Opener func() (*guard.Guard, error)

// Run is `noxkey-hook --shell [--merge] SCRIPT` (see the package doc). It
// returns the exit status to leave with, after dying of the shell's
// signal has been tried.
func Run(args []string, open Opener) int {
	merge := false
	if len(args) > 0 && args[0] == MergeFlag {
		merge, args = true, args[1:]
	}
	if len(args) != 1 {
		fmt.Fprintln(os.Stderr, "usage: noxkey-hook --shell [--merge] SCRIPT (set by noxkey hooks install; SCRIPT is one argument)")
		return 2
	}
	sh := Shell()
	merge = merge || sameFile(1, 2)
	guardc := loadAsync(open)

	outR, outW, err := os.Pipe()
	if err != nil {
		fmt.Fprintf(os.Stderr, "noxkey-hook: %v\n", err)
		return 126
	}
	streams := []*stream{{f: outR, dst: os.Stdout}}
	errW := outW
	if !merge {
		var errR *os.File
		if errR, errW, err = os.Pipe(); err != nil {
			fmt.Fprintf(os.Stderr, "noxkey-hook: %v\n", err)
			return 126
		}
		streams = append(streams, &stream{f: errR, dst: os.Stderr})
	}
	// The shell gets this process's stdin and nothing else of it: its
	// descriptors from 3 up are all its own.
	p, err := os.StartProcess(sh, []string{sh, "-c", args[0]}, &os.ProcAttr{Files: []*os.File{os.Stdin, outW, errW}})
	outW.Close()
	if errW != outW {
		errW.Close()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "noxkey-hook: cannot start the shell %s: %v; set SHELL to bash or zsh\n", sh, err)
		return 127
	}
	// Signals sent to this process alone (an agent stopping the command)
	// reach the shell; a terminal's signals reach the whole group anyway.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		for s := range sigs {
			p.Signal(s)
		}
	}()
	exitR, exitW, err := os.Pipe()
	if err != nil {
		p.Kill()
		return 126
	}
	statec := make(chan *os.ProcessState, 1)
	go func() {
		state, _ := p.Wait()
		statec <- state
		exitW.Close()
	}()

	r := &relay{streams: streams, guardc: guardc}
	r.run(exitR)
	if r.open() > 0 {
		if err := r.carry(); err != nil {
			fmt.Fprintf(os.Stderr, "noxkey-hook: output a background job writes later is withheld: %v\n", err)
		}
	}
	state := <-statec
	signal.Stop(sigs)
	return exitStatus(state)
}

// Shell is the shell Run hands scripts to: Claude Code's own choice
// (CLAUDE_CODE_SHELL, then SHELL when it is bash or zsh), then SHELL when
// it is another POSIX shell, then bash, then /bin/sh.
func Shell() string {
	cands := []string{os.Getenv("CLAUDE_CODE_SHELL"), os.Getenv("SHELL")}
	for i, s := range cands {
		switch filepath.Base(s) {
		case "bash", "zsh":
		case "sh", "dash", "ksh", "mksh":
			if i == 0 {
				continue
			}
		default:
			continue
		}
		if filepath.IsAbs(s) && unix.Access(s, unix.X_OK) == nil {
			return s
		}
	}
	for _, s := range []string{"/bin/bash", "/usr/bin/bash", "/usr/local/bin/bash"} {
		if unix.Access(s, unix.X_OK) == nil {
			return s
		}
	}
	return "/bin/sh"
}

// sameFile reports whether descriptors a and b reach the same file, pipe
// or terminal.
func sameFile(a, b int) bool {
	var sa, sb unix.Stat_t
	return unix.Fstat(a, &sa) == nil && unix.Fstat(b, &sb) == nil && sa.Dev == sb.Dev && sa.Ino == sb.Ino
}

// loadAsync loads the guard while the shell starts.
func loadAsync(open Opener) func() (*guard.Guard, error) {
	type res struct {
		g   *guard.Guard
		err error
	}
	c := make(chan res, 1)
	go func() {
		g, err := open()
		c <- res{g, err}
	}()
	var r *res
	return func() (*guard.Guard, error) {
		if r == nil {
			v := <-c
			r = &v
		}
		return r.g, r.err
	}
}

// exitStatus dies of the signal that ended the shell, as the shell
// itself would have, or returns its exit status.
func exitStatus(state *os.ProcessState) int {
	if state == nil {
		return 126
	}
	ws, ok := state.Sys().(syscall.WaitStatus)
	if ok && ws.Signaled() {
		sig := ws.Signal()
		signal.Reset(sig)
		syscall.Kill(os.Getpid(), sig)
		return 128 + int(sig)
	}
	return state.ExitCode()
}
