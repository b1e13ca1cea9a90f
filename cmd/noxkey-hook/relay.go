package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/noxkey/noxkey/guard"
	"github.com/noxkey/noxkey/guard/arm"
	"github.com/noxkey/noxkey/internal/paths"
	"golang.org/x/sys/unix"
)

// relay is the process behind a wrapped Bash command (hooks.WrapCommand).
// It filters what the shell writes to the FIFOs o and e of a private
// directory (mkdir 0700, random name) to the shell's original stdout and
// stderr, as it comes, and when both are at EOF writes a line to the FIFO
// done and removes the directory. When the guard cannot load it withholds
// the output (one line on stderr says why) but still drains both FIFOs,
// so the command's own behaviour does not change. It runs in one of two
// ways:
//
//	relay OUT-FD ERR-FD    started by the wrapped command itself, in a
//	                       command substitution: it makes the directory,
//	                       prints it and goes on in the background, writing
//	                       to the descriptors it inherited.
//	relay --prestart DIR   run by the PreToolUse hook (in-process) or a
//	                       test: makes the directory in DIR and starts
//	                       `relay --wait` for it, so the command finds its
//	                       relay already running and starts no process.
//
// A prestarted relay has no descriptor of the shell: the shell sends
// "PID FD OUT ERR" on o (FD its descriptor of o), the relay checks that
// /proc/PID/fd/FD is its o and opens /proc/PID/fd/OUT and ERR (a pipe, a
// FIFO, a terminal or a file in append mode: see openShellFD), and
// answers "ok" or "no" on done. On "no" the
// shell falls back to the first way. Without /proc (macOS) the hook does
// not prestart.
func oldRelay(args []string) int {
	switch {
	case len(args) == 2 && args[0] == "--prestart":
		dir, err := prestartRelay(args[1])
		if err != nil {
			fmt.Fprintf(os.Stderr, "noxkey-hook relay: %v\n", err)
			return 1
		}
		fmt.Println(dir)
		return 0
	case len(args) == 2 && args[0] == "--wait":
		return waitingRelay(args[1])
	case len(args) != 2:
		fmt.Fprintln(os.Stderr, "usage: noxkey-hook relay OUT-FD ERR-FD | --prestart DIR | --wait DIR")
		return 1
	}
	outFD, err1 := strconv.Atoi(args[0])
	errFD, err2 := strconv.Atoi(args[1])
	if err1 != nil || err2 != nil {
		fmt.Fprintln(os.Stderr, "noxkey-hook relay: descriptors must be numbers")
		return 1
	}
	dir, err := privateFIFOs(os.TempDir())
	if err != nil {
		fmt.Fprintf(os.Stderr, "noxkey-hook relay: %v\n", err)
		return 1
	}
	fmt.Println(dir)
	logRelay("started")
	if null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0); err == nil {
		unix.Dup2(int(null.Fd()), 1) // end the caller's command substitution
		null.Close()
	}
	// The FIFOs are opened before the guard loads, and without blocking
	// (no thread waits in open for the shell), so the shell, which waits
	// on its own opens, goes on to the command meanwhile.
	o, e, err := openFIFOs(dir)
	if err != nil {
		os.RemoveAll(dir)
		return 1
	}
	serve(dir, o, e, os.NewFile(uintptr(outFD), "stdout"), os.NewFile(uintptr(errFD), "stderr"), loadGuard())
	return 0
}

// logRelay appends "relay what" to the file named by NOXKEY_HOOK_EVENT_LOG
// (see logEvent), so tests can tell which relay served a command.
func logRelay(what string) {
	if path := os.Getenv("NOXKEY_HOOK_EVENT_LOG"); path != "" {
		if f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|syscall.O_NOFOLLOW, 0o600); err == nil {
			fmt.Fprintf(f, "relay %s\n", what)
			f.Close()
		}
	}
}

// loadGuard loads the guard in the background.
func loadGuard() func() (*guard.Guard, error) {
	var g *guard.Guard
	var err error
	done := make(chan struct{})
	go func() {
		l := paths.Resolve("") // no warning: stderr here is the command's
		g, err = guard.Open(l.Config, l.Index(), arm.Lookup)
		close(done)
	}()
	return func() (*guard.Guard, error) { <-done; return g, err }
}

