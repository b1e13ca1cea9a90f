// Command noxkey-hook is run by AI coding agents as a hook on every tool
// call; it keeps vault secrets out of what reaches the model. It reads only
// the guard index: no passphrase, no daemon.
package main

import (
	"fmt"
	"os"
)

const usage = `usage: noxkey-hook COMMAND

commands:
  filter   copy stdin to stdout with every vault secret redacted
  version  print the version
`

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return 1
	}
	switch args[0] {
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

const version = "0.1.0-dev"
