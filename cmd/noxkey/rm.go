package main

import (
	"context"

	"github.com/urfave/cli/v3"
)

func (a *app) rmCommand() *cli.Command {
	return &cli.Command{
		Name:      "rm",
		Usage:     "remove the secret at PATH",
		ArgsUsage: "PATH",
		Action: func(ctx context.Context, cmd *cli.Command) error {
			p, err := argPath(cmd)
			if err != nil {
				return err
			}
			s := a.writer()
			if err := s.Delete(p); err != nil {
				return err
			}
			return a.afterWrite(s, "rm", p)
		},
	}
}
