// Package atomicfile replaces a file so that at every instant it is
// either the old or the new complete file: the new content goes to a
// private temp file beside it (os.CreateTemp: O_EXCL, mode 0600, a name
// no one can guess, ".NAME.tmp-*"), which is renamed over it. It uses no
// crypto/rand: noxkey-hook links it, and pays every package init.
package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"
)

// Options say how durable a replacement is.
type Options struct {
	Sync         bool         // fsync the file before the rename, and its directory after
	BeforeRename func() error // run once the new file is complete (the vault keeps a backup)
}

// TempPattern is the os.CreateTemp pattern of path's temp files, which a
// caller holding a lock can glob to remove those a killed writer left.
func TempPattern(path string) string {
	return "." + filepath.Base(path) + ".tmp-*"
}

// Write replaces path with data. On failure path is unchanged and the
// temp file is gone; errors name the step and the file.
func Write(path string, data []byte, opt Options) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, TempPattern(path))
	if err != nil {
		return fmt.Errorf("create a temp file beside %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if opt.Sync {
		if err := f.Sync(); err != nil {
			f.Close()
			return fmt.Errorf("fsync %s: %w", tmp, err)
		}
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", tmp, err)
	}
	if opt.BeforeRename != nil {
		if err := opt.BeforeRename(); err != nil {
			return err
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("rename %s to %s: %w", tmp, path, err)
	}
	if opt.Sync {
		return syncDir(dir)
	}
	return nil
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("fsync %s: %w", dir, err)
	}
	return nil
}
