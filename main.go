// Command vigil is a terminal cockpit for crypto traders who use exchange
// API keys. See README.md.
package main

import (
	"os"

	"github.com/vigil-trade/vigil/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:])) }
