package hooks

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/noxkey/noxkey/guard"
)

// redactedCopy scans the file a Read is about to open. When it holds a
// secret, it writes a redacted copy (O_CREAT|O_EXCL|O_NOFOLLOW, 0600) in
// dir, the private runtime directory, with a sidecar naming the original,
// and returns the copy's path. "" means the file holds no secret (or is
// not a regular file the hook can read: the tool then reports that itself).
func redactedCopy(path string, g *guard.Guard, dir string) (string, []guard.Match, error) {
	data, err := readFile(path, "")
	if err != nil {
		return "", nil, fmt.Errorf("%s %w", path, err)
	}
	out, ms := g.Redact(data)
	if len(ms) == 0 {
		return "", nil, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", nil, err
	}
	// O_EXCL, 0600; a '*' in the name would take the random part's place.
	c, err := os.CreateTemp(dir, "*-"+strings.ReplaceAll(filepath.Base(path), "*", "_"))
	if err != nil {
		return "", nil, err
	}
	cp := c.Name()
	if err := writeClose(c, out); err != nil {
		os.Remove(cp)
		return "", nil, err
	}
	if err := writeExcl(cp+".src", []byte(path)); err != nil {
		os.Remove(cp)
		return "", nil, err
	}
	return cp, ms, nil
}

func writeExcl(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return err
	}
	return writeClose(f, data)
}

// writeClose writes data to f and closes it: the first error.
func writeClose(f *os.File, data []byte) error {
	_, err := f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// originalOf returns the file a redacted copy stands for, and removes the
// copy and its sidecar: the Read is over.
func originalOf(copyPath, dir string) (string, bool) {
	if dir == "" || filepath.Dir(copyPath) != filepath.Clean(dir) {
		return "", false
	}
	src, err := os.ReadFile(copyPath + ".src")
	if err != nil {
		return "", false
	}
	os.Remove(copyPath)
	os.Remove(copyPath + ".src")
	return string(src), true
}
