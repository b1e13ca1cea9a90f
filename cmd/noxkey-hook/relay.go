package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/noxkey/noxkey/guard"
	"github.com/noxkey/noxkey/internal/paths"
	"golang.org/x/sys/unix"
)

// relay is the one process behind a wrapped Bash command (hooks.WrapCommand):
// it makes a private directory (mkdir 0700, random name) with FIFOs o, e
// and done, prints the directory on stdout and closes it, so the shell's
// command substitution returns while the relay goes on. It then copies o
// to the descriptor outFD and e to errFD through the guard, as they come,
// and when both are at EOF writes a line to done and removes the
// directory. When the guard cannot load it withholds the output (one line
// on errFD says why) but still drains both FIFOs, so the command's own
// behaviour does not change.
func relay(args []string) int {
	if len(args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: noxkey-hook relay OUT-FD ERR-FD")
		return 1
	}
	outFD, err1 := strconv.Atoi(args[0])
	errFD, err2 := strconv.Atoi(args[1])
	if err1 != nil || err2 != nil {
		fmt.Fprintln(os.Stderr, "noxkey-hook relay: descriptors must be numbers")
		return 1
	}
	dir, err := privateFIFOs()
	if err != nil {
		fmt.Fprintf(os.Stderr, "noxkey-hook relay: %v\n", err)
		return 1
	}
	fmt.Println(dir)
	if null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0); err == nil {
		unix.Dup2(int(null.Fd()), 1) // end the caller's command substitution
		null.Close()
	}
	out, errw := os.NewFile(uintptr(outFD), "stdout"), os.NewFile(uintptr(errFD), "stderr")
	// The FIFOs are opened before the guard loads, and without blocking
	// (no thread waits in open for the shell), so the shell, which waits
	// on its own opens, goes on to the command meanwhile. Stream polls
	// before it reads, so no writer yet is not taken for end of input.
	var g *guard.Guard
	loaded := make(chan struct{})
	var wg sync.WaitGroup
	for _, s := range []struct {
		name string
		w    *os.File
	}{{"o", out}, {"e", errw}} {
		fd, err := unix.Open(filepath.Join(dir, s.name), unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
		if err != nil {
			continue
		}
		f := os.NewFile(uintptr(fd), s.name)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer f.Close()
			if <-loaded; g == nil {
				io.Copy(io.Discard, f)
				return
			}
			g.Stream(s.w, f, guard.DefaultIdle)
		}()
	}
	l := paths.Resolve("")
	g, gerr := guard.Open(l.Config, l.Index())
	if gerr != nil {
		fmt.Fprintf(errw, "noxkey-hook: output withheld: %v\n", gerr)
	}
	close(loaded)
	wg.Wait()
	if d, err := os.OpenFile(filepath.Join(dir, "done"), os.O_WRONLY, 0); err == nil {
		d.Write([]byte("\n"))
		d.Close()
	}
	os.RemoveAll(dir)
	return 0
}

// privateFIFOs makes a new 0700 directory in TMPDIR holding the FIFOs.
func privateFIFOs() (string, error) {
	for i := 0; i < 10; i++ {
		var rnd [8]byte
		rand.Read(rnd[:])
		dir := filepath.Join(os.TempDir(), "noxkey."+hex.EncodeToString(rnd[:]))
		if err := os.Mkdir(dir, 0o700); err != nil {
			if os.IsExist(err) {
				continue
			}
			return "", err
		}
		for _, n := range []string{"o", "e", "done"} {
			if err := unix.Mkfifo(filepath.Join(dir, n), 0o600); err != nil {
				os.RemoveAll(dir)
				return "", err
			}
		}
		return dir, nil
	}
	return "", fmt.Errorf("cannot make a private directory in %s", os.TempDir())
}
