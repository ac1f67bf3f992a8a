package orders

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/binance"
	"github.com/vigil-trade/vigil/exchange/binance/binancetest"
	"github.com/vigil-trade/vigil/exchange/sim"
	"github.com/vigil-trade/vigil/store"
)

const (
	testKey    = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
	testSecret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
)

// TestBinanceLostAnswers places 1,000 orders and cancels half of them
// through the desk and the real Binance client against binancetest on
// loopback (a dropped connection needs a socket), with the venue often
// applying an order or cancel and then losing the answer, then demands one
// venue order per intent and the journal equal to the venue.
func TestBinanceLostAnswers(t *testing.T) {
	n := 1000
	if testing.Short() {
		n = 100
	}
	// The desk is under test, not the rate budget: lift the limits (the
	// client reads them from exchangeInfo and would otherwise pace 1,000
	// orders over minutes).
	limits := binancetest.DefaultRateLimits()
	limits.OrdersPer10s, limits.OrdersPerDay, limits.WeightPerMinute, limits.RawPer5m = 1e6, 1e6, 1e6, 1e6
	srv := binancetest.NewServer(binancetest.WithRateLimits(limits))
	defer srv.Close()
	srv.AddHMACKey(testKey, testSecret, binancetest.TradePerms(binancetest.DefaultAccount))
	if err := srv.Sim().Deposit(binancetest.DefaultAccount, "USDT", decimal.NewFromInt(1_000_000)); err != nil {
		t.Fatal(err)
	}
	c, err := binance.New(binance.WithBaseURL(srv.URL), binance.WithAPIKey(testKey),
		binance.WithAccount(exchange.AccountInfo{Name: acct, Venue: "binance", Network: exchange.Testnet}),
		binance.WithSecret(crypto.NewSecret([]byte(testSecret))))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := c.SyncClock(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Rules(ctx, "BTCUSDT"); err != nil {
		t.Fatal(err)
	}
	for _, f := range []sim.Fault{
		{Kind: sim.FaultDropAfterAccept, Op: "POST /api/v3/order", Prob: 0.25},
		{Kind: sim.Fault5xx, Apply: true, Op: "POST /api/v3/order", Prob: 0.1},
		{Kind: sim.Fault5xx, Op: "POST /api/v3/order", Prob: 0.1},
		{Kind: sim.FaultDropAfterAccept, Op: "DELETE /api/v3/order", Prob: 0.25},
	} {
		srv.Sim().Faults().Add(f)
	}
	j := openJournal(t)
	d := NewDesk(j, map[string]exchange.Venue{acct: c}, WithGrace(20*time.Millisecond))
	if _, err := d.Reconcile(ctx, acct); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		req := exchange.OrderRequest{Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.LimitOrder, TIF: exchange.GTC,
			Qty: decimal.RequireFromString("0.001"), Price: decimal.RequireFromString("30000")}
		o, err := d.Place(ctx, acct, req)
		var u *UnresolvedError
		if errors.As(err, &u) {
			continue
		}
		if err != nil {
			t.Fatalf("place %d: %v", i, err)
		}
		if i%2 == 0 {
			if _, err := d.Cancel(ctx, acct, exchange.OrderRef{Symbol: "BTCUSDT", ClientID: o.ClientID}); err != nil && !errors.As(err, &u) {
				t.Fatalf("cancel %s: %v", o.ClientID, err)
			}
		}
	}
	srv.Sim().Faults().Clear()
	if r, err := d.Reconcile(ctx, acct); err != nil || len(r.StillUnknown) > 0 {
		t.Fatalf("reconcile: %v %+v", err, r)
	}
	hist, err := j.History(acct, 0)
	if err != nil || len(hist) != n {
		t.Fatalf("%d intents journaled (%v), want %d", len(hist), err, n)
	}
	x := srv.Sim()
	cancelled := 0
	for _, e := range hist {
		count := x.ClientIDCount(binancetest.DefaultAccount, e.ClientID)
		if count > 1 {
			t.Fatalf("%s: %d orders on the venue", e.ClientID, count)
		}
		vo, ok := x.OrderByClientID(binancetest.DefaultAccount, e.ClientID)
		if !ok {
			if e.Status != store.StatusNotSent && e.Status != store.StatusNotPlaced {
				t.Fatalf("%s: journal %s, venue has nothing", e.ClientID, e.Status)
			}
			continue
		}
		if vo.Status == exchange.StatusCanceled {
			cancelled++
		}
		if e.Status != vo.Status || e.OrderID != vo.OrderID {
			t.Fatalf("%s: journal %s/%s, venue %s/%s", e.ClientID, e.Status, e.OrderID, vo.Status, vo.OrderID)
		}
	}
	drops, fives := x.Faults().Taken(sim.FaultDropAfterAccept), x.Faults().Taken(sim.Fault5xx)
	t.Logf("faults taken: drop %d, 5xx %d; %d cancelled", drops, fives, cancelled)
	// The run proves something only if answers were really lost on both
	// paths.
	if drops < n/10 || fives == 0 || cancelled < n/4 {
		t.Fatalf("too few faults or cancels to mean anything: drop %d, 5xx %d, cancelled %d", drops, fives, cancelled)
	}
}
