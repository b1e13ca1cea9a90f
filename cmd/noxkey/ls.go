package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"strconv"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/urfave/cli/v3"
)

func (a *app) lsCommand() *cli.Command {
	return &cli.Command{
		Name:      "ls",
		Usage:     "list secret names, descriptions and update times (never values)",
		ArgsUsage: "[PREFIX]",
		Action: func(ctx context.Context, cmd *cli.Command) error {
			prefix, err := argPrefix(cmd, false)
			if err != nil {
				return err
			}
			ms, err := a.store().List(prefix)
			if err != nil {
				return err
			}
			if len(ms) == 0 {
				fmt.Fprintf(os.Stderr, "no secrets under %q\n", prefix)
				return nil
			}
			w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(w, "PATH\tUPDATED\tDESCRIPTION")
			for _, m := range ms {
				fmt.Fprintf(w, "%s\t%s\t%s\n", m.Path, m.Updated.Local().Format(time.DateTime), m.Description)
			}
			return w.Flush()
		},
	}
}

func (a *app) peekCommand() *cli.Command {
	return &cli.Command{
		Name:      "peek",
		Usage:     "show the first characters, length and a checksum of PATH",
		ArgsUsage: "PATH",
		Action: func(ctx context.Context, cmd *cli.Command) error {
			p, err := argPath(cmd)
			if err != nil {
				return err
			}
			sec, err := a.store().Get(p)
			if err != nil {
				return err
			}
			defer sec.Wipe()
			fmt.Println(peek(sec.Value))
			return nil
		},
	}
}

// peek renders `sk_live_… (107 chars, sha256:1a2b3c4d)`: the first 8
// characters, but never more than half of the value, so a short
// secret is not shown whole.
func peek(v []byte) string {
	n := utf8.RuneCount(v)
	unit := "chars"
	if !utf8.Valid(v) {
		n, unit = len(v), "bytes"
	}
	show := min(8, n/2)
	var head []byte
	for i, k := 0, 0; k < show && i < len(v); k++ {
		_, size := utf8.DecodeRune(v[i:])
		if unit == "bytes" {
			size = 1
		}
		head = append(head, v[i:i+size]...)
		i += size
	}
	sum := sha256.Sum256(v)
	h := string(head)
	if q := strconv.Quote(h); q[1:len(q)-1] != h {
		h = q // control characters or invalid UTF-8: show them escaped
	}
	return fmt.Sprintf("%s… (%d %s, sha256:%s)", h, n, unit, hex.EncodeToString(sum[:4]))
}
