package main

import (
	"context"
	"os"

	"github.com/urfave/cli/v3"
)

func (a *app) getCommand() *cli.Command {
	return &cli.Command{
		Name:      "get",
		Usage:     "print the value of PATH",
		ArgsUsage: "PATH",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "raw", Usage: "print the value without a trailing newline"},
		},
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
			a.log.Info().Str("op", "get").Str("path", p).Msg("read")
			out := append(sec.Value, '\n')
			if cmd.Bool("raw") {
				out = out[:len(out)-1]
			}
			_, err = os.Stdout.Write(out)
			wipe(out)
			return err
		},
	}
}
