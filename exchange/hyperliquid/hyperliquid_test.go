package hyperliquid_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/hyperliquid"
	"github.com/vigil-trade/vigil/exchange/hyperliquid/hyperliquidtest"
	"github.com/vigil-trade/vigil/exchange/rest"
	"github.com/vigil-trade/vigil/exchange/venuetest"
)

// TestSelfTest: the embedded vectors pass through the client's own path,
// and a corrupted one fails the self-test, so nothing is signed.
func TestSelfTest(t *testing.T) {
	rep := rest.SelfTest("hyperliquid")
	if !rep.Registered || rep.Err != nil || rep.Ran < 8 {
		t.Fatalf("self-test %+v", rep)
	}
}

func TestDescriptor(t *testing.T) {
	if err := hyperliquid.Descriptor.Check(); err != nil {
		t.Fatal(err)
	}
	for host, want := range map[string]bool{"api.hyperliquid.xyz": true, "hyperliquid.xyz": true,
		"api.hyperliquid-testnet.xyz": false, "hyperliquid.xyz.evil.com": false, "127.0.0.1": false} {
		if hyperliquid.MainnetHost(host) != want {
			t.Errorf("MainnetHost(%q) = %v", host, !want)
		}
	}
}

// TestClientIDs: cloids are 0x and 32 hex digits, nothing else.
func TestClientIDs(t *testing.T) {
	venuetest.ClientIDRule(t, hyperliquid.ClientIDPolicy, regexpCloid, "cloid",
		[]string{"0x1234567890abcdef1234567890abcdef", "0x00000000000000000000000000000001"},
		[]string{"1234567890abcdef1234567890abcdef", "0x1234", "0x1234567890abcdef1234567890abcdefa", "vg0abc", "0xZZ34567890abcdef1234567890abcdef"})
}

// TestTickAt: five significant figures, at most 6 − szDecimals decimals,
// an integer always.
func TestTickAt(t *testing.T) {
	for _, c := range []struct {
		price string
		sz    int32
		want  string
	}{{"65000", 5, "1"}, {"3200", 4, "0.1"}, {"1670.1", 4, "0.1"}, {"123456", 5, "1"}, {"0.0147", 0, "0.000001"}, {"0.0147", 2, "0.0001"}, {"0", 3, "0.001"}} {
		if got := hyperliquid.TickAt(decimal.RequireFromString(c.price), c.sz); !got.Equal(decimal.RequireFromString(c.want)) {
			t.Errorf("TickAt(%s, %d) = %s, want %s", c.price, c.sz, got, c.want)
		}
	}
	if got := hyperliquid.RoundPrice(decimal.RequireFromString("68250.4"), 5); got.String() != "68250" {
		t.Errorf("RoundPrice = %s", got)
	}
}

