package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	ptylib "github.com/creack/pty"
	"github.com/noxkey/noxkey/guard"
	"github.com/noxkey/noxkey/guard/arm"
	"github.com/noxkey/noxkey/vault"
	"github.com/urfave/cli/v3"
	"golang.org/x/term"
)

func (a *app) runCommand() *cli.Command {
	return &cli.Command{
		Name:      "run",
		Usage:     "run CMD with secrets in its environment and its output passed through the guard",
		ArgsUsage: "-- CMD [ARG...]",
		Description: `Each secret becomes an environment variable named by its NAME. CMD's
stdout and stderr pass through the guard, so a value it prints is
redacted; its exit status and signals pass through, and so does your
terminal when there is one. Agents may use it.`,
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "env", Usage: "put the secret at `PATH` into the environment as its NAME, or as VAR with VAR=PATH (repeatable)"},
			&cli.StringFlag{Name: "prefix", Usage: "put every secret under `PREFIX` into the environment"},
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			args := cmd.Args().Slice()
			if len(args) == 0 {
				return usageError("run needs a command: noxkey run --env acme/api/KEY -- ./deploy.sh")
			}
			prefix := cmd.String("prefix")
			// --env VAR=PATH names the variable (as op run's env files map
			// names to references); --env PATH uses the path's NAME.
			var paths []string
			rename := map[string]string{} // path -> variable
			for _, e := range cmd.StringSlice("env") {
				p := e
				if v, rest, ok := strings.Cut(e, "="); ok {
					if !validVar(v) {
						return usageError("--env %s: %q is not an environment variable name (letters, digits and _, not starting with a digit)", e, v)
					}
					p, rename[rest] = rest, v
				}
				if err := vault.ValidatePath(p); err != nil {
					return usageError("--env: %v", err)
				}
				paths = append(paths, p)
			}
			if prefix == "" && len(paths) == 0 {
				return usageError("name the secrets: --env PATH (repeatable) or --prefix org/proj")
			}
			if prefix != "" {
				if err := vault.ValidatePrefix(prefix); err != nil {
					return usageError("--prefix: %v", err)
				}
			}
			// A command that cannot start is said before any value is
			// asked for (exit 127 or 126, as a shell does).
			if _, err := exec.LookPath(args[0]); err != nil {
				return startError(err)
			}
			g, err := guard.Open(a.layout.Config, a.layout.Index(), arm.Lookup)
			if err != nil {
				return fmt.Errorf("run: the guard cannot filter the output: %w; run: noxkey guard rebuild", err)
			}
			secs, err := a.bulk("run", prefix, paths)
			if err != nil {
				return err
			}
			got := pathsOf(secs)
			env := os.Environ()
			seen := map[string]string{}
			for _, s := range secs {
				n := vault.Name(s.Path)
				if v, ok := rename[s.Path]; ok {
					n = v
				}
				if other, dup := seen[n]; dup && other != s.Path {
					for _, s := range secs {
						s.Wipe()
					}
					err := usageError("%s and %s both become %s; name one of them with --env VAR=PATH", other, s.Path, n)
					a.reportUnused("run", got, &err)
					return err
				}
				seen[n] = s.Path
				env = append(env, n+"="+string(s.Value))
				s.Wipe()
			}
			a.log.Info().Str("op", "run").Int("count", len(secs)).Msg("read")
			code, err := runFiltered(g, args, env)
			if err != nil {
				a.reportUnused("run", got, &err)
				return err
			}
			return cli.Exit("", code)
		},
	}
}

// forwarded are the signals passed on to the child.
var forwarded = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGUSR1, syscall.SIGUSR2}

