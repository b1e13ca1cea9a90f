package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/noxkey/noxkey/guard"
	"github.com/noxkey/noxkey/guard/arm"
	"github.com/rogpeppe/go-internal/testscript"
)

// TestScripts runs the CLI golden tests in testdata/script, in the style
// of age's: each script is a session at a terminal-less shell, with the
// built noxkey and noxkey-hook on PATH, a fresh NOXKEY_HOME and HOME, a
// passphrase file, and every built-in agent signature blanked (so the
// daemon sees a human wherever the suite runs). `exits N CMD ARGS...`
// runs a command and checks its exit status.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			home := filepath.Join(env.WorkDir, "home")
			nk := filepath.Join(env.WorkDir, "nk")
			pass := filepath.Join(env.WorkDir, "pass")
			if err := os.WriteFile(pass, []byte(passphrase+"\n"), 0o600); err != nil {
				return err
			}
			os.MkdirAll(home, 0o700)
			if err := writeHumanOnly(nk); err != nil {
				return err
			}
			env.Setenv("PATH", binDir+":/usr/local/bin:/usr/bin:/bin")
			env.Setenv("HOME", home)
			env.Setenv("NOXKEY_HOME", nk)
			env.Setenv("NOXKEY_PASSPHRASE_FILE", pass)
			env.Setenv("NOXKEY_SCRYPT_WORK_FACTOR", "10")
			env.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
			env.Setenv("XDG_DATA_HOME", filepath.Join(home, ".local/share"))
			env.Setenv("BIN", binDir)
			env.Defer(func() {
				// init and unlock arm the guard: take the key away again.
				if id, err := guard.IndexVaultID(filepath.Join(nk, "guard.idx")); err == nil {
					arm.Disarm(id)
				}
				if _, err := os.Stat(filepath.Join(nk, "run", "noxkey.sock")); err == nil {
					c := exec.Command(filepath.Join(binDir, "noxkey"), "--home", nk, "daemon", "stop")
					c.Run()
				}
			})
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) < 2 {
					ts.Fatalf("usage: exits CODE COMMAND [ARGS...]")
				}
				want, err := strconv.Atoi(args[0])
				if err != nil {
					ts.Fatalf("exits: %q is not a status", args[0])
				}
				got := 0
				if err := ts.Exec(args[1], args[2:]...); err != nil {
					var ee *exec.ExitError
					if !errors.As(err, &ee) {
						ts.Fatalf("exits: %v", err)
					}
					got = ee.ExitCode()
				}
				if got != want {
					ts.Fatalf("%s exited %d, want %d", args[1], got, want)
				}
			},
		},
	})
}
