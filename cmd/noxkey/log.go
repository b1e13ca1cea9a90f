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
	"github.com/urfave/cli/v3"
)

func (a *app) logCommand() *cli.Command {
	return &cli.Command{
		Name:  "log",
		Usage: "show the audit log: every access, who asked, never a value",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "follow", Aliases: []string{"f"}, Usage: "keep printing new entries"},
			&cli.BoolFlag{Name: "json", Usage: "print the raw JSON lines"},
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
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
	fmt.Printf("%s  %-10s %-8s %-14s pid %-7d %s  %s\n", e.Time.Local().Format(time.DateTime), op, e.Result, who, e.Pid, e.Exe, what)
}
