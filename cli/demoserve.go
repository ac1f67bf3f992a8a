package cli

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/demo"
	"github.com/vigil-trade/vigil/store"
)

var demoServeUsage = venueHelp(`usage: vigil demo serve [--dir DIR] [--seed N] [--accounts N] [--faults] [--quiet] [--clock-offset [VENUE=]D]

Runs the demo's fake venues ({TITLES} look-alikes on
loopback) until ctrl+c, and writes into DIR what a separate vigil needs to
reach them: config.toml (one account per demo key, rest_url and ws_url
pointing at the fakes), vault.age (the demo keys) and passphrase (the
vault's passphrase, mode 0600). Then from another shell, 'vigil order',
'vigil check' and the cockpit work against the fakes exactly as against a
real venue. It prints the commands to try.

The fakes live in this process: stopping it ends their orders and balances.
A new 'vigil demo serve' starts fresh fakes with new keys and ports and
rewrites the three files; the previous order journal is moved aside
(DIR/data/journal-<time>.db), since its orders were on the old fakes. Order
processes may come and go while it runs: their journal (DIR/data) and the
fakes' state both stay.

The keys are throwaway: they open nothing but these fakes.

Flags:
  --dir DIR   where to write (default $XDG_STATE_HOME/vigil/demo, or
              ~/.local/state/vigil/demo, or a new temporary directory)
  --seed N    seed for prices and fills (default: from the clock)
  --accounts N
              how many accounts, {DEMO_N} to 100 (default {DEMO_N}: {DEMO_ACCOUNTS});
              more are further keys on the same fakes, dealt in turn:
              {DEMO_EXTRA}, … The config lists them all: how to
              see the cockpit carry many accounts.
  --faults    inject the demo's slow answers, 5xx and stream drops
  --quiet     no resting orders of the demo's own on the accounts
  --clock-offset [VENUE=]D
              push the fakes' clocks D ahead of this machine (negative:
              behind), e.g. 12s, -1.8s, {V2}=+35s; without VENUE= for every
              venue; repeat or join with commas for several. vigil reads
              each venue's clock before it signs anything, so nothing it
              sends should be refused for its timestamp.

Examples:
  vigil demo serve
  vigil demo serve --dir /tmp/vd --seed 7
  vigil demo serve --accounts 20 --quiet
  vigil demo serve --clock-offset 12s --clock-offset {V1}=-1.8s
`)

// demoWorkFactor is the demo vault's scrypt cost. The keys in it open only
// fakes that die with the serve process, so a second of scrypt per `vigil
// order` would buy nothing.
const demoWorkFactor = 12

// demoMaxNotional is the demo accounts' max_order_notional, low enough that
// the typed confirmation is easy to see.
const demoMaxNotional = "1000"

func init() {
	Register(Command{Name: "demo serve", Summary: "run the fake venues for other vigil processes (writes a config and vault)",
		Usage: demoServeUsage, Run: runDemoServe})
}

func runDemoServe(ctx context.Context, env *Env, args []string) int {
	const cmd = "demo serve"
	fs := env.Flags(cmd)
	dir := fs.String("dir", "", "")
	seedFlag := fs.String("seed", "", "")
	nAccounts := fs.Int("accounts", demo.DefaultAccounts(), "")
	faults := fs.Bool("faults", false, "")
	quiet := fs.Bool("quiet", false, "")
	var offsets clockOffsets
	fs.Var(&offsets, "clock-offset", "")
	pos, err := ParseArgs(fs, args)
	if err == nil && len(pos) > 0 {
		err = usagef(cmd, "unexpected argument %q", pos[0])
	}
	if err != nil {
		return env.Fail(err)
	}
	seed := uint64(env.Now().UnixNano())
	if *seedFlag != "" {
		n, err := strconv.ParseUint(*seedFlag, 10, 64)
		if err != nil {
			return env.Fail(usagef(cmd, "--seed %q: want a non-negative integer", *seedFlag))
		}
		seed = n
	}
	if def := demo.DefaultAccounts(); *nAccounts < def || *nAccounts > demo.MaxAccounts {
		return env.Fail(usagef(cmd, "--accounts %d: want %d to %d", *nAccounts, def, demo.MaxAccounts))
	}
	d, err := demoServeDir(env, *dir)
	if err != nil {
		return env.Fail(err)
	}

	opts := []demo.Option{demo.WithSeed(seed), demo.WithFaults(*faults), demo.WithAccounts(*nAccounts)}
	if *quiet {
		opts = append(opts, demo.WithoutOrders())
	}
	opts = append(opts, offsets.opts...)
	fmt.Fprintln(env.Stderr, "vigil: starting demo venues…")
	dm, err := demo.Start(ctx, opts...)
	if err != nil {
		return env.Fail(fmt.Errorf("demo: %w", err))
	}
	defer dm.Close()
	accounts := dm.Accounts()
	defer func() {
		for _, a := range accounts {
			a.Wipe()
		}
	}()
	files, moved, err := writeDemoFiles(env, d, accounts)
	if err != nil {
		return env.Fail(err)
	}
	printDemoServe(env, files, moved, accounts)
	<-ctx.Done()
	fmt.Fprintln(env.Stderr, "vigil: demo venues stopped; their orders and balances are gone")
	return ExitOK
}

