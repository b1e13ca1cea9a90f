package heapwarm

import (
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestFirstAllocationsDoNotFault builds a program that allocates about
// 150 KB of small objects and a 24 KiB buffer in main, with and without
// this package, and has it count the minor page faults that took (after
// heapwarm's init, whose populating counts as faults too): with it, at
// most half as many.
func TestFirstAllocationsDoNotFault(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two programs")
	}
	// A kernel before 5.14 refuses MADV_POPULATE_WRITE: nothing to test.
	b, err := syscall.Mmap(-1, 0, 4096, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Madvise(b, madvPopulateWrite); err != nil {
		t.Skipf("MADV_POPULATE_WRITE: %v", err)
	}
	syscall.Munmap(b)
	dir := t.TempDir()
	faults := func(name string) int64 {
		bin := filepath.Join(dir, name)
		if out, err := exec.Command("go", "build", "-o", bin, "./testdata/"+name).CombinedOutput(); err != nil {
			t.Fatalf("build %s: %v\n%s", name, err, out)
		}
		var n []int64
		for range 7 {
			out, err := exec.Command(bin).Output()
			if err != nil {
				t.Fatal(err)
			}
			v, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
			if err != nil {
				t.Fatalf("%s printed %q", name, out)
			}
			n = append(n, v)
		}
		slices.Sort(n)
		return n[len(n)/2]
	}
	without, with := faults("without"), faults("with")
	t.Logf("minor page faults: %d without, %d with heapwarm", without, with)
	if without < 20 || with*2 > without {
		t.Fatalf("with heapwarm %d page faults, without %d: want at most half (and the test to take 20 or more without)", with, without)
	}
}
