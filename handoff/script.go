package handoff

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/noxkey/noxkey/internal/paths"
	"github.com/noxkey/noxkey/internal/shellquote"
	"golang.org/x/sys/unix"
)

// Dialect is how one shell family sets and sources: POSIX sh (bash, zsh,
// dash, ksh) or fish.
type Dialect struct {
	fish   bool
	source string // "source" or "."
}

// DialectFor returns the dialect of a shell named by Verdict.Shell. An
// unknown or empty shell gets POSIX sh with `.`, which every sh has.
func DialectFor(shell string) Dialect {
	switch shell {
	case "fish":
		return Dialect{fish: true, source: "source"}
	case "bash", "zsh", "ksh", "mksh":
		return Dialect{source: "source"}
	}
	return Dialect{source: "."}
}

// Quote returns s as one single-quoted word of the dialect. Every byte
// but NUL survives: POSIX quotes cannot hold ', which becomes '\” ; fish
// quotes take \' and \\ and nothing else.
func (d Dialect) Quote(s []byte) []byte {
	return shellquote.Append(make([]byte, 0, len(s)+2), s, d.fish)
}

// Assign is the line that exports NAME=value in the caller's shell.
func (d Dialect) Assign(name string, value []byte) []byte {
	q := d.Quote(value)
	defer clear(q)
	var b bytes.Buffer
	if d.fish {
		b.WriteString("set -gx " + name + " ")
	} else {
		b.WriteString("export " + name + "=")
	}
	b.Write(q)
	b.WriteByte('\n')
	return b.Bytes()
}

// SourceLine is the one line printed to an agent: it sources path.
func (d Dialect) SourceLine(path string) string {
	return d.source + " " + string(d.Quote([]byte(path)))
}

// Var is one variable of a handoff script.
type Var struct {
	Name  string
	Value []byte
}

// WriteScript writes a script that deletes itself by its literal path,
// then exports vars, into dir (created 0700 and checked private): a new
// file with a random name, O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600. It
// returns the script's path.
func WriteScript(dir string, d Dialect, vars []Var) (string, error) {
	if err := paths.EnsurePrivateDir(dir); err != nil {
		return "", fmt.Errorf("handoff: %w", err)
	}
	var rnd [16]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return "", fmt.Errorf("handoff: random name: %w", err)
	}
	path := filepath.Join(dir, "nk-"+hex.EncodeToString(rnd[:])+".sh")
	var b bytes.Buffer
	defer func() { clear(b.Bytes()) }()
	b.WriteString("command rm -f -- ")
	b.Write(d.Quote([]byte(path)))
	b.WriteByte('\n')
	for _, v := range vars {
		line := d.Assign(v.Name, v.Value)
		b.Write(line)
		clear(line)
	}
	f, err := createPrivate(path)
	if err != nil {
		return "", err
	}
	if _, err := f.Write(b.Bytes()); err != nil {
		f.Close()
		os.Remove(path)
		return "", fmt.Errorf("handoff: write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return "", fmt.Errorf("handoff: write %s: %w", path, err)
	}
	return path, nil
}

// createPrivate creates a new file 0600; whatever already exists at
// path, a file or a symlink, makes it fail.
func createPrivate(path string) (*os.File, error) {
	fd, err := unix.Open(path, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("handoff: create %s: %w", path, err)
	}
	return os.NewFile(uintptr(fd), path), nil
}

// Sweep deletes handoff scripts in dir last modified more than ttl ago
// and returns how many it removed.
func Sweep(dir string, ttl time.Duration, now time.Time) (int, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("handoff: sweep %s: %w", dir, err)
	}
	n := 0
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), "nk-") {
			continue
		}
		info, err := e.Info()
		if err != nil || now.Sub(info.ModTime()) <= ttl {
			continue
		}
		if os.Remove(filepath.Join(dir, e.Name())) == nil {
			n++
		}
	}
	return n, nil
}
