package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/noxkey/noxkey/guard"
	"github.com/noxkey/noxkey/guard/arm"
	"github.com/noxkey/noxkey/guard/scrub"
	"github.com/urfave/cli/v3"
)

// Exit codes of scrub, a scanner's: nothing found, found, error.
const (
	scrubClean = 0
	scrubFound = 1
	scrubError = 2
)

func (a *app) scrubCommand() *cli.Command {
	return &cli.Command{
		Name:  "scrub",
		Usage: "find and redact secrets in agents' transcripts and shell history (or in PATHs)",
		Description: `Scans the files each agent keeps (configs/agents/*.toml, [scrub]) or the
PATHs given, with the guard (vault secrets in every form it knows, and the
pattern rules), reports file:line:col and the secret's name, never its value,
and, without --dry-run, rewrites each file with the secrets redacted:
atomically, its mode kept, a JSON Lines file valid JSON on every line. A file
modified in the last seconds or locked is being written: it is skipped and
reported. Exit status: 0 nothing found, 1 found (and redacted), 2 error.`,
		ArgsUsage: "[PATH...]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "agent", Value: "all", Usage: "whose files: " + strings.Join(scrub.Agents(), ", ") + " or all (ignored with PATHs)"},
			&cli.BoolFlag{Name: "dry-run", Usage: "report only"},
			&cli.BoolFlag{Name: "json", Usage: "print the report as JSON"},
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			files, err := scrubFiles(cmd.String("agent"), cmd.Args().Slice())
			if err != nil {
				return cli.Exit("noxkey: "+err.Error(), scrubError)
			}
			dry := cmd.Bool("dry-run")
			if !dry {
				// Rewriting files is for the user: an agent could aim it at
				// the files its commands read.
				if err := a.refuseAgents(); err != nil {
					return err
				}
			}
			g, err := guard.Open(a.layout.Config, a.layout.Index(), arm.Lookup)
			if err != nil {
				return cli.Exit("noxkey: "+err.Error(), scrubError)
			}
			defer g.Index.Close()
			var results []scrub.Result
			found, failed := 0, 0
			for _, f := range files {
				r := scrub.File(g, f, scrub.Options{DryRun: dry})
				results = append(results, r)
				found += len(r.Findings)
				if r.Err != nil {
					failed++
				}
				if !cmd.Bool("json") {
					printScrub(r)
				}
			}
			if cmd.Bool("json") {
				if err := printScrubJSON(results, found); err != nil {
					return err
				}
			} else {
				summarizeScrub(results, found, len(files), dry)
			}
			switch {
			case failed > 0:
				return cli.Exit("", scrubError)
			case found > 0:
				return cli.Exit("", scrubFound)
			}
			return nil
		},
	}
}

// scrubFiles is what scrub reads: the PATHs given (directories walked), or
// the files agent keeps (every agent's for "all").
func scrubFiles(agent string, paths []string) ([]string, error) {
	if len(paths) > 0 {
		return scrub.Walk(paths), nil
	}
	locs, err := scrub.Locations()
	if err != nil {
		return nil, err
	}
	agents := []string{agent}
	if agent == "all" {
		agents = scrub.Agents()
	} else if _, ok := locs[agent]; !ok {
		return nil, fmt.Errorf("scrub: no agent %q; known: %s, all", agent, strings.Join(scrub.Agents(), ", "))
	}
	home, _ := os.UserHomeDir()
	var out []string
	for _, ag := range agents {
		for _, p := range locs[ag] {
			out = append(out, scrub.Expand(p, home)...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

func printScrub(r scrub.Result) {
	for _, f := range r.Findings {
		fmt.Printf("%s:%d:%d: %s (%s)\n", r.Path, f.Line, f.Col, f.Name, f.Kind)
	}
	switch {
	case r.Err != nil:
		fmt.Fprintf(os.Stderr, "noxkey: scrub: %s: %v\n", r.Path, r.Err)
	case r.Skipped != "" && len(r.Findings) > 0:
		fmt.Fprintf(os.Stderr, "noxkey: scrub: %s: not redacted: %s\n", r.Path, r.Skipped)
	case r.Skipped != "":
		fmt.Fprintf(os.Stderr, "noxkey: scrub: %s: skipped: %s\n", r.Path, r.Skipped)
	}
}

func summarizeScrub(results []scrub.Result, found, files int, dry bool) {
	redacted, withFindings := 0, 0
	for _, r := range results {
		if r.Redacted {
			redacted++
		}
		if len(r.Findings) > 0 {
			withFindings++
		}
	}
	switch {
	case found == 0:
		fmt.Fprintf(os.Stderr, "no secrets found in %d files\n", files)
	case dry:
		fmt.Fprintf(os.Stderr, "%d found in %d of %d files; run without --dry-run to redact them\n", found, withFindings, files)
	default:
		fmt.Fprintf(os.Stderr, "%d found in %d of %d files; %d files redacted\n", found, withFindings, files, redacted)
	}
}

func printScrubJSON(results []scrub.Result, found int) error {
	type file struct {
		scrub.Result
		Error string `json:"error,omitempty"`
	}
	out := struct {
		Findings int    `json:"findings"`
		Files    []file `json:"files"`
	}{Findings: found, Files: []file{}}
	for _, r := range results {
		f := file{Result: r}
		if f.Findings == nil {
			f.Findings = []scrub.Finding{}
		}
		if r.Err != nil {
			f.Error = r.Err.Error()
		}
		out.Files = append(out.Files, f)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
