package kraken_test

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/kraken"
	"github.com/vigil-trade/vigil/exchange/kraken/krakentest"
)

func balanceClient(t *testing.T) (*krakentest.Server, *kraken.Client) {
	t.Helper()
	srv := krakentest.NewServer()
	t.Cleanup(srv.Close)
	if err := srv.AddKey(keyID, keySecret, krakentest.TradePerms(krakentest.DefaultAccount)); err != nil {
		t.Fatal(err)
	}
	c, err := kraken.New(kraken.WithBaseURL(srv.URL), kraken.WithNetwork(exchange.Testnet), kraken.WithNonceDir(t.TempDir()),
		kraken.WithKey(keyID, secret(keySecret)))
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Sim().Deposit(krakentest.DefaultAccount, "USDT", decimal.RequireFromString("1000")); err != nil {
		t.Fatal(err)
	}
	return srv, c
}

// openStream opens c's stream, closed at the end of the test or after a
// minute, so a stream that never says what a test waits for fails it
// instead of hanging the run.
func openStream(t *testing.T, c *kraken.Client) exchange.Stream {
	t.Helper()
	st, err := c.Stream(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	guard := time.AfterFunc(time.Minute, func() { _ = st.Close() })
	t.Cleanup(func() { guard.Stop(); _ = st.Close() })
	return st
}

// nextBalances is the stream's next balances event.
func nextBalances(t *testing.T, st exchange.Stream) exchange.StreamEvent {
	t.Helper()
	for ev := range st.Events() {
		if ev.Balances != nil {
			return ev
		}
	}
	t.Fatalf("the stream ended before a balances message: %v", st.Err())
	return exchange.StreamEvent{}
}

func byAsset(bals []exchange.Balance) map[string]exchange.Balance {
	m := map[string]exchange.Balance{}
	for _, b := range bals {
		m[b.Asset] = b
	}
	return m
}

func sameBalance(a, b exchange.Balance) bool { return a.Free.Equal(b.Free) && a.Locked.Equal(b.Locked) }

// TestFillMovesBalanceOnStream: a fill's new balances arrive as a message
// of the balances channel; the raw stream polls nothing, so no REST call
// can have carried them.
func TestFillMovesBalanceOnStream(t *testing.T) {
	srv, c := balanceClient(t)
	st := openStream(t, c)
	snap := nextBalances(t, st)
	if !snap.Snapshot || !byAsset(snap.Balances)["USDT"].Free.Equal(decimal.RequireFromString("1000")) {
		t.Fatalf("first balances message %+v, want the snapshot with 1000 USDT free", snap)
	}
	before := len(srv.Requests())
	if _, err := c.Place(context.Background(), exchange.OrderRequest{Symbol: "XBTUSDT", Side: exchange.Buy, Type: exchange.MarketOrder,
		Qty: decimal.RequireFromString("0.001"), ClientID: kraken.ClientIDPolicy.New(time.Now())}); err != nil {
		t.Fatal(err)
	}
	// AddOrder answers with the txid alone; the sim has filled the order
	// by then.
	want := byAsset(srv.Sim().Balances(krakentest.DefaultAccount))
	var got map[string]exchange.Balance
	for {
		ev := nextBalances(t, st)
		if ev.Snapshot {
			t.Fatalf("a second snapshot on one connection: %+v", ev)
		}
		got = byAsset(ev.Balances)
		if b, ok := got["BTC"]; ok && b.Free.IsPositive() {
			break
		}
	}
	if !sameBalance(got["BTC"], want["BTC"]) {
		t.Errorf("BTC on the stream %+v, the venue has %+v", got["BTC"], want["BTC"])
	}
	if u, ok := got["USDT"]; ok && !sameBalance(u, want["USDT"]) {
		t.Errorf("USDT on the stream %+v, the venue has %+v", u, want["USDT"])
	}
	for _, r := range srv.Requests()[before:] {
		if r.Path == "/0/private/BalanceEx" || r.Path == "/0/private/Balance" {
			t.Errorf("the balance came with a REST read (%s), not the stream", r.Path)
		}
	}
}

// TestBalancesSnapshotAfterReconnect: a new connection's snapshot is the
// account as the venue has it, free and locked, after what changed while
// no connection was open (a fill, and an order that holds funds).
func TestBalancesSnapshotAfterReconnect(t *testing.T) {
	srv, c := balanceClient(t)
	first := openStream(t, c)
	nextBalances(t, first)
	_ = first.Close()

	ctx := context.Background()
	if _, err := c.Place(ctx, exchange.OrderRequest{Symbol: "XBTUSDT", Side: exchange.Buy, Type: exchange.MarketOrder,
		Qty: decimal.RequireFromString("0.002"), ClientID: kraken.ClientIDPolicy.New(time.Now())}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Place(ctx, exchange.OrderRequest{Symbol: "XBTUSDT", Side: exchange.Buy, Type: exchange.LimitOrder, TIF: exchange.GTC,
		Qty: decimal.RequireFromString("0.001"), Price: decimal.RequireFromString("30000"), ClientID: kraken.ClientIDPolicy.New(time.Now())}); err != nil {
		t.Fatal(err)
	}
	want := byAsset(srv.Sim().Balances(krakentest.DefaultAccount))
	if !want["USDT"].Locked.IsPositive() {
		t.Fatalf("the resting order holds nothing: %+v", want["USDT"])
	}

	snap := nextBalances(t, openStream(t, c))
	if !snap.Snapshot {
		t.Fatalf("first balances message of the new connection is not a snapshot: %+v", snap)
	}
	got := byAsset(snap.Balances)
	for asset, w := range want {
		if !sameBalance(got[asset], w) {
			t.Errorf("%s in the snapshot %+v, the venue has %+v", asset, got[asset], w)
		}
	}
}

// TestBalancesAfterLastOrderCloses: the hold read before the connection
// stops splitting the stream's balances once the stream has seen every
// open order close, since nothing is held from then on.
func TestBalancesAfterLastOrderCloses(t *testing.T) {
	srv, c := balanceClient(t)
	ctx := context.Background()
	o, err := c.Place(ctx, exchange.OrderRequest{Symbol: "XBTUSDT", Side: exchange.Buy, Type: exchange.LimitOrder, TIF: exchange.GTC,
		Qty: decimal.RequireFromString("0.001"), Price: decimal.RequireFromString("30000"), ClientID: kraken.ClientIDPolicy.New(time.Now())})
	if err != nil {
		t.Fatal(err)
	}
	st := openStream(t, c)
	if snap := nextBalances(t, st); !byAsset(snap.Balances)["USDT"].Locked.IsPositive() {
		t.Fatalf("the snapshot shows no hold for the resting order: %+v", snap)
	}
	if _, err := c.Cancel(ctx, exchange.OrderRef{Symbol: "XBTUSDT", OrderID: o.OrderID}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Place(ctx, exchange.OrderRequest{Symbol: "XBTUSDT", Side: exchange.Buy, Type: exchange.MarketOrder,
		Qty: decimal.RequireFromString("0.001"), ClientID: kraken.ClientIDPolicy.New(time.Now())}); err != nil {
		t.Fatal(err)
	}
	want := byAsset(srv.Sim().Balances(krakentest.DefaultAccount))
	for {
		got := byAsset(nextBalances(t, st).Balances)
		if _, ok := got["BTC"]; !ok {
			continue
		}
		if u := got["USDT"]; !sameBalance(u, want["USDT"]) {
			t.Errorf("USDT after the fill %+v, the venue has %+v", u, want["USDT"])
		}
		return
	}
}
