//go:build linux && (amd64 || arm64 || riscv64 || loong64)

package warmstart

import (
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestCodeIsMappedAsMainStarts builds a program with and without this
// package and has it report how much of its code and read-only data is
// mapped as main starts (and, logged only, the minor page faults its first
// allocations took). With warmstart: all the code (without: not) and
// read-only data, and warmstart's init before the standard library's.
func TestCodeIsMappedAsMainStarts(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two programs")
	}
	// A kernel before 5.14 refuses MADV_POPULATE_READ: nothing to test.
	b, err := syscall.Mmap(-1, 0, 4096, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Madvise(b, madvPopulateRead); err != nil {
		t.Skipf("MADV_POPULATE_READ: %v", err)
	}
	syscall.Munmap(b)
	dir := t.TempDir()
	run := func(name string) (faults int64, rss, size, roRSS, roSize int) {
		bin := filepath.Join(dir, name)
		if out, err := exec.Command("go", "build", "-tags", name, "-o", bin, "./testdata/prog").CombinedOutput(); err != nil {
			t.Fatalf("build %s: %v\n%s", name, err, out)
		}
		var n []int64
		for range 9 {
			out, err := exec.Command(bin).Output()
			if err != nil {
				t.Fatal(err)
			}
			f := strings.Fields(string(out))
			if len(f) != 5 {
				t.Fatalf("%s printed %q", name, out)
			}
			v, _ := strconv.ParseInt(f[0], 10, 64)
			n = append(n, v)
			rss, _ = strconv.Atoi(f[1])
			size, _ = strconv.Atoi(f[2])
			roRSS, _ = strconv.Atoi(f[3])
			roSize, _ = strconv.Atoi(f[4])
		}
		return slices.Min(n), rss, size, roRSS, roSize
	}
	without, rss0, size0, ro0, roSize0 := run("cold")
	with, rss1, size1, ro1, roSize1 := run("warm")
	t.Logf("minor page faults: %d without, %d with warmstart; code pages mapped as main starts: %d of %d without, %d of %d with; read-only data pages: %d of %d without, %d of %d with", without, with, rss0, size0, rss1, size1, ro0, roSize0, ro1, roSize1)
	if size1 <= 0 || rss1 < size1 {
		t.Errorf("with warmstart %d of %d code pages mapped as main starts, want all", rss1, size1)
	}
	if roSize1 <= 0 || ro1 < roSize1 {
		t.Errorf("with warmstart %d of %d read-only data pages mapped as main starts, want all", ro1, roSize1)
	}
	if order := initOrder(t, filepath.Join(dir, "warm")); !initsBefore(order, "github.com/noxkey/noxkey/internal/warmstart", "errors", "internal/godebug", "syscall", "os") {
		t.Errorf("warmstart's init must run before the standard library's (it must import nothing); inits ran in this order: %v", order)
	}
	if size0 <= 0 || rss0 >= size0*9/10 {
		t.Errorf("without warmstart %d of %d code pages mapped as main starts: the test cannot tell", rss0, size0)
	}
}

// initOrder runs bin with GODEBUG=inittrace=1 and returns the packages
// whose init it traced, in order.
func initOrder(t *testing.T, bin string) []string {
	cmd := exec.Command(bin)
	cmd.Env = append(cmd.Environ(), "GODEBUG=inittrace=1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v", bin, err)
	}
	var order []string
	for _, line := range strings.Split(stderr.String(), "\n") {
		if f := strings.Fields(line); len(f) > 2 && f[0] == "init" {
			order = append(order, f[1])
		}
	}
	return order
}

// initsBefore reports whether pkg is in order, before each of later that
// is in it, and at least one of later is.
func initsBefore(order []string, pkg string, later ...string) bool {
	i := slices.Index(order, pkg)
	seen := false
	for _, l := range later {
		if j := slices.Index(order, l); j >= 0 {
			seen = true
			if i < 0 || j < i {
				return false
			}
		}
	}
	return i >= 0 && seen
}
