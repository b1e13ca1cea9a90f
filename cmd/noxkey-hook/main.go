// Command noxkey-hook is run by AI coding agents as a hook on every tool
// call; it keeps vault secrets out of what reaches the model. It reads only
// the guard index and guard.toml: no passphrase, no daemon.
package main

import (
	"fmt"
	"os"

	"github.com/noxkey/noxkey/guard"
	"github.com/noxkey/noxkey/internal/paths"
)

const usage = `usage: noxkey-hook COMMAND

commands:
  filter   copy stdin to stdout with every vault secret redacted, as it goes
  version  print the version

exit status: 0 ok; 2 the guard index or guard.toml cannot be used (nothing
of the input is written; the reason is on stderr).
`

const version = "0.1.0-dev"

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return 1
	}
	switch args[0] {
	case "filter":
		return filter()
	case "version", "--version":
		fmt.Println("noxkey-hook", version)
		return 0
	case "-h", "--help", "help":
		fmt.Print(usage)
		return 0
	}
	fmt.Fprintf(os.Stderr, "noxkey-hook: unknown command %q\n%s", args[0], usage)
	return 1
}

// filter is the streaming filter: fail closed when the guard cannot load.
func filter() int {
	l := paths.Resolve("")
	g, err := guard.Open(l.Config, l.Index())
	if err != nil {
		fmt.Fprintf(os.Stderr, "noxkey-hook: %v\n", err)
		return 2
	}
	if err := g.Stream(os.Stdout, os.Stdin, guard.DefaultIdle); err != nil {
		fmt.Fprintf(os.Stderr, "noxkey-hook: filter: %v\n", err)
		return 1
	}
	return 0
}
