package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/noxkey/noxkey/handoff"
	"github.com/noxkey/noxkey/handoff/daemon"
	"github.com/urfave/cli/v3"
)

func (a *app) unlockCommand() *cli.Command {
	return &cli.Command{
		Name:  "unlock",
		Usage: "unlock the vault in the daemon (asks the passphrase on your terminal)",
		Action: func(ctx context.Context, cmd *cli.Command) error {
			c, err := a.connect(true)
			if err != nil {
				return err
			}
			defer c.Close()
			// Already unlocked: nothing to ask (as gpg-agent and ssh-add -l
			// answer); lock first to unlock with another passphrase.
			if st, err := a.call(c, &daemon.Request{Op: daemon.OpStatus}); err == nil && st.Status != nil && st.Status.Unlocked {
				fmt.Fprintf(os.Stderr, "noxkey: already unlocked, %d secrets; locks after %s idle (noxkey lock to lock it now)\n", st.Status.Secrets, time.Duration(st.Status.SecondsLeft)*time.Second)
				return nil
			}
			resp, err := a.unlockDaemon(c)
			if err != nil {
				return err
			}
			fmt.Fprintf(os.Stderr, "noxkey: unlocked, %d secrets; locks after %s idle\n", resp.Status.Secrets, time.Duration(resp.Status.SecondsLeft)*time.Second)
			if resp.Status.Warning != "" {
				fmt.Fprintf(os.Stderr, "noxkey: warning: %s\n", resp.Status.Warning)
			} else if line, ok := armedLine(a.layout.Index()); ok {
				fmt.Fprintf(os.Stderr, "noxkey: guard %s until reboot or: noxkey guard disarm\n", line)
			}
			if tmp, err := handoff.OnTmpfs(a.layout.Runtime); err == nil && !tmp {
				fmt.Fprintf(os.Stderr, "noxkey: warning: %s is on a persistent file system, so handoff scripts touch the disk for a few seconds; set XDG_RUNTIME_DIR to a tmpfs\n", a.layout.Runtime)
			}
			return nil
		},
	}
}

func (a *app) lockCommand() *cli.Command {
	return &cli.Command{
		Name:  "lock",
		Usage: "lock the vault: the daemon forgets every value",
		Action: func(ctx context.Context, cmd *cli.Command) error {
			return a.tellRunning(daemon.OpLock, "no daemon is running; nothing is unlocked")
		},
	}
}

func (a *app) statusCommand() *cli.Command {
	return &cli.Command{
		Name:  "status",
		Usage: "show whether the vault is unlocked, for how long, the socket and the number of secrets",
		Description: `Exits 0 when the vault is unlocked and 2 when it is locked (or no daemon
runs), as gh auth status and ssh-add -l do, so scripts can test it.`,
		Flags: []cli.Flag{&cli.BoolFlag{Name: "json", Usage: "print JSON"}},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			locked := cli.Exit("", exitLocked)
			c, err := a.connect(false)
			if err != nil {
				if cmd.Bool("json") {
					fmt.Println(`{"running":false}`)
					return locked
				}
				fmt.Printf("daemon:  not running (starts on demand)\nsocket:  %s\nvault:   locked\n", a.layout.Socket())
				line, _ := armedLine(a.layout.Index())
				fmt.Printf("guard:   %s\n", line)
				a.printRemotes()
				return locked
			}
			defer c.Close()
			resp, err := a.call(c, &daemon.Request{Op: daemon.OpStatus})
			if err != nil {
				return err
			}
			st := resp.Status
			if cmd.Bool("json") {
				if err := json.NewEncoder(os.Stdout).Encode(st); err != nil {
					return err
				}
				if !st.Unlocked {
					return locked
				}
				return nil
			}
			fmt.Printf("daemon:  running, pid %d\nsocket:  %s\n", st.Pid, st.Socket)
			if tmp, err := handoff.OnTmpfs(a.layout.Runtime); err == nil && !tmp {
				fmt.Printf("warning: %s is on a persistent file system: handoff scripts touch the disk for up to a few seconds; set XDG_RUNTIME_DIR to a tmpfs\n", a.layout.Runtime)
			}
			if st.Unlocked {
				fmt.Printf("vault:   unlocked, %d secrets, locks in %s\n", st.Secrets, time.Duration(st.SecondsLeft)*time.Second)
			} else {
				fmt.Println("vault:   locked (run: noxkey unlock)")
			}
			line, _ := armedLine(a.layout.Index())
			fmt.Printf("guard:   %s\n", line)
			a.printRemotes()
			if !st.Unlocked {
				return locked
			}
			return nil
		},
	}
}

func (a *app) whoamiCommand() *cli.Command {
	return &cli.Command{
		Name:  "whoami",
		Usage: "show whether noxkey sees you as a human or an AI agent",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "explain", Usage: "list every signal behind the verdict"},
			&cli.BoolFlag{Name: "json", Usage: "print the verdict as JSON"},
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			v, err := a.whoami()
			if err != nil {
				return err
			}
			if cmd.Bool("json") {
				return json.NewEncoder(os.Stdout).Encode(v)
			}
			if v.Agent {
				fmt.Printf("agent: %s\n", v.Name)
			} else {
				fmt.Println("human")
			}
			if cmd.Bool("explain") {
				fmt.Printf("caller pid %d (%s), shell %q\n", v.Pid, v.Exe, v.Shell)
				for _, s := range v.Signals {
					fmt.Println("  - " + s)
				}
			}
			return nil
		},
	}
}