// runFiltered starts args with env and copies its output through g. With
// a terminal on stdin and stdout the child gets a pseudo-terminal of its
// own (stdout and stderr then share it, as on any terminal); otherwise
// stdout and stderr are filtered separately. It returns the exit code; a
// child killed by a signal makes noxkey die of the same signal.
func runFiltered(g *guard.Guard, args, env []string) (int, error) {
	c := exec.Command(args[0], args[1:]...)
	c.Env = env
	sigs := make(chan os.Signal, 8)
	var wg sync.WaitGroup
	tty := term.IsTerminal(int(os.Stdin.Fd())) && term.IsTerminal(int(os.Stdout.Fd()))
	if tty {
		ptmx, err := ptylib.StartWithSize(c, mustSize())
		if err != nil {
			return 0, startError(err)
		}
		defer ptmx.Close()
		if st, err := term.MakeRaw(int(os.Stdin.Fd())); err == nil {
			defer term.Restore(int(os.Stdin.Fd()), st)
		}
		go io.Copy(ptmx, os.Stdin)
		wg.Add(1)
		go func() {
			defer wg.Done()
			g.Stream(os.Stdout, ptmx, guard.DefaultIdle) // EIO when the child side closes
		}()
		signal.Notify(sigs, append(forwarded, syscall.SIGWINCH)...)
		go func() {
			for s := range sigs {
				if s == syscall.SIGWINCH {
					ptylib.InheritSize(os.Stdin, ptmx)
				} else if c.Process != nil {
					c.Process.Signal(s)
				}
			}
		}()
	} else {
		c.Stdin = os.Stdin
		outR, err := c.StdoutPipe()
		if err != nil {
			return 0, err
		}
		errR, err := c.StderrPipe()
		if err != nil {
			return 0, err
		}
		if err := c.Start(); err != nil {
			return 0, startError(err)
		}
		for _, p := range []struct {
			dst io.Writer
			src io.Reader
		}{{os.Stdout, outR}, {os.Stderr, errR}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				g.Stream(p.dst, p.src, guard.DefaultIdle)
			}()
		}
		signal.Notify(sigs, forwarded...)
		go func() {
			for s := range sigs {
				c.Process.Signal(s)
			}
		}()
	}
	wg.Wait()
	err := c.Wait()
	signal.Stop(sigs)
	close(sigs)
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		return 0, fmt.Errorf("run: %w", err)
	}
	ws, _ := c.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		sig := ws.Signal()
		signal.Reset(sig)
		syscall.Kill(os.Getpid(), sig)
		time.Sleep(time.Second) // the signal is delivered asynchronously
		return 128 + int(sig), nil
	}
	return c.ProcessState.ExitCode(), nil
}

func mustSize() *ptylib.Winsize {
	ws, err := ptylib.GetsizeFull(os.Stdin)
	if err != nil {
		return &ptylib.Winsize{Rows: 24, Cols: 80}
	}
	return ws
}

// startError is a command that could not start, with the shell's exit
// status for it: 127 not found, 126 found but not runnable.
// startError says why a command did not start, with a shell's status:
// 127 not found, 126 found but not runnable.
func startError(err error) error {
	name := ""
	var ee *exec.Error
	if errors.As(err, &ee) {
		name = ee.Name
	}
	var pe *fs.PathError
	if name == "" && errors.As(err, &pe) {
		name = pe.Path
	}
	switch {
	case errors.Is(err, exec.ErrNotFound):
		return cli.Exit(fmt.Sprintf("run: %s: command not found on PATH", name), 127)
	case errors.Is(err, fs.ErrNotExist):
		return cli.Exit(fmt.Sprintf("run: %s: no such file", name), 127)
	case errors.Is(err, fs.ErrPermission), errors.Is(err, syscall.ENOEXEC), errors.Is(err, syscall.EISDIR):
		return cli.Exit(fmt.Sprintf("run: %s: not an executable file (%v)", name, errors.Unwrap(err)), 126)
	}
	return usageError("run: %v", err)
}

// validVar reports whether v is an environment variable name.
func validVar(v string) bool {
	if v == "" || v[0] >= '0' && v[0] <= '9' {
		return false
	}
	for _, c := range v {
		if !(c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