// TestNoncesAcrossProcesses: clients that sign as one agent share a floor
// file: every nonce is unique and they rise, even when all stamp the same
// millisecond.
func TestNoncesAcrossProcesses(t *testing.T) {
	dir := t.TempDir()
	w, err := hyperliquid.NewWallet(crypto.NewSecret([]byte(agentKey)))
	if err != nil {
		t.Fatal(err)
	}
	now := time.UnixMilli(1796439396000)
	var mu sync.Mutex
	seen := map[uint64]bool{}
	var wg sync.WaitGroup
	for range 4 { // each Nonces is one process's
		n, err := hyperliquid.NewNonces(dir, w.Address())
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			last := uint64(0)
			for range 50 {
				v, err := n.Next(now)
				if err != nil {
					t.Error(err)
					return
				}
				if v <= last {
					t.Errorf("nonce %d after %d", v, last)
				}
				last = v
				mu.Lock()
				if seen[v] {
					t.Errorf("nonce %d issued twice", v)
				}
				seen[v] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != 200 {
		t.Fatalf("%d nonces", len(seen))
	}
}

// TestKeyAuditAgents: an approved agent is read with its name and expiry,
// the account's own wallet is the withdraw danger with the way to an
// agent, and the allowance lands in the budget.
func TestKeyAuditAgents(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	ki, err := w.c.KeyInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	notes := strings.Join(ki.Notes, "\n")
	if ki.Trade != exchange.TriYes || ki.Withdraw != exchange.TriNo || ki.Expires.IsZero() || !strings.Contains(notes, `agent name "vigil"`) ||
		!strings.Contains(notes, "cannot withdraw") || !strings.Contains(notes, "actions used") {
		t.Errorf("agent audited as %+v\n%s", ki, notes)
	}
	found := false
	for _, b := range w.c.Budget().Buckets {
		if b.Name == "actions" && b.Limit == 10000 {
			found = true
		}
	}
	if !found {
		t.Errorf("budget %+v lacks the reported allowance", w.c.Budget())
	}

	keys.Store(t, masterKey)
	master := openClient(t, venuetest.InMemory(w.srv, nil))
	ki, err = master.KeyInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	notes = strings.Join(ki.Notes, "\n")
	if ki.Withdraw != exchange.TriYes || !strings.Contains(notes, "OWN wallet") || !strings.Contains(notes, "Authorize API Wallet") {
		t.Errorf("master audited as %+v\n%s", ki, notes)
	}
	if master.Signer() != accountAddr {
		t.Errorf("signer %s, account %s", master.Signer(), accountAddr)
	}
}

// TestPositions: fills in a perp read as a position: a buy that filled
// is long its size, at the fill's price, with the PnL of the mark since;
// a coin merely held is no position.
func TestPositions(t *testing.T) {
	w := newWorld(t)
	venuetest.Funder[*hyperliquidtest.Server](hyperliquidtest.DefaultAccount, "ETH", "3")(t, w.srv)
	fill, _ := w.srv.Sim().Price("BTC")
	req := exchange.OrderRequest{Symbol: "BTC", Side: exchange.Buy, Type: exchange.LimitOrder, TIF: exchange.GTC,
		Qty: decimal.RequireFromString("0.01"), Price: fill.Add(decimal.NewFromInt(500)), ClientID: hyperliquid.ClientIDPolicy.New(time.Now())}
	o, err := w.c.Place(context.Background(), req)
	if err != nil || o.Status != exchange.StatusFilled {
		t.Fatalf("a marketable buy: %+v %v", o, err)
	}
	// The fill's price, as the sim's ledger has it.
	var entry decimal.Decimal
	for _, so := range w.srv.Sim().Orders(hyperliquidtest.DefaultAccount) {
		if so.ClientID == o.ClientID {
			entry = so.QuoteFilled.Div(so.Filled)
		}
	}
	w.srv.Sim().SetPrice("BTC", entry.Add(decimal.NewFromInt(100)))
	ps, err := w.c.Positions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 || ps[0].Symbol != "BTC" || !ps[0].Size.Equal(decimal.RequireFromString("0.01")) || ps[0].Side() != "long" ||
		ps[0].Settle != "USDC" || !ps[0].Entry.Equal(entry) || !ps[0].PnL.Equal(decimal.NewFromInt(1)) {
		t.Fatalf("positions %+v, want long 0.01 BTC from %s with PnL 1 USDC", ps, entry)
	}
}

var regexpCloid = regexp.MustCompile(`^0x[0-9a-fA-F]{32}$`)

// TestNonceRefusedOnceThenRetried: another process signs as the same
// agent without sharing vigil's floor (another machine): its nonces are
// ours, the venue refuses ours as a duplicate, and vigil moves its floor a
// second ahead and signs once more. A refused nonce never executed, so
// the order is placed once.
func TestNonceRefusedOnceThenRetried(t *testing.T) {
	w := newWorld(t)
	at := w.srv.Sim().Now()
	stopped := func() time.Time { return at }
	link := venuetest.InMemory(w.srv, nil)
	other := openClient(t, link, hyperliquid.WithNow(stopped), hyperliquid.WithNonceDir(t.TempDir()))
	ours := openClient(t, link, hyperliquid.WithNow(stopped))
	ctx := context.Background()
	req := func() exchange.OrderRequest {
		return exchange.OrderRequest{Symbol: "BTC", Side: exchange.Buy, Type: exchange.LimitOrder, TIF: exchange.GTC,
			Qty: decimal.RequireFromString("0.001"), Price: decimal.RequireFromString("40000"), ClientID: hyperliquid.ClientIDPolicy.New(time.Now())}
	}
	for range 3 { // nonces at, at+1, at+2: a retry one above would collide too
		if _, err := other.Place(ctx, req()); err != nil {
			t.Fatal(err)
		}
	}
	from := len(w.srv.Requests())
	r := req()
	if _, err := ours.Place(ctx, r); err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, q := range w.srv.Requests()[from:] {
		if q.Path == "/exchange order" {
			codes = append(codes, q.Code)
		}
	}
	if len(codes) != 2 || codes[0] != hyperliquidtest.CodeNonce || codes[1] != "" {
		t.Fatalf("order requests answered %q, want a nonce refusal and then the order", codes)
	}
	if n := w.srv.Sim().ClientIDCount(hyperliquidtest.DefaultAccount, r.ClientID); n != 1 {
		t.Fatalf("%d orders", n)
	}
	if a := hyperliquid.Advice("Invalid nonce: duplicate nonce 1"); !strings.Contains(a, "another program") || !strings.Contains(a, "own agent wallet") {
		t.Errorf("advice %q", a)
	}
}

// TestIPWeightSpentIsHeld: two programs on one address spend its 1200
// weight a minute between them; the venue answers 429 and the client holds
// the account for half the window, not a guessed minute.
func TestIPWeightSpentIsHeld(t *testing.T) {
	srv := hyperliquidtest.New(hyperliquidtest.WithIPWeight())
	t.Cleanup(srv.Close)
	srv.AddAccount(hyperliquidtest.DefaultAccount, accountAddr)
	srv.ApproveAgent(hyperliquidtest.DefaultAccount, hyperliquidtest.Address(agentKey), "vigil", time.Time{})
	keys.Store(t, agentKey)
	t.Cleanup(func() { keys.Delete(t) })
	ctx := context.Background()
	var err error
	for i := 0; i < 40 && err == nil; i++ { // a fresh client each time: another program, its own budget
		_, err = openClient(t, venuetest.InMemory(srv, nil)).KeyInfo(ctx)
	}
	var rl *exchange.RateLimitError
	if !errors.As(err, &rl) || rl.Banned {
		t.Fatalf("err %v, want a rate limit", err)
	}
	if d := time.Until(rl.RetryAt); d > 31*time.Second || d < 29*time.Second {
		t.Errorf("held %v", d)
	}
	n := 0
	for _, r := range srv.Requests() {
		if r.Status == 429 {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d answers of 429", n)
	}
}

// dateOnly answers every read with a book that carries no time, stamped
// only by a Date header: the clock falls back on it, whole seconds.
type dateOnly struct{ server time.Time }

func (d dateOnly) RoundTrip(r *http.Request) (*http.Response, error) {
	h := http.Header{"Date": {d.server.UTC().Format(http.TimeFormat)}, "Content-Type": {"application/json"}}
	return &http.Response{StatusCode: 200, Header: h, Request: r,
		Body: io.NopCloser(strings.NewReader(`{"coin":"BTC","levels":[[],[]]}`))}, nil
}

func TestClockFromDateHeader(t *testing.T) {
	server := time.Now().Add(7 * time.Second).Truncate(time.Second)
	c, err := hyperliquid.New(hyperliquid.WithBaseURL("http://venue.fake"), hyperliquid.WithHTTPClient(&http.Client{Transport: dateOnly{server}}))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SyncClock(context.Background()); err != nil {
		t.Fatal(err)
	}
	snap := c.Clock()
	if off := snap.Offset; off < 6*time.Second || off > 8*time.Second+500*time.Millisecond {
		t.Errorf("offset %v, want about 7 s", off)
	}
	if snap.Uncertainty < 500*time.Millisecond {
		t.Errorf("uncertainty %v: a whole-second stamp is not that precise", snap.Uncertainty)
	}
}
