// Package cli is vigil's command line: a table of commands that each file
// adds to from init(), global flags, exit codes and the shared Env.
//
// To add a command, create a file in cli/ with
//
//	func init() {
//		Register(Command{Name: "check", Summary: "...", Usage: "...", Run: runCheck})
//	}
//
// Names may have two words ("keys add"). The cockpit registers Name "".
// "demo", "check" and "order" start as placeholders that a real
// registration replaces.
package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/vigil-trade/vigil/crypto"
)

// Exit codes (documented in README.md).
const (
	ExitOK          = 0
	ExitFailure     = 1 // generic failure
	ExitDanger      = 1 // `vigil check` found a danger
	ExitUsage       = 2 // bad flags, arguments or configuration
	ExitLocked      = 3 // wrong vault passphrase
	ExitUnreadable  = 4 // vault (or passphrase file) corrupt, missing or with unsafe permissions
	ExitInterrupted = 130
)

// Command is one subcommand.
type Command struct {
	Name    string // "init", "keys add"; "" is the cockpit (vigil with no command)
	Summary string // one line for the command list
	// Usage is the full help: synopsis, flags, examples. Printed by --help.
	Usage string
	Run   func(ctx context.Context, env *Env, args []string) int

	placeholder bool
}

var (
	mu       sync.Mutex
	commands = map[string]Command{}
)

// Register adds c to the command table. Registering a name twice panics,
// except over a placeholder.
func Register(c Command) {
	mu.Lock()
	defer mu.Unlock()
	if old, ok := commands[c.Name]; ok && !old.placeholder {
		// init order follows file names: check.go registers before
		// cli.go's placeholders, which must then not replace it.
		if c.placeholder {
			return
		}
		panic("cli: command registered twice: " + c.Name)
	}
	if c.Run == nil {
		panic("cli: command without Run: " + c.Name)
	}
	commands[c.Name] = c
}

func lookup(name string) (Command, bool) {
	mu.Lock()
	defer mu.Unlock()
	c, ok := commands[name]
	return c, ok
}

func sortedCommands() []Command {
	mu.Lock()
	defer mu.Unlock()
	var cs []Command
	for _, c := range commands {
		if c.Name != "" {
			cs = append(cs, c)
		}
	}
	slices.SortFunc(cs, func(a, b Command) int { return strings.Compare(a.Name, b.Name) })
	return cs
}

func init() {
	for _, p := range []struct{ name, summary string }{
		{"demo", "the cockpit against simulated venues (no keys needed)"},
		{"check", "check keys, clocks and permissions for danger"},
		{"order", "place, cancel or query a testnet order"},
	} {
		name := p.name
		Register(Command{Name: name, Summary: p.summary, placeholder: true,
			Usage: "usage: vigil " + name + "\n\nNot built into this version yet.\n",
			Run: func(ctx context.Context, env *Env, args []string) int {
				fmt.Fprintf(env.Stderr, "vigil: %s is not built into this version yet\n", name)
				return ExitFailure
			}})
	}
}

// Main runs vigil with the process's real environment.
func Main(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	tty := &lazyTTY{}
	defer tty.Close()
	env := &Env{
		Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
		Getenv: os.Getenv, TTY: tty, Now: time.Now,
		Hardening: crypto.Harden(),
	}
	return Run(ctx, env, args)
}

// Run dispatches args (without the program name) to a command.
func Run(ctx context.Context, env *Env, args []string) int {
	env.defaults()
	gfs := env.Flags("vigil")
	help := gfs.Bool("help", false, "")
	gfs.BoolVar(help, "h", false, "")
	if err := gfs.Parse(args); err != nil {
		return env.Fail(usagef("", "%s", flagError(gfs, err)))
	}
	rest := gfs.Args()
	if *help {
		printHelp(env.Stdout)
		return ExitOK
	}
	if len(rest) == 0 {
		if c, ok := lookup(""); ok {
			return c.Run(ctx, env, nil)
		}
		printHelp(env.Stdout)
		return ExitOK
	}
	c, cmdArgs, ok := match(rest)
	if !ok {
		if group := groupOf(rest[0]); len(group) > 0 {
			if len(rest) == 1 || wantsHelp(rest[1:]) {
				w, code := env.Stderr, ExitUsage
				if len(rest) > 1 {
					w, code = env.Stdout, ExitOK
				}
				printGroup(w, rest[0], group)
				return code
			}
			if strings.HasPrefix(rest[1], "-") {
				return env.Fail(groupFlagError(rest[0], rest[1]))
			}
			return env.Fail(usagef(rest[0], "unknown command %q", rest[0]+" "+rest[1]))
		}
		return env.Fail(usagef("", "unknown command %q", rest[0]))
	}
	if wantsHelp(cmdArgs) {
		fmt.Fprint(env.Stdout, c.Usage)
		return ExitOK
	}
	return c.Run(ctx, env, cmdArgs)
}

// match finds the longest registered name made of args' leading words.
func match(args []string) (Command, []string, bool) {
	if len(args) >= 2 {
		if c, ok := lookup(args[0] + " " + args[1]); ok {
			return c, args[2:], true
		}
	}
	if c, ok := lookup(args[0]); ok {
		return c, args[1:], true
	}
	return Command{}, nil, false
}

func groupOf(word string) []Command {
	var out []Command
	for _, c := range sortedCommands() {
		if strings.HasPrefix(c.Name, word+" ") {
			out = append(out, c)
		}
	}
	return out
}

// wantsHelp is true when -h/--help appears before "--", so every command
// answers --help the same way whatever its own flag parsing does.
func wantsHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "--h", "-help", "--help":
			return true
		}
	}
	return false
}

func printGroup(w io.Writer, group string, cs []Command) {
	fmt.Fprintf(w, "usage: vigil %s <command> [flags]\n\nCommands:\n", group)
	for _, c := range cs {
		fmt.Fprintf(w, "  %-14s %s\n", c.Name, c.Summary)
	}
	fmt.Fprintf(w, "\nRun 'vigil %s <command> --help' for flags and examples.\n", group)
}

func printHelp(w io.Writer) {
	fmt.Fprint(w, `vigil: a terminal cockpit for exchange API keys

usage: vigil [--config PATH] [--passphrase-file PATH] [<command>] [flags]

With no command, vigil opens the cockpit.

Commands:
`)
	for _, c := range sortedCommands() {
		fmt.Fprintf(w, "  %-14s %s\n", c.Name, c.Summary)
	}
	fmt.Fprint(w, `
Global flags (before or after the command):
  --config PATH           config file (default $XDG_CONFIG_HOME/vigil/config.toml)
  --passphrase-file PATH  read the vault passphrase from a 0600 file you own
                          (for automation; never from argv or the environment)

Exit codes: 0 ok, 1 failure or danger found, 2 usage or config error,
3 wrong vault passphrase, 4 vault unreadable, 5 order outcome unknown
(resolved by the next run; never resend by hand), 130 interrupted.

Run 'vigil <command> --help' for flags and examples.
`)
}