// openFIFOs opens o and e for reading without blocking: Stream polls
// before it reads, so a writer that has not come yet is not taken for the
// end of input.
func openFIFOs(dir string) (o, e *os.File, err error) {
	var fds [2]int
	for i, n := range []string{"o", "e"} {
		if fds[i], err = unix.Open(filepath.Join(dir, n), unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0); err != nil {
			if i == 1 {
				unix.Close(fds[0])
			}
			return nil, nil, err
		}
	}
	return os.NewFile(uintptr(fds[0]), "o"), os.NewFile(uintptr(fds[1]), "e"), nil
}

// serve filters o to out and e to errw, then signals done and removes dir.
func serve(dir string, o, e, out, errw *os.File, load func() (*guard.Guard, error)) {
	g, gerr := load()
	if gerr != nil {
		fmt.Fprintf(errw, "noxkey-hook: output withheld: %v\n", gerr)
	}
	var wg sync.WaitGroup
	for _, s := range [][2]*os.File{{o, out}, {e, errw}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer s[0].Close()
			if g == nil {
				io.Copy(io.Discard, s[0])
				return
			}
			g.Stream(s[1], s[0], guard.DefaultIdle)
		}()
	}
	wg.Wait()
	// Read-write: an open for writing alone would wait forever for a
	// reader if the shell has gone.
	if d, err := os.OpenFile(filepath.Join(dir, "done"), os.O_RDWR, 0); err == nil {
		d.Write([]byte("\n"))
		d.Close()
	}
	os.RemoveAll(dir)
}

