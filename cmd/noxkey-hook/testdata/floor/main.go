// Command floor copies stdin to stdout: the trivial Go program that
// noxkey-hook's whole-process cost is compared with.
package main

import (
	"io"
	"os"
)

func main() {
	io.Copy(os.Stdout, os.Stdin)
}