// demoServeDir picks and creates the directory: --dir, else the XDG state
// directory, else a temporary one.
func demoServeDir(env *Env, dir string) (string, error) {
	if dir == "" {
		if s := env.Getenv("XDG_STATE_HOME"); s != "" && filepath.IsAbs(s) {
			dir = filepath.Join(s, "vigil", "demo")
		} else if h := env.Getenv("HOME"); h != "" && filepath.IsAbs(h) {
			dir = filepath.Join(h, ".local", "state", "vigil", "demo")
		}
	}
	if dir == "" {
		t, err := os.MkdirTemp("", "vigil-demo-serve-*")
		if err != nil {
			return "", fmt.Errorf("demo directory: %w", err)
		}
		return t, nil
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("demo directory: %w", err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return "", fmt.Errorf("demo directory: %w", err)
	}
	// The passphrase file beside the vault must be private; so must be its
	// directory.
	if err := os.Chmod(abs, 0o700); err != nil {
		return "", fmt.Errorf("demo directory: %w", err)
	}
	return abs, nil
}

type demoFiles struct {
	dir, config, vault, passphrase, data string
}

// demoConfig is the config file's shape, encoded by the TOML library so any
// path is quoted correctly.
type demoConfig struct {
	Vault    string              `toml:"vault"`
	DataDir  string              `toml:"data_dir"`
	Accounts []demoConfigAccount `toml:"accounts"`
}

type demoConfigAccount struct {
	Name             string `toml:"name"`
	Venue            string `toml:"venue"`
	Network          string `toml:"network"`
	Key              string `toml:"key"`
	RESTURL          string `toml:"rest_url"`
	WSURL            string `toml:"ws_url,omitempty"`
	MaxOrderNotional string `toml:"max_order_notional"`
}

// writeDemoFiles writes the passphrase, the vault and the config into dir,
// and moves a previous run's journal aside. It returns the paths and where
// the old journal went ("" if there was none).
func writeDemoFiles(env *Env, dir string, accounts []demo.Account) (demoFiles, string, error) {
	f := demoFiles{
		dir:        dir,
		config:     filepath.Join(dir, "config.toml"),
		vault:      filepath.Join(dir, "vault.age"),
		passphrase: filepath.Join(dir, "passphrase"),
		data:       filepath.Join(dir, "data"),
	}
	var raw [24]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return f, "", err
	}
	pass := []byte(base64.RawURLEncoding.EncodeToString(raw[:]))
	defer clear(pass)
	if err := writePrivate(f.passphrase, append(bytes.Clone(pass), '\n')); err != nil {
		return f, "", fmt.Errorf("passphrase file: %w", err)
	}

	wf := env.WorkFactor
	if wf == 0 {
		wf = demoWorkFactor
	}
	v := &crypto.Vault{WorkFactor: wf}
	defer v.Wipe()
	cfg := demoConfig{Vault: f.vault, DataDir: f.data}
	for _, a := range accounts {
		k := crypto.Key{Label: a.Name, Venue: a.Venue, Scheme: string(a.Scheme), KeyID: a.KeyID,
			Secret: crypto.NewSecret(a.Secret.Bytes()), Created: a.Created, Note: "vigil demo serve: opens only the fake venue"}
		for name, f := range a.Fields {
			if k.Fields == nil {
				k.Fields = map[string]crypto.Secret{}
			}
			k.Fields[name] = crypto.NewSecret(f.Bytes())
		}
		if err := v.Add(k); err != nil {
			return f, "", err
		}
		cfg.Accounts = append(cfg.Accounts, demoConfigAccount{Name: a.Name, Venue: a.Venue, Network: string(a.Network),
			Key: a.Name, RESTURL: a.BaseURL, WSURL: a.WSURL, MaxOrderNotional: demoMaxNotional})
	}
	if err := v.Save(f.vault, pass); err != nil {
		return f, "", fmt.Errorf("vault: %w", err)
	}

	var buf bytes.Buffer
	fmt.Fprintf(&buf, "# Written by `vigil demo serve` at %s for the fake venues it runs.\n", env.Now().UTC().Format(time.RFC3339))
	buf.WriteString("# Rewritten on every start (new keys and ports); the fakes end with that process.\n\n")
	if err := toml.NewEncoder(&buf).Encode(cfg); err != nil {
		return f, "", err
	}
	if err := writePrivate(f.config, buf.Bytes()); err != nil {
		return f, "", fmt.Errorf("config: %w", err)
	}

	// A journal from an earlier serve holds orders of fakes that are gone:
	// kept, it would have every command ask the new fakes about them.
	var moved string
	old := filepath.Join(f.data, store.FileName)
	if fi, err := os.Stat(old); err == nil && fi.Mode().IsRegular() {
		moved = filepath.Join(f.data, "journal-"+fi.ModTime().UTC().Format("20060102T150405Z")+".db")
		if err := os.Rename(old, moved); err != nil {
			return f, "", fmt.Errorf("moving the previous journal aside: %w", err)
		}
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return f, "", err
	}
	return f, moved, nil
}

