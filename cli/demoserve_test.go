package cli

import (
	"bufio"
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigil-trade/vigil/config"
	"github.com/vigil-trade/vigil/exchange/venues"
)

// TestDemoServe runs `vigil demo serve` as another process would see it:
// it reads the printed paths, then places and lists orders through them
// with separate runs, and stops it by cancelling its context.
func TestDemoServe(t *testing.T) {
	h := newHarness(t)
	state := filepath.Join(h.home, "state")
	getenv := func(k string) string {
		if k == "XDG_STATE_HOME" {
			return state
		}
		return h.getenv(k)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		env := &Env{Stdout: pw, Getenv: getenv, Now: time.Now, WorkFactor: 2,
			Executable: func() (string, error) { return "/opt/my tools/vigil", nil }}
		done <- Run(ctx, env, []string{"demo", "serve", "--seed", "7", "--quiet"})
		pw.Close()
	}()

	paths := map[string]string{}
	var printed []string
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		line := sc.Text()
		printed = append(printed, line)
		if f := strings.Fields(line); len(f) == 2 {
			paths[f[0]] = f[1]
		}
		if strings.HasPrefix(line, "Press ctrl+c") {
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	out := strings.Join(printed, "\n")
	dir := filepath.Join(state, "vigil", "demo")
	if paths["directory"] != dir || paths["config"] != filepath.Join(dir, "config.toml") ||
		paths["passphrase"] != filepath.Join(dir, "passphrase") {
		t.Fatalf("printed:\n%s", out)
	}
	want := "'/opt/my tools/vigil' --config " + paths["config"] + " --passphrase-file " + paths["passphrase"] +
		" order place --account demo-binance --symbol BTCUSDT --side buy --type limit --qty 0.001 --price 50000"
	if !strings.Contains(out, want) {
		t.Fatalf("no usable command in:\n%s", out)
	}
	for _, f := range []string{paths["passphrase"], paths["config"], paths["vault"]} {
		if fi, err := os.Stat(f); err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v", f, err)
		}
	}

	g := []string{"--config", paths["config"], "--passphrase-file", paths["passphrase"]}
	r := h.mustRun("", nil, with(g, "order", "place", "--account", "demo-binance", "--symbol", "BTCUSDT", "--side", "buy",
		"--type", "limit", "--qty", "0.001", "--price", "50000", "--json")...)
	res := decodeResult(t, r.stdout)
	if res.Outcome != "ok" || res.Order.Status != "NEW" || res.Order.OrderID == "" {
		t.Fatalf("place: %+v", res)
	}
	// Each venue's account works through the written config and vault.
	h.mustRun("", nil, with(g, "order", "place", "--account", "demo-okx", "--symbol", "BTC-USDT", "--side", "buy",
		"--type", "limit", "--qty", "0.001", "--price", "50000")...)
	h.mustRun("", nil, with(g, "order", "place", "--account", "demo-binance-ed", "--symbol", "ETHUSDT", "--side", "sell",
		"--type", "limit", "--qty", "0.01", "--price", "90000")...)

	// A later process sees the history, and the fake still has the order.
	r = h.mustRun("", nil, with(g, "order", "list", "--account", "demo-binance")...)
	if row := tableRow(t, r.stdout, res.Order.ClientID); row[10] != "NEW" {
		t.Fatalf("list: %q", row)
	}
	r = h.mustRun("", nil, with(g, "order", "list", "--account", "demo-binance", "--open")...)
	if row := tableRow(t, r.stdout, res.Order.ClientID); row[len(row)-1] != "yes" {
		t.Fatalf("open: %q", row)
	}

	cancel()
	if code := <-done; code != ExitOK {
		t.Fatalf("serve exit %d", code)
	}

	// A second serve in the same directory moves the old journal aside.
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	var sb strings.Builder
	pr2, pw2 := io.Pipe()
	go func() {
		env := &Env{Stdout: pw2, Getenv: getenv, Now: time.Now, WorkFactor: 2}
		done <- Run(ctx2, env, []string{"demo", "serve", "--quiet"})
		pw2.Close()
	}()
	sc = bufio.NewScanner(pr2)
	for sc.Scan() {
		sb.WriteString(sc.Text() + "\n")
		if strings.HasPrefix(sc.Text(), "Press ctrl+c") {
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr2) }()
	cancel2()
	<-done
	if !strings.Contains(sb.String(), "previous journal moved to "+filepath.Join(dir, "data", "journal-")) {
		t.Fatalf("second serve:\n%s", sb.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "journal.db")); !os.IsNotExist(err) {
		t.Fatalf("old journal left in place: %v", err)
	}
}

// TestDemoServeAccounts: --accounts N writes every account into the config
// and each works from another process; outside 4..100 is a usage error.
func TestDemoServeAccounts(t *testing.T) {
	h := newHarness(t)
	dir := filepath.Join(h.home, "many")
	// Every venue's own demo keys, then three extras dealt in turn.
	accounts := 3
	for _, d := range venues.All() {
		accounts += len(d.Demo)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		env := &Env{Stdout: pw, Getenv: h.getenv, Now: time.Now, WorkFactor: 2}
		done <- Run(ctx, env, []string{"demo", "serve", "--dir", dir, "--accounts", strconv.Itoa(accounts), "--quiet"})
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	var printed strings.Builder
	for sc.Scan() {
		printed.WriteString(sc.Text() + "\n")
		if strings.HasPrefix(sc.Text(), "Press ctrl+c") {
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	cfg, err := config.Load(filepath.Join(dir, "config.toml"))
	if err != nil {
		t.Fatalf("%v\nprinted:\n%s", err, printed.String())
	}
	var names []string
	for _, a := range cfg.Accounts {
		names = append(names, a.Name)
	}
	// Each listed venue's own keys first, then the extras dealt in turn:
	// with three extras, the first three venues get a second account.
	got := " " + strings.Join(names, " ") + " "
	if len(names) != accounts || !strings.Contains(got, " demo-binance demo-binance-ed ") || !strings.Contains(got, " demo-okx-2 ") || !strings.Contains(got, " demo-bybit-2 ") {
		t.Fatalf("config accounts %q", got)
	}
	if !strings.Contains(printed.String(), "demo-bybit-2") {
		t.Fatalf("printed accounts do not list the extras:\n%s", printed.String())
	}
	g := []string{"--config", filepath.Join(dir, "config.toml"), "--passphrase-file", filepath.Join(dir, "passphrase")}
	h.mustRun("", nil, with(g, "order", "place", "--account", "demo-okx-2", "--symbol", "BTC-USDT", "--side", "buy",
		"--type", "limit", "--qty", "0.001", "--price", "50000")...)
	cancel()
	if code := <-done; code != ExitOK {
		t.Fatalf("serve exit %d", code)
	}

	for _, n := range []string{"3", "101", "many"} {
		r := h.run("", nil, "demo", "serve", "--dir", dir, "--accounts", n)
		if r.code != ExitUsage || !strings.Contains(r.stderr, "accounts") {
			t.Errorf("--accounts %s: exit %d, stderr %q", n, r.code, r.stderr)
		}
	}
}
