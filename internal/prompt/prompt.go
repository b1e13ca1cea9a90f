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

// PassphraseFromFile reads a passphrase file, dropping one trailing newline.
func PassphraseFromFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
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
		wipe(again)
		if !same {
			wipe(p)
			return nil, errors.New("the two passphrases differ; nothing was changed, try again")
		}
	}
	return p, nil
}

// Value reads a secret value: from a terminal prompt with echo off when
// stdin is a terminal, else all of stdin. One trailing "\n" or "\r\n" is
// dropped; everything else is kept byte for byte.
func Value(stdin *os.File, label string) ([]byte, error) {
	if term.IsTerminal(int(stdin.Fd())) {
		b, err := readHidden(stdin, os.Stderr, label+" (input hidden): ")
		if err != nil {
			return nil, fmt.Errorf("read value: %w", err)
		}
		return b, nil
	}
	b, err := io.ReadAll(io.LimitReader(stdin, MaxValue+1))
	if err != nil {
		return nil, fmt.Errorf("read value from stdin: %w", err)
	}
	if len(b) > MaxValue {
		wipe(b)
		return nil, fmt.Errorf("the value on stdin is larger than %d bytes; store a path to a file instead", MaxValue)
	}
	return TrimNewline(b), nil
}

// readHidden turns echo off before it shows the prompt (so nothing typed
// right after the prompt appears is echoed), reads a line, and restores the
// terminal.
func readHidden(in *os.File, out io.Writer, prompt string) ([]byte, error) {
	fd := int(in.Fd())
	if t, err := unix.IoctlGetTermios(fd, ioctlGetTermios); err == nil {
		quiet := *t
		quiet.Lflag &^= unix.ECHO
		unix.IoctlSetTermios(fd, ioctlSetTermios, &quiet)
		defer unix.IoctlSetTermios(fd, ioctlSetTermios, t)
	}
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

func wipe(b []byte) {
	for i := range b {
		b[i] = 0
	}
}
