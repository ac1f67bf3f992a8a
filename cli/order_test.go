package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange/binance/binancetest"
)

const (
	ordKeyID  = "ordKeyForCliTests0000000000000000000000000000000000000000000000A"
	ordSecret = "ordSecretForCliTests000000000000000000000000000000000000000000B"
)

// orderAcct is the one account an order test's config holds.
type orderAcct struct {
	network      string
	allowMainnet bool
	maxNotional  string
}

// orderSetup writes a vault with one Binance HMAC key, a 0600 passphrase
// file and a config whose account "bn" points at url, with its journal
// under the harness's home. It returns the global args naming them.
func (h *harness) orderSetup(url string, a orderAcct) []string {
	h.t.Helper()
	dir := filepath.Join(h.home, "ord")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		h.t.Fatal(err)
	}
	vault := filepath.Join(dir, "vault.age")
	v := &crypto.Vault{WorkFactor: 2}
	if err := v.Add(crypto.Key{Label: "bn-key", Venue: "binance", Scheme: "hmac", KeyID: ordKeyID,
		Secret: crypto.NewSecret([]byte(ordSecret)), Created: h.now.Add(-10 * 24 * time.Hour)}); err != nil {
		h.t.Fatal(err)
	}
	if err := v.Save(vault, []byte(pass)); err != nil {
		h.t.Fatal(err)
	}
	pf := filepath.Join(dir, "pass")
	if err := os.WriteFile(pf, []byte(pass+"\n"), 0o600); err != nil {
		h.t.Fatal(err)
	}
	toml := `vault = "` + vault + `"
data_dir = "` + filepath.Join(dir, "data") + `"

[[accounts]]
name = "bn"
venue = "binance"
network = "` + a.network + `"
key = "bn-key"
rest_url = "` + url + `"
`
	if a.allowMainnet {
		toml += "allow_mainnet_orders = true\n"
	}
	if a.maxNotional != "" {
		toml += `max_order_notional = "` + a.maxNotional + `"` + "\n"
	}
	cfg := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(cfg, []byte(toml), 0o600); err != nil {
		h.t.Fatal(err)
	}
	return []string{"--config", cfg, "--passphrase-file", pf}
}

// orderFake is a funded fake Binance that knows the test key.
func orderFake(t *testing.T, mode binancetest.Mode) *binancetest.Server {
	t.Helper()
	srv := binancetest.NewServer(binancetest.WithMode(mode))
	t.Cleanup(srv.Close)
	srv.AddHMACKey(ordKeyID, ordSecret, binancetest.TradePerms(""))
	fund(t, srv)
	return srv
}

func fund(t *testing.T, srv *binancetest.Server) {
	t.Helper()
	for asset, amt := range map[string]string{"USDT": "10000", "BTC": "1"} {
		if err := srv.Sim().Deposit(binancetest.DefaultAccount, asset, decimal.RequireFromString(amt)); err != nil {
			t.Fatal(err)
		}
	}
}

// orderPosts counts the order requests (place and cancel) the fake saw.
func orderPosts(srv *binancetest.Server) (place, cancel int) {
	for _, r := range srv.Requests() {
		if r.Path == "/api/v3/order" {
			switch r.Method {
			case http.MethodPost:
				place++
			case http.MethodDelete:
				cancel++
			}
		}
	}
	return place, cancel
}

func with(global []string, args ...string) []string {
	return append(append([]string(nil), global...), args...)
}

func decodeResult(t *testing.T, out string) orderResult {
	t.Helper()
	var res orderResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	return res
}

// tableRow finds the table line holding id and splits it into columns.
func tableRow(t *testing.T, out, id string) []string {
	t.Helper()
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, id) {
			return strings.Fields(l)
		}
	}
	t.Fatalf("no row with %s in\n%s", id, out)
	return nil
}

