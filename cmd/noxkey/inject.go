package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"

	"github.com/noxkey/noxkey/handoff/daemon"
	"github.com/noxkey/noxkey/internal/atomicfile"
	"github.com/noxkey/noxkey/vault"
	"github.com/urfave/cli/v3"
)

// reference is a secret reference in a template: {{ noxkey://PATH }}, the
// shape of op inject's {{ op://vault/item/field }}.
var reference = regexp.MustCompile(`\{\{\s*noxkey://([^\s{}]*)\s*\}\}`)

// maxTemplate bounds a template read into memory.
const maxTemplate = 16 << 20

func (a *app) injectCommand() *cli.Command {
	return &cli.Command{
		Name:  "inject",
		Usage: "copy a template, with each {{ noxkey://PATH }} replaced by the secret at PATH",
		Description: `As op inject does: the template comes from --in-file or stdin, the
result goes to --out-file (mode 0600, replaced atomically) or stdout.
Every reference must name a stored secret, or nothing is written. Not
available to AI agents (the result holds the values); they use
noxkey run.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "in-file", Aliases: []string{"i"}, Usage: "read the template from `FILE` instead of stdin"},
			&cli.StringFlag{Name: "out-file", Aliases: []string{"o"}, Usage: "write to `FILE` (mode 0600, replaced atomically) instead of stdout"},
		},
		Action: func(ctx context.Context, cmd *cli.Command) (err error) {
			if cmd.Args().Len() > 0 {
				return usageError("inject takes no arguments: noxkey inject -i config.tmpl -o config.yml")
			}
			tmpl, err := readTemplate(cmd.String("in-file"))
			if err != nil {
				return err
			}
			paths, err := templatePaths(tmpl)
			if err != nil {
				return err
			}
			var secs []*vault.Secret
			if len(paths) > 0 {
				secs, err = a.bulk(daemon.ModeInject, "", paths)
			} else {
				err = a.refuseAgents() // the same answer whatever the template holds
			}
			if err != nil {
				return err
			}
			defer a.reportUnused(daemon.ModeInject, pathsOf(secs), &err)
			values := map[string][]byte{}
			for _, s := range secs {
				values[s.Path] = s.Value
			}
			out := reference.ReplaceAllFunc(tmpl, func(ref []byte) []byte {
				return values[string(reference.FindSubmatch(ref)[1])]
			})
			for _, s := range secs {
				s.Wipe()
			}
			defer clear(out)
			a.log.Info().Str("op", "inject").Int("count", len(secs)).Msg("read")
			if f := cmd.String("out-file"); f != "" {
				if err := atomicfile.Write(f, out, atomicfile.Options{Sync: true}); err != nil {
					return fmt.Errorf("inject: %w", err)
				}
				fmt.Fprintf(os.Stderr, "wrote %s with %d secrets (mode 0600)\n", f, len(secs))
				return nil
			}
			_, err = os.Stdout.Write(out)
			return err
		},
	}
}

// readTemplate reads the template file, or stdin when file is "".
func readTemplate(file string) ([]byte, error) {
	r := io.Reader(os.Stdin)
	if file != "" {
		f, err := os.Open(file)
		if err != nil {
			return nil, usageError("inject: %v", err)
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxTemplate+1))
	if err != nil {
		return nil, fmt.Errorf("inject: read the template: %w", err)
	}
	if len(b) > maxTemplate {
		return nil, usageError("inject: the template is larger than %d MiB", maxTemplate>>20)
	}
	return b, nil
}

// templatePaths lists the secret paths the template refers to, once each,
// and refuses a reference that is not a secret path (with its line).
func templatePaths(tmpl []byte) ([]string, error) {
	var paths []string
	for _, m := range reference.FindAllSubmatchIndex(tmpl, -1) {
		p := string(tmpl[m[2]:m[3]])
		if err := vault.ValidatePath(p); err != nil {
			line := 1 + bytes.Count(tmpl[:m[0]], []byte("\n"))
			return nil, usageError("inject: line %d: {{ noxkey://%s }}: %v", line, p, err)
		}
		if !slices.Contains(paths, p) {
			paths = append(paths, p)
		}
	}
	return paths, nil
}