// privateFIFOs makes a new 0700 directory in parent holding the FIFOs
// (os.MkdirTemp: a name no other user can guess, made exclusively).
func privateFIFOs(parent string) (string, error) {
	dir, err := os.MkdirTemp(parent, "noxkey.")
	if err != nil {
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

// unclaimed is how long a prestarted relay waits for its command (a
// permission prompt can hold it; a denied command never comes).
const unclaimed = 10 * time.Minute

// prestartRelay makes the FIFO directory in parent and starts a detached
// `relay --wait` for it (no descriptor of this process, its own session),
// whose pid it writes to the file pid there, for the shell to check.
func prestartRelay(parent string) (string, error) {
	if runtime.GOOS != "linux" {
		return "", errors.New("a prestarted relay needs /proc")
	}
	self, err := os.Executable()
	if err != nil {
		return "", err
	}
	dir, err := privateFIFOs(parent)
	if err != nil {
		return "", err
	}
	// os.StartProcess rather than os/exec, which a hook would otherwise
	// link, and set up on every call before main.
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	p, err := os.StartProcess(self, []string{self, "relay", "--wait", dir}, &os.ProcAttr{
		Files: []*os.File{null, null, null},
		Sys:   &syscall.SysProcAttr{Setsid: true},
	})
	null.Close()
	if err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	pid := p.Pid
	p.Release()
	f, err := os.OpenFile(filepath.Join(dir, "pid"), os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o600)
	if err == nil {
		_, err = fmt.Fprintln(f, pid)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return "", err // the relay claims its own directory when unclaimed
	}
	return dir, nil
}

// waitingRelay is `relay --wait DIR`: see relay.
func waitingRelay(dir string) int {
	o, e, err := openFIFOs(dir)
	if err != nil {
		os.RemoveAll(dir)
		return 1
	}
	load := loadGuard()
	done, err := os.OpenFile(filepath.Join(dir, "done"), os.O_RDWR, 0)
	if err != nil {
		os.RemoveAll(dir)
		return 1
	}
	hello, err := readHello(o, dir)
	if err != nil {
		os.RemoveAll(dir)
		return 0 // unclaimed
	}
	out, errw, err := shellOutputs(hello, o)
	if err != nil {
		logRelay("prestarted refused: " + err.Error())
		done.WriteString("no\n")
		done.Close()
		os.RemoveAll(dir)
		return 0
	}
	logRelay("prestarted used")
	done.WriteString("ok\n")
	done.Close()
	serve(dir, o, e, out, errw, load)
	return 0
}

// readHello waits for the shell's line on o. Unclaimed for too long, the
// relay claims its directory itself (O_EXCL, as the shell's noclobber
// does) and leaves; if the shell claimed it first, it waits on. It leaves
// at once when its directory is removed.
func readHello(o *os.File, dir string) (string, error) {
	fds := []unix.PollFd{{Fd: int32(o.Fd()), Events: unix.POLLIN}}
	deadline, extended := time.Now().Add(unclaimed), false
	for {
		n, err := unix.Poll(fds, int(min(time.Until(deadline), 5*time.Second).Milliseconds()))
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return "", err
		}
		if n > 0 {
			break
		}
		if _, err := os.Stat(dir); err != nil {
			return "", err
		}
		if time.Now().Before(deadline) {
			continue
		}
		f, err := os.OpenFile(filepath.Join(dir, "claim"), os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o600)
		if !errors.Is(err, fs.ErrExist) || extended {
			if err == nil {
				f.Close()
			}
			return "", errors.New("unclaimed, or claimed by a shell that never wrote")
		}
		deadline, extended = time.Now().Add(time.Minute), true
	}
	// The shell writes the line and waits for the answer before any
	// output, so the line is all there is; read it a byte at a time anyway.
	var line []byte
	var b [1]byte
	for len(line) < 80 {
		n, err := o.Read(b[:])
		if n == 1 && b[0] == '\n' {
			return string(line), nil
		}
		if n == 1 {
			line = append(line, b[0])
			continue
		}
		if err != nil {
			return "", err
		}
	}
	return "", errors.New("hello too long")
}

// shellOutputs checks the shell's line "PID FD OUT ERR" and opens its
// descriptors OUT and ERR through /proc.
func shellOutputs(hello string, o *os.File) (out, errw *os.File, err error) {
	f := strings.Fields(hello)
	if len(f) != 4 {
		return nil, nil, errors.New("bad hello")
	}
	for _, s := range f {
		if _, err := strconv.ParseUint(s, 10, 31); err != nil {
			return nil, nil, errors.New("bad hello")
		}
	}
	proc := "/proc/" + f[0] + "/fd/"
	var mine, theirs unix.Stat_t
	if unix.Fstat(int(o.Fd()), &mine) != nil || unix.Stat(proc+f[1], &theirs) != nil || mine.Dev != theirs.Dev || mine.Ino != theirs.Ino {
		return nil, nil, errors.New("the process is not the one holding the FIFO")
	}
	var files [2]*os.File
	for i, fd := range f[2:] {
		file, err := openShellFD(proc, fd)
		if err != nil {
			if i == 1 {
				files[0].Close()
			}
			return nil, nil, err
		}
		files[i] = file
	}
	return files[0], files[1], nil
}

// openShellFD opens the shell's descriptor fd through /proc (proc ends in
// /fd/): a pipe, FIFO or terminal; or a regular file the shell writes in
// append mode (Claude Code sends command output to one), which a second
// open in append mode writes to exactly as the shell would. Not a file
// written at an offset: a second open would not share it.
func openShellFD(proc, fd string) (*os.File, error) {
	d, err := unix.Open(proc+fd, unix.O_WRONLY|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	var st unix.Stat_t
	if err := unix.Fstat(d, &st); err != nil {
		unix.Close(d)
		return nil, err
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFIFO, unix.S_IFCHR:
		return os.NewFile(uintptr(d), "out"), nil
	case unix.S_IFREG:
		unix.Close(d)
		info, err := os.ReadFile(strings.TrimSuffix(proc, "fd/") + "fdinfo/" + fd)
		if err != nil {
			return nil, err
		}
		var flags int64
		for _, line := range strings.Split(string(info), "\n") {
			if v, ok := strings.CutPrefix(line, "flags:"); ok {
				flags, _ = strconv.ParseInt(strings.TrimSpace(v), 8, 64)
			}
		}
		if flags&unix.O_APPEND == 0 {
			return nil, fmt.Errorf("descriptor %s is a file written at an offset (flags %o)", fd, flags)
		}
		d, err := unix.Open(proc+fd, unix.O_WRONLY|unix.O_APPEND|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
		if err != nil {
			return nil, err
		}
		return os.NewFile(uintptr(d), "out"), nil
	}
	unix.Close(d)
	return nil, fmt.Errorf("descriptor %s is not a pipe, FIFO, terminal or file", fd)
}