func TestOrderPlaceCancelStatusListAcrossRestart(t *testing.T) {
	h := newHarness(t)
	srv := orderFake(t, binancetest.Testnet)
	g := h.orderSetup(srv.URL, orderAcct{network: "testnet"})
	place := []string{"order", "place", "--account", "bn", "--symbol", "BTCUSDT", "--side", "buy", "--type", "limit"}

	// A table.
	r := h.mustRun("", nil, with(g, append(place, "--qty", "0.001", "--price", "50000")...)...)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "CREATED (UTC)") || !strings.Contains(lines[0], "CLIENT ID") {
		t.Fatalf("place table:\n%s", r.stdout)
	}
	row := strings.Fields(lines[1])
	// CREATED is two fields (date, time).
	if row[2] != "bn" || row[3] != "BTCUSDT" || row[4] != "BUY" || row[5] != "LIMIT" || row[6] != "GTC" ||
		row[7] != "0.001" || row[8] != "50000" || row[10] != "NEW" || !strings.HasPrefix(row[11], "vg") {
		t.Fatalf("place row %q", row)
	}
	first := row[11]
	// Columns align: the header's STATUS starts where the row's does.
	if strings.Index(lines[0], "STATUS") != strings.Index(lines[1], " NEW ")+1 {
		t.Fatalf("not aligned:\n%s", r.stdout)
	}

	// JSON.
	r = h.mustRun("", nil, with(g, append(place, "--qty", "0.002", "--price", "49000.5", "--tif", "IOC", "--json")...)...)
	res := decodeResult(t, r.stdout)
	if res.Command != "place" || res.Outcome != "ok" || res.ExitCode != 0 || res.Order == nil ||
		res.Order.Qty != "0.002" || res.Order.Price != "49000.5" || res.Order.TIF != "IOC" || res.Notional != "98.001" {
		t.Fatalf("place json: %+v", res)
	}
	// IOC far below the market cannot rest.
	if res.Order.Status != "EXPIRED" || res.Order.OrderID == "" || res.Reconcile == nil {
		t.Fatalf("IOC: %+v", res.Order)
	}
	second := res.Order.ClientID
	if p, _ := orderPosts(srv); p != 2 {
		t.Fatalf("%d order requests, want 2", p)
	}

	// A rule violation: nothing sent, the nearest valid price named.
	r = h.run("", nil, with(g, append(place, "--qty", "0.001", "--price", "50000.005")...)...)
	if r.code != ExitUsage || !strings.Contains(r.stderr, "not a multiple of the tick 0.01 → nearest valid price 50000.01") ||
		!strings.Contains(r.stderr, "nothing sent") || r.stdout != "" {
		t.Fatalf("violation: %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = h.run("", nil, with(g, append(place, "--qty", "0.00001", "--price", "50000", "--json")...)...)
	res = decodeResult(t, r.stdout)
	if r.code != ExitUsage || res.Outcome != "refused" || len(res.Violations) != 1 ||
		res.Violations[0].Field != "notional" || res.Violations[0].Nearest != "0.00010" {
		t.Fatalf("min notional: %d %+v", r.code, res)
	}
	// A float spelling is a usage error before anything is opened.
	r = h.run("", nil, with(g, append(place, "--qty", "1e-3", "--price", "50000")...)...)
	if r.code != ExitUsage || !strings.Contains(r.stderr, "plain decimal") {
		t.Fatalf("exponent: %d %s", r.code, r.stderr)
	}
	if p, _ := orderPosts(srv); p != 2 {
		t.Fatalf("a refused order was sent: %d order requests", p)
	}

	// Status: the venue's answer and the journal's record.
	r = h.mustRun("", nil, with(g, "order", "status", "--account", "bn", "--symbol", "BTCUSDT", "--client-id", first)...)
	if !strings.HasPrefix(r.stdout, "SOURCE") || !strings.Contains(r.stdout, "\nvenue ") || !strings.Contains(r.stdout, "\njournal ") ||
		!strings.Contains(r.stdout, "Journal records of "+first) || !strings.Contains(r.stdout, "INTENT") {
		t.Fatalf("status:\n%s", r.stdout)
	}
	r = h.mustRun("", nil, with(g, "order", "status", "--account", "bn", "--symbol", "BTCUSDT", "--client-id", first, "--json")...)
	res = decodeResult(t, r.stdout)
	if res.Order == nil || res.Order.Source != "venue" || res.Order.Status != "NEW" || res.Journal == nil ||
		res.Journal.Order.Status != "NEW" || len(res.Journal.Records) == 0 || res.Journal.Records[0].Via != "place" {
		t.Fatalf("status json: %+v", res)
	}

	// Cancel.
	r = h.mustRun("", nil, with(g, "order", "cancel", "--account", "bn", "--symbol", "BTCUSDT", "--client-id", first)...)
	if row := tableRow(t, r.stdout, first); row[10] != "CANCELED" {
		t.Fatalf("cancel: %q", row)
	}
	// Again: already final, and no request for it.
	_, before := orderPosts(srv)
	r = h.run("", nil, with(g, "order", "cancel", "--account", "bn", "--symbol", "BTCUSDT", "--client-id", first, "--json")...)
	if res := decodeResult(t, r.stdout); r.code != ExitFailure || res.Outcome != "already_final" {
		t.Fatalf("second cancel: %d %+v", r.code, res)
	}
	if _, after := orderPosts(srv); after != before {
		t.Fatal("a cancel of a final order was sent")
	}

	// Restart: a new process-like Env reopens the same journal.
	h2 := &harness{t: t, home: h.home, now: h.now.Add(time.Hour)}
	r = h2.mustRun("", nil, with(g, "order", "list", "--account", "bn")...)
	if a, b := strings.Index(r.stdout, second), strings.Index(r.stdout, first); a < 0 || b < 0 || a > b {
		t.Fatalf("history after restart (newest first):\n%s", r.stdout)
	}
	if row := tableRow(t, r.stdout, first); row[10] != "CANCELED" {
		t.Fatalf("listed %q", row)
	}
	r = h2.mustRun("", nil, with(g, "order", "list", "--account", "bn", "--limit", "1", "--json")...)
	res = decodeResult(t, r.stdout)
	if res.Orders == nil || len(*res.Orders) != 1 || (*res.Orders)[0].ClientID != second || (*res.Orders)[0].Source != "journal" {
		t.Fatalf("list json: %+v", res)
	}
	// --open asks the venue: nothing rests now.
	r = h2.mustRun("", nil, with(g, "order", "list", "--account", "bn", "--open")...)
	if !strings.Contains(r.stdout, "no open orders") {
		t.Fatalf("open:\n%s", r.stdout)
	}
}

func TestOrderMainnetRefusedWithoutAllow(t *testing.T) {
	h := newHarness(t)
	srv := orderFake(t, binancetest.Mainnet)
	g := h.orderSetup(srv.URL, orderAcct{network: "mainnet"})
	r := h.run("", nil, with(g, "order", "place", "--account", "bn", "--symbol", "BTCUSDT", "--side", "buy",
		"--type", "limit", "--qty", "0.001", "--price", "50000", "--yes")...)
	if r.code != ExitUsage || !strings.Contains(r.stderr, "MAINNET") || !strings.Contains(r.stderr, "allow_mainnet_orders = true") {
		t.Fatalf("mainnet: %d %s", r.code, r.stderr)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Fatalf("the fake saw %d requests", n)
	}
}

func TestOrderTypedConfirmation(t *testing.T) {
	h := newHarness(t)
	srv := orderFake(t, binancetest.Testnet)
	g := h.orderSetup(srv.URL, orderAcct{network: "testnet", maxNotional: "40"})
	place := with(g, "order", "place", "--account", "bn", "--symbol", "BTCUSDT", "--side", "buy",
		"--type", "limit", "--qty", "0.001", "--price", "50000")

	r := h.run("", []string{"ETHUSDT"}, place...)
	if r.code != ExitFailure || !strings.Contains(r.stderr, "not confirmed: nothing sent") ||
		!strings.Contains(r.stderr, "above this account's limit 40") {
		t.Fatalf("wrong answer: %d %s", r.code, r.stderr)
	}
	if len(r.tty.prompts) != 1 || !strings.Contains(r.tty.prompts[0], "Type BTCUSDT") {
		t.Fatalf("prompts %q", r.tty.prompts)
	}
	if p, _ := orderPosts(srv); p != 0 {
		t.Fatal("sent without confirmation")
	}
	// Under the limit: no question.
	h.mustRun("", nil, with(g, "order", "place", "--account", "bn", "--symbol", "BTCUSDT", "--side", "buy",
		"--type", "limit", "--qty", "0.0005", "--price", "50000")...)
	// The symbol typed (any case) sends it; so does --yes, without asking.
	h.mustRun("", []string{"btcusdt"}, place...)
	h.mustRun("", nil, append(place, "--yes")...)
	if p, _ := orderPosts(srv); p != 3 {
		t.Fatalf("%d orders sent, want 3", p)
	}

	// A mainnet account that allows orders still asks, whatever the size.
	h2 := newHarness(t)
	srv2 := orderFake(t, binancetest.Mainnet)
	g2 := h2.orderSetup(srv2.URL, orderAcct{network: "mainnet", allowMainnet: true})
	r = h2.run("", []string{"no"}, with(g2, "order", "place", "--account", "bn", "--symbol", "BTCUSDT", "--side", "buy",
		"--type", "limit", "--qty", "0.0005", "--price", "50000", "--json")...)
	if res := decodeResult(t, r.stdout); r.code != ExitFailure || res.Outcome != "not_confirmed" || !strings.Contains(r.stderr, "MAINNET") {
		t.Fatalf("mainnet confirm: %d %+v %s", r.code, res, r.stderr)
	}
	if p, _ := orderPosts(srv2); p != 0 {
		t.Fatal("mainnet order sent without confirmation")
	}
}

// TestOrderUnknownOutcomeResolvedOnNextStart loses the answer to a place
// that the venue applied, with the user interrupting while vigil asks:
// exit 5, UNKNOWN in the journal; the next command resolves it.
func TestOrderUnknownOutcomeResolvedOnNextStart(t *testing.T) {
	h := newHarness(t)
	fake := binancetest.New(binancetest.WithMode(binancetest.Testnet))
	fake.AddHMACKey(ordKeyID, ordSecret, binancetest.TradePerms(""))
	fund(t, fake)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var lose atomic.Bool
	lose.Store(true)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/api/v3/order" && lose.CompareAndSwap(true, false) {
			fake.ServeHTTP(httptest.NewRecorder(), r) // applied, answer lost
			cancel()                                  // the user presses ctrl+c
			<-r.Context().Done()
			return
		}
		fake.ServeHTTP(w, r)
	}))
	defer ts.Close()
	g := h.orderSetup(ts.URL, orderAcct{network: "testnet"})

	var out, errb bytes.Buffer
	env := &Env{Stdout: &out, Stderr: &errb, Getenv: h.getenv, TTY: &scriptTTY{t: t}, Now: func() time.Time { return h.now }, WorkFactor: 2}
	code := Run(ctx, env, with(g, "order", "place", "--account", "bn", "--symbol", "BTCUSDT", "--side", "buy",
		"--type", "limit", "--qty", "0.001", "--price", "50000", "--json"))
	res := decodeResult(t, out.String())
	if code != ExitUnknown || res.Outcome != "unknown" || res.ExitCode != ExitUnknown || res.Order == nil ||
		res.Order.Status != "UNKNOWN" || !strings.Contains(errb.String(), "do not re-send") {
		t.Fatalf("exit %d %+v\n%s", code, res, errb.String())
	}
	id := res.Order.ClientID

	// The next process settles it before listing.
	r := h.mustRun("", nil, with(g, "order", "list", "--account", "bn")...)
	if !strings.Contains(r.stderr, id+" BTCUSDT → NEW (reconcile)") {
		t.Fatalf("reconcile not reported:\n%s", r.stderr)
	}
	if row := tableRow(t, r.stdout, id); row[10] != "NEW" || row[12] == "-" {
		t.Fatalf("resolved row %q", row)
	}
}

