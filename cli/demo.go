package cli

import (
	"context"
	"fmt"
	"os"
	"strconv"

	"github.com/vigil-trade/vigil/demo"
)

var demoUsage = venueHelp(`usage: vigil demo [--seed N] [--no-faults] [--clock-offset [VENUE=]D]

Opens the cockpit against fake venues running inside this process
({TITLES} look-alikes over one simulated exchange): generated keys,
no passphrase, no network. Prices walk, the fake clocks drift, some resting
orders fill, and now and then a venue answers slowly, fails, or drops its
stream, so you can see how the cockpit shows it. Everything is badged DEMO;
the order journal lives in a temporary directory removed on exit.

Flags:
  --seed N      seed for prices, fills and faults (default: from the clock)
  --no-faults   no injected slow responses, errors or stream drops
  --clock-offset [VENUE=]D
                push the fake venues' clocks D ahead of this machine
                (negative: behind), e.g. 12s, -1.8s, {V2}=+35s; without
                VENUE= for every venue; repeat or join with commas

Examples:
  vigil demo
  vigil demo --seed 7 --no-faults
  vigil demo --clock-offset 35s
`)

func init() {
	Register(Command{Name: "demo", Summary: "the cockpit against simulated venues (no keys needed)", Usage: demoUsage, Run: runDemo})
}

func runDemo(ctx context.Context, env *Env, args []string) int {
	fs := env.Flags("demo")
	seedFlag := fs.String("seed", "", "")
	noFaults := fs.Bool("no-faults", false, "")
	var offsets clockOffsets
	fs.Var(&offsets, "clock-offset", "")
	if _, err := ParseArgs(fs, args); err != nil {
		return env.Fail(usagef("demo", "%v", err))
	}
	seed := uint64(env.Now().UnixNano())
	if *seedFlag != "" {
		n, err := strconv.ParseUint(*seedFlag, 10, 64)
		if err != nil {
			return env.Fail(usagef("demo", "--seed %q: want a non-negative integer", *seedFlag))
		}
		seed = n
	}
	fmt.Fprintln(env.Stderr, "vigil: starting demo venues…")
	d, err := demo.Start(ctx, append([]demo.Option{demo.WithSeed(seed), demo.WithFaults(!*noFaults)}, offsets.opts...)...)
	if err != nil {
		return env.Fail(fmt.Errorf("demo: %w", err))
	}
	defer d.Close()
	dir, err := os.MkdirTemp("", "vigil-demo-*")
	if err != nil {
		return env.Fail(fmt.Errorf("demo journal: %w", err))
	}
	defer os.RemoveAll(dir)
	j, desk, err := openDesk(dir, d.Venues())
	if err != nil {
		return env.Fail(err)
	}
	defer j.Close()
	return runUI(ctx, env, d.Venues(), desk, true, nil)
}
