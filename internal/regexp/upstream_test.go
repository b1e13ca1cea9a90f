package regexp

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// changed are the files that differ from Go's on purpose (exec_test.go:
// internal/testenv cannot be imported outside GOROOT); files Go does not
// have are ours.
var changed = []string{"syntax/parse.go", "syntax/perl_groups.go", "exec_test.go"}

// TestSameAsUpstream compares every other file with Go's own (the import
// paths and their grouping aside). When the toolchain is newer than
// upstreamVersion and Go changed a file, the message says to copy it in.
func TestSameAsUpstream(t *testing.T) {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Skipf("no go command to find Go's source: %v", err)
	}
	goroot := filepath.Join(strings.TrimSpace(string(out)), "src", "regexp")
	if _, err := os.Stat(goroot); err != nil {
		t.Skipf("no Go source tree at %s", goroot)
	}
	n := 0
	err = filepath.WalkDir(".", func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || slices.Contains(changed, p) {
			return err
		}
		theirs, err := os.ReadFile(filepath.Join(goroot, p))
		if os.IsNotExist(err) {
			return nil // ours alone
		}
		if err != nil {
			return err
		}
		ours, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		n++
		if strings.HasSuffix(p, ".go") {
			ours, theirs = withoutImports(ours), withoutImports(theirs)
		}
		if !bytes.Equal(ours, theirs) {
			t.Errorf("%s differs from Go %s's regexp/%s (this copy is of %s): copy Go's version in, keeping the import paths, or list it in changed with the reason", p, runtime.Version(), p, upstreamVersion)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 20 {
		t.Fatalf("compared %d files with Go's; the walk found too few", n)
	}
}

var importDecl = regexp.MustCompile(`(?ms)^import \($.*?^\)$|^import "[^"]*"$`)

// withoutImports replaces the import declarations with the sorted list of
// imported packages, under their standard-library paths.
func withoutImports(src []byte) []byte {
	var paths []string
	out := importDecl.ReplaceAllFunc(src, func(decl []byte) []byte {
		for _, m := range regexp.MustCompile(`"([^"]+)"`).FindAllSubmatch(decl, -1) {
			paths = append(paths, strings.TrimPrefix(string(m[1]), "github.com/noxkey/noxkey/internal/"))
		}
		return []byte("import ()")
	})
	slices.Sort(paths)
	return append(out, strings.Join(paths, "\n")...)
}
