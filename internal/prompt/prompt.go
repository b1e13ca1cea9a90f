// Package prompt reads passphrases and secret values from a terminal, a
// file or stdin, never from argv or a plain environment variable.
package prompt

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
	"golang.org/x/term"
)

// ErrNoTTY means a passphrase was needed but there is no terminal to ask on.
var ErrNoTTY = errors.New("no terminal to ask for the passphrase: run this in a terminal, or name a file that holds it with --passphrase-file or NOXKEY_PASSPHRASE_FILE")

// MaxValue bounds a secret value read from stdin.
const MaxValue = 1 << 20

// PassphraseFromFile reads a passphrase file, dropping one trailing
// newline. A file others can read or write is refused, as ssh refuses
// such a private key: the passphrase is the vault.
func PassphraseFromFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read passphrase file: %w", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("passphrase file %s has mode %04o: others can read it; fix: chmod 600 %s", path, fi.Mode().Perm(), path)
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxValue))
	if err != nil {
		return nil, fmt.Errorf("read passphrase file: %w", err)
	}
	b = TrimNewline(b)
	if len(b) == 0 {
		return nil, fmt.Errorf("passphrase file %s is empty", path)
	}
	return b, nil
}

// Passphrase asks on the controlling terminal with echo off. With confirm
// it asks twice and refuses a mismatch.
func Passphrase(what string, confirm bool) ([]byte, error) {
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return nil, ErrNoTTY
	}
	defer tty.Close()
	ask := func(label string) ([]byte, error) {
		b, err := readHidden(tty, tty, label+": ")
		if err != nil {
			return nil, fmt.Errorf("read passphrase: %w", err)
		}
		return b, nil
	}
	p, err := ask(what)
	if err != nil {
		return nil, err
	}
	if len(p) == 0 {
		return nil, errors.New("the passphrase is empty")
	}
	if confirm {
		again, err := ask("Repeat " + what)
		if err != nil {
			return nil, err
		}
		same := bytes.Equal(p, again)
		clear(again)
		if !same {
			clear(p)
			return nil, errors.New("the two passphrases differ; nothing was changed, try again")
		}
	}
	return p, nil
}

// ErrMoreLines is a hidden one-line prompt that was given several lines
// at once (a pasted key or certificate).
var ErrMoreLines = errors.New("the input had more than one line (a pasted key?): nothing was stored, and the rest of it was read here rather than left for your shell; to store several lines, add --multiline and end with Ctrl-D on a line of its own")

// Value reads a secret value: from a terminal prompt with echo off when
// stdin is a terminal, else all of stdin. On a terminal it reads one line,
// or with multiline every line until Ctrl-D; a one-line read that finds
// more input waiting (a paste of several lines) takes all of it off the
// terminal, so none of it reaches the shell, and fails with ErrMoreLines.
// One trailing "\n" or "\r\n" is dropped; everything else is kept byte for
// byte.
func Value(stdin *os.File, label string, multiline bool) ([]byte, error) {
	if term.IsTerminal(int(stdin.Fd())) {
		if multiline {
			b, err := readHiddenLines(stdin, os.Stderr, label+" (input hidden; end with Ctrl-D on a line of its own):\n")
			if err != nil {
				return nil, fmt.Errorf("read value: %w", err)
			}
			return TrimNewline(b), nil
		}
		b, err := readHidden(stdin, os.Stderr, label+" (input hidden): ")
		if err != nil {
			return nil, fmt.Errorf("read value: %w", err)
		}
		if drainPending(stdin) {
			clear(b)
			return nil, ErrMoreLines
		}
		return b, nil
	}
	b, err := io.ReadAll(io.LimitReader(stdin, MaxValue+1))
	if err != nil {
		return nil, fmt.Errorf("read value from stdin: %w", err)
	}
	if len(b) > MaxValue {
		clear(b)
		return nil, fmt.Errorf("the value on stdin is larger than %d bytes; store a path to a file instead", MaxValue)
	}
	return TrimNewline(b), nil
}

// readHiddenLines reads with echo off until end of input (Ctrl-D).
func readHiddenLines(in *os.File, out io.Writer, prompt string) ([]byte, error) {
	fd := int(in.Fd())
	defer echoOff(fd)()
	fmt.Fprint(out, prompt)
	var b []byte
	buf := make([]byte, 4096)
	defer clear(buf)
	for len(b) <= MaxValue {
		n, err := in.Read(buf)
		b = append(b, buf[:n]...)
		if n == 0 || err != nil {
			break
		}
	}
	if len(b) > MaxValue {
		clear(b)
		return nil, fmt.Errorf("the value is larger than %d bytes", MaxValue)
	}
	return b, nil
}

// drainPending reads off the terminal whatever is already waiting after a
// line was read (the rest of a paste, partial last line too: the terminal
// is read byte-wise for that), discards it, and reports whether there was
// any.
func drainPending(in *os.File) bool {
	fd := int(in.Fd())
	t, err := unix.IoctlGetTermios(fd, ioctlGetTermios)
	if err != nil {
		return false
	}
	raw := *t
	raw.Lflag &^= unix.ICANON | unix.ECHO
	raw.Cc[unix.VMIN], raw.Cc[unix.VTIME] = 0, 1 // up to 0.1 s for each read
	if unix.IoctlSetTermios(fd, ioctlSetTermios, &raw) != nil {
		return false
	}
	defer unix.IoctlSetTermios(fd, ioctlSetTermios, t)
	var buf [4096]byte
	defer clear(buf[:])
	found := false
	for {
		n, err := unix.Read(fd, buf[:])
		if n <= 0 || err != nil {
			return found
		}
		found = true
	}
}

// echoOff turns the terminal's echo off and returns what restores it (a
// no-op where fd is not a terminal).
func echoOff(fd int) (restore func()) {
	t, err := unix.IoctlGetTermios(fd, ioctlGetTermios)
	if err != nil {
		return func() {}
	}
	quiet := *t
	quiet.Lflag &^= unix.ECHO
	unix.IoctlSetTermios(fd, ioctlSetTermios, &quiet)
	return func() { unix.IoctlSetTermios(fd, ioctlSetTermios, t) }
}

// readHidden turns echo off before it shows the prompt (so nothing typed
// right after the prompt appears is echoed), reads a line, and restores the
// terminal.
func readHidden(in *os.File, out io.Writer, prompt string) ([]byte, error) {
	fd := int(in.Fd())
	defer echoOff(fd)()
	fmt.Fprint(out, prompt)
	b, err := term.ReadPassword(fd)
	fmt.Fprintln(out)
	return b, err
}

// TrimNewline drops one trailing "\n" or "\r\n".
func TrimNewline(b []byte) []byte {
	if bytes.HasSuffix(b, []byte("\r\n")) {
		return b[:len(b)-2]
	}
	return bytes.TrimSuffix(b, []byte("\n"))
}
