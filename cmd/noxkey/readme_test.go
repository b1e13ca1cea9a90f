package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noxkey/noxkey/guard/arm/armtest"
)

// readmeCommands returns the first two shell blocks of the README: the
// install-and-run command and the test command.
func readmeCommands(t *testing.T) (install, test string) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var blocks []string
	for _, part := range strings.Split(string(b), "```sh\n")[1:] {
		blocks = append(blocks, strings.TrimSpace(strings.SplitN(part, "```", 2)[0]))
	}
	if len(blocks) < 2 {
		t.Fatal("the README does not start with two sh blocks")
	}
	return blocks[0], blocks[1]
}

// TestReadmeFirstCommands runs the README's install command as written, on
// a fresh HOME and GOPATH (the passphrase from a file instead of the
// terminal), and checks that its test command is what CI runs: .ci/run,
// ending in the README's go test ./....
func TestReadmeFirstCommands(t *testing.T) {
	install, test := readmeCommands(t)
	root := t.TempDir()
	home := filepath.Join(root, "home")
	os.Mkdir(home, 0o700)
	pass := filepath.Join(root, "pass")
	os.WriteFile(pass, []byte("readme passphrase\n"), 0o600)
	gocache, _ := exec.Command("go", "env", "GOCACHE").Output()
	gomod, _ := exec.Command("go", "env", "GOMODCACHE").Output()
	goroot, _ := exec.Command("go", "env", "GOROOT").Output()
	cmd := exec.Command("bash", "-c", install)
	cmd.Dir = "../.."
	cmd.Env = []string{
		"HOME=" + home, "GOPATH=" + filepath.Join(root, "go"),
		"GOCACHE=" + strings.TrimSpace(string(gocache)), "GOMODCACHE=" + strings.TrimSpace(string(gomod)),
		"GOFLAGS=-mod=mod", "GOPROXY=off",
		"PATH=" + filepath.Join(strings.TrimSpace(string(goroot)), "bin") + ":/usr/bin:/bin",
		"NOXKEY_PASSPHRASE_FILE=" + pass, "NOXKEY_SCRYPT_WORK_FACTOR=10",
	}
	armtest.DisarmAtEnd(t, filepath.Join(home, ".local", "share", "noxkey", "guard.idx"))
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.HasSuffix(string(out), "hello from noxkey-hook\n") {
		t.Fatalf("%s: %v\n%s", install, err, out)
	}
	if !strings.HasPrefix(test, "bash .ci/run ") {
		t.Fatalf("the README's test command is %q, not bash .ci/run", test)
	}
	ci, err := os.ReadFile("../../.ci/run")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(ci), "\ngo test ./...\n") || !strings.Contains(test, "go test ./...") {
		t.Fatal(".ci/run does not run the README's go test ./...")
	}
}
