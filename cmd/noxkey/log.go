package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/noxkey/noxkey/handoff/daemon"
	"github.com/noxkey/noxkey/vault"
	"github.com/urfave/cli/v3"
)

func (a *app) logCommand() *cli.Command {
	return &cli.Command{
		Name:      "log",
		Usage:     "show the audit log: every access, who asked, never a value",
		ArgsUsage: "[PREFIX]",
		Description: `Only the entries that touch a secret under PREFIX when it is given
(acme/api matches acme/api/KEY, not acme/apiary/KEY).`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "follow", Aliases: []string{"f"}, Usage: "keep printing new entries"},
			&cli.BoolFlag{Name: "json", Usage: "print the raw JSON lines"},
			&cli.StringFlag{Name: "agent", Usage: "only the entries of this agent (claude, codex, ...), or human"},
			&cli.DurationFlag{Name: "since", Usage: "only the entries of the last `DURATION` (e.g. 24h)"},
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if cmd.Args().Len() > 1 {
				return usageError("log takes at most one PREFIX")
			}
			keep := logFilter{prefix: cmd.Args().First(), agent: cmd.String("agent")}
			if d := cmd.Duration("since"); d > 0 {
				keep.since = time.Now().Add(-d)
			}
			printEntry := func(line string, raw bool) {
				if keep.match(line) {
					printEntry(line, raw)
				}
			}
			f, err := os.Open(a.layout.Audit())
			if errors.Is(err, os.ErrNotExist) && !cmd.Bool("follow") {
				fmt.Fprintln(os.Stderr, "noxkey: no accesses logged yet")
				return nil
			}
			for errors.Is(err, os.ErrNotExist) {
				time.Sleep(200 * time.Millisecond)
				f, err = os.Open(a.layout.Audit())
			}
			if err != nil {
				return fmt.Errorf("log: %w", err)
			}
			defer f.Close()
			r := bufio.NewReader(f)
			pending := "" // a line the writer has not finished yet
			for {
				line, err := r.ReadString('\n')
				if pending += line; strings.HasSuffix(pending, "\n") {
					printEntry(pending, cmd.Bool("json"))
					pending = ""
				}
				if err != io.EOF {
					if err != nil {
						return err
					}
					continue
				}
				if !cmd.Bool("follow") {
					if pending != "" {
						printEntry(pending, cmd.Bool("json"))
					}
					return nil
				}
				select {
				case <-ctx.Done():
					return nil
				case <-time.After(200 * time.Millisecond):
				}
			}
		},
	}
}

func printEntry(line string, raw bool) {
	if raw {
		fmt.Print(line)
		return
	}
	var e daemon.Entry
	if err := json.Unmarshal([]byte(line), &e); err != nil {
		fmt.Printf("(unreadable line: %v)\n", err)
		return
	}
	who := e.Caller
	if e.Agent != "" {
		who += ":" + e.Agent
	}
	what := e.Path
	if what == "" {
		what = strings.Join(e.Paths, ",")
	}
	op := e.Op
	if e.Mode != "" {
		op += "/" + e.Mode
	}
	if e.Note != "" {
		what += "  (" + e.Note + ")"
	}
	fmt.Printf("%s  %-12s %-8s %-14s pid %-7d %s  %s\n", e.Time.Local().Format(time.DateTime), op, e.Result, who, e.Pid, e.Exe, what)
}

// logFilter selects audit entries by path prefix, caller and time.
type logFilter struct {
	prefix, agent string
	since         time.Time
}

func (f logFilter) match(line string) bool {
	if f.prefix == "" && f.agent == "" && f.since.IsZero() {
		return true
	}
	var e daemon.Entry
	if json.Unmarshal([]byte(line), &e) != nil {
		return true // shown as unreadable
	}
	if !f.since.IsZero() && e.Time.Before(f.since) {
		return false
	}
	switch {
	case f.agent == "":
	case f.agent == "human":
		if e.Caller != "human" {
			return false
		}
	case e.Agent != f.agent:
		return false
	}
	if f.prefix == "" {
		return true
	}
	for _, p := range append([]string{e.Path}, e.Paths...) {
		if p != "" && vault.HasPrefix(p, strings.TrimSuffix(f.prefix, "/")) {
			return true
		}
	}
	return false
}
