package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestWriteReplacesOrLeavesAsItWas: a write replaces the file with a
// private one and leaves no temp file; a failed write (a step before the
// rename fails) leaves the old content and no temp file either.
func TestWriteReplacesOrLeavesAsItWas(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, sync := range []bool{false, true} {
		if err := Write(path, []byte("new"), Options{Sync: sync}); err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(path)
		fi, _ := os.Stat(path)
		if string(got) != "new" || fi.Mode().Perm() != 0o600 {
			t.Fatalf("sync %v: %q, mode %v", sync, got, fi.Mode().Perm())
		}
	}
	failed := errors.New("backup failed")
	if err := Write(path, []byte("newer"), Options{BeforeRename: func() error { return failed }}); !errors.Is(err, failed) {
		t.Fatalf("a failing step: %v", err)
	}
	if got, _ := os.ReadFile(path); string(got) != "new" {
		t.Fatalf("after a failed write: %q", got)
	}
	if err := Write(filepath.Join(dir, "missing", "f"), nil, Options{}); err == nil {
		t.Fatal("a write into a missing directory succeeded")
	}
	if left, _ := filepath.Glob(filepath.Join(dir, TempPattern(path))); len(left) != 0 {
		t.Fatalf("temp files left: %v", left)
	}
}