// writePrivate writes a 0600 file, fixing the mode of one that exists.
func writePrivate(path string, data []byte) error {
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return err
	}
	return os.Chmod(path, 0o600)
}

func printDemoServe(env *Env, f demoFiles, moved string, accounts []demo.Account) {
	w := env.Stdout
	fmt.Fprintln(w, "vigil demo serve: fake venues running until ctrl+c (their state ends with this process)")
	fmt.Fprintf(w, "  directory   %s\n", f.dir)
	fmt.Fprintf(w, "  config      %s\n", f.config)
	fmt.Fprintf(w, "  vault       %s\n", f.vault)
	fmt.Fprintf(w, "  passphrase  %s\n", f.passphrase)
	fmt.Fprintf(w, "  journal     %s\n", filepath.Join(f.data, store.FileName))
	if moved != "" {
		fmt.Fprintf(w, "  previous journal moved to %s (its orders were on the previous fakes)\n", moved)
	}
	fmt.Fprintln(w, "  accounts:")
	nameW, venueW := 0, 0
	for _, a := range accounts {
		nameW, venueW = max(nameW, len(a.Name)), max(venueW, len(a.Venue))
	}
	for _, a := range accounts {
		fmt.Fprintf(w, "    %-*s %-*s %s  symbols %s\n", nameW, a.Name, venueW, a.Venue, a.BaseURL, strings.Join(a.Symbols, ", "))
	}
	self, note := selfCommand(env)
	base := self + " --config " + shQuote(f.config) + " --passphrase-file " + shQuote(f.passphrase)
	acct, sym := accounts[0].Name, accounts[0].Symbols[0]
	fmt.Fprintln(w, "\nFrom another shell:")
	if note != "" {
		fmt.Fprintln(w, "  "+note)
	}
	fmt.Fprintf(w, "  %s order place --account %s --symbol %s --side buy --type limit --qty 0.001 --price 50000\n", base, acct, sym)
	fmt.Fprintf(w, "  %s order list --account %s\n", base, acct)
	fmt.Fprintf(w, "  %s order list --account %s --open\n", base, acct)
	fmt.Fprintf(w, "  %s check\n", base)
	fmt.Fprintf(w, "  %s\n", base)
	fmt.Fprintln(w, "\nPress ctrl+c to stop the fakes.")
}

// shQuote quotes s for a POSIX shell when it needs it.
func shQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+:=@%", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// selfCommand is how to run this same vigil from another shell, as printed
// commands must work when pasted: "vigil" when that name on $PATH is this
// program, its shell-quoted path otherwise, or "go run ." (with a note
// saying where, and to build it) when it is a `go run` binary in a go-build
// temporary directory that is gone when this process ends.
func selfCommand(env *Env) (cmd, note string) {
	exe := env.Executable
	if exe == nil {
		exe = os.Executable
	}
	path, err := exe()
	if err != nil || path == "" {
		return "vigil", "(vigil is the program you started this with; put it on $PATH or use its path)"
	}
	if isGoRunBinary(path) {
		where := "the directory you ran it from"
		if wd, err := os.Getwd(); err == nil {
			where = shQuote(wd)
		}
		return "go run .", "(started with `go run`: run these from " + where + ", or build it with `go build -o vigil .` and use ./vigil)"
	}
	if onPath(env, path) {
		return "vigil", ""
	}
	return shQuote(path), ""
}

// isGoRunBinary is true for a program `go run` built into its temporary
// work directory ($TMPDIR/go-build…/b001/exe/NAME).
func isGoRunBinary(path string) bool {
	for _, part := range strings.Split(filepath.ToSlash(path), "/") {
		if strings.HasPrefix(part, "go-build") {
			return true
		}
	}
	return false
}

// onPath is true when "vigil" on env's $PATH is the file at path.
func onPath(env *Env, path string) bool {
	want, err := os.Stat(path)
	if err != nil {
		return false
	}
	for _, dir := range filepath.SplitList(env.Getenv("PATH")) {
		if dir == "" {
			continue
		}
		fi, err := os.Stat(filepath.Join(dir, "vigil"))
		if err != nil || fi.IsDir() || fi.Mode().Perm()&0o111 == 0 {
			continue
		}
		return os.SameFile(fi, want)
	}
	return false
}