func TestOrderUsage(t *testing.T) {
	h := newHarness(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"order", "place", "--symbol", "X"}, "--account is required"},
		{[]string{"order", "place", "--account", "a", "--symbol", "X", "--side", "hold"}, `--side "hold"`},
		{[]string{"order", "place", "--account", "a", "--symbol", "X", "--side", "buy", "--type", "market", "--qty", "1", "--price", "2"}, "--price is for limit orders"},
		{[]string{"order", "place", "--account", "a", "--symbol", "X", "--side", "buy", "--type", "limit", "--qty", "-1", "--price", "2"}, "plain decimal"},
		{[]string{"order", "cancel", "--account", "a", "--symbol", "X"}, "--client-id ID or --order-id ID"},
		{[]string{"order", "status", "--account", "a", "--symbol", "X", "--client-id", "c", "--order-id", "1"}, "not both"},
		{[]string{"order", "list", "--account", "a", "--limit", "x"}, "--limit"},
		{[]string{"order", "frob"}, `unknown command "order frob"`},
	} {
		r := h.run("", nil, c.args...)
		if r.code != ExitUsage || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: %d %s", c.args, r.code, r.stderr)
		}
	}
	for _, sub := range []string{"place", "cancel", "status", "list"} {
		r := h.mustRun("", nil, "order", sub, "--help")
		if !strings.Contains(r.stdout, "usage: vigil order "+sub) || !strings.Contains(r.stdout, "Example") {
			t.Errorf("%s --help:\n%s", sub, r.stdout)
		}
	}
}
