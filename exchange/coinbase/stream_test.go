package coinbase_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/shopspring/decimal"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/coinbase"
	"github.com/vigil-trade/vigil/exchange/coinbase/coinbasetest"
)

// restingOrders places n buys far below the market on the fake's sim.
func restingOrders(t *testing.T, srv *coinbasetest.Server, n int) {
	t.Helper()
	x := srv.Sim()
	if err := x.Deposit(coinbasetest.DefaultAccount, "USDT", decimal.RequireFromString("1000000")); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		req := exchange.OrderRequest{Symbol: coinbasetest.BTC, Side: exchange.Buy, Type: exchange.LimitOrder, TIF: exchange.GTC,
			Qty: decimal.RequireFromString("0.001"), Price: decimal.NewFromInt(int64(20000 + i)), ClientID: coinbase.ClientIDPolicy.New(time.Now())}
		if _, _, err := x.Place(coinbasetest.DefaultAccount, req); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSnapshotInBatches: the user channel sends the open orders in
// batches of 50, done at the first batch of fewer (an empty one when the
// count is a multiple of 50), after the subscription's ack; a token
// refused is {"type":"error"} and subscribes nothing.
func TestSnapshotInBatches(t *testing.T) {
	for n, want := range map[int][]int{120: {50, 50, 20}, 100: {50, 50, 0}, 0: {0}} {
		srv := coinbasetest.NewServer()
		name, secret := keys[exchange.SchemeEd25519][0], keys[exchange.SchemeEd25519][1]
		if err := srv.AddKey(name, exchange.SchemeEd25519, secret, coinbasetest.Perms{}); err != nil {
			t.Fatal(err)
		}
		restingOrders(t, srv, n)
		key, _ := coinbase.ParseKey(name, exchange.SchemeEd25519, crypto.NewSecret([]byte(secret)))
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		conn, _, err := websocket.Dial(ctx, srv.WSURL, nil)
		if err != nil {
			t.Fatal(err)
		}
		conn.SetReadLimit(1 << 20)
		send := func(claims coinbase.Claims) {
			tok, _ := key.Token(claims)
			b, _ := json.Marshal(map[string]string{"type": "subscribe", "channel": "user", "jwt": tok})
			if err := conn.Write(ctx, websocket.MessageText, b); err != nil {
				t.Fatal(err)
			}
		}
		read := func() map[string]any {
			_, b, err := conn.Read(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]any
			_ = json.Unmarshal(b, &m)
			return m
		}
		send(coinbase.ClaimsAt(name, srv.Sim().Now().Add(5*time.Second), ""))
		if m := read(); m["type"] != "error" || !strings.Contains(m["message"].(string), "auth") {
			t.Fatalf("a token not yet valid: %v", m)
		}
		send(coinbase.ClaimsAt(name, srv.Sim().Now(), ""))
		if m := read(); m["channel"] != "subscriptions" {
			t.Fatalf("first answer %v, want the subscription's ack", m)
		}
		var got []int
		for {
			m := read()
			ev := m["events"].([]any)[0].(map[string]any)
			if m["channel"] != "user" || ev["type"] != "snapshot" {
				t.Fatalf("%v, want a snapshot batch", m)
			}
			got = append(got, len(ev["orders"].([]any)))
			if got[len(got)-1] < coinbasetest.SnapshotBatch {
				break
			}
		}
		if !equal(got, want) {
			t.Errorf("%d open orders sent in batches %v, want %v", n, got, want)
		}
		conn.Close(websocket.StatusNormalClosure, "")
		cancel()
		srv.Close()
	}
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestStreamSnapshotAndFill: the client's stream hands out every order of
// a snapshot of several batches, marked as the snapshot, says balances are
// polled, and streams a fill as the growth of cumulative_quantity with
// its price.
func TestStreamSnapshotAndFill(t *testing.T) {
	srv := coinbasetest.New()
	ts := httptest.NewServer(srv)
	defer ts.Close()
	defer srv.Close()
	name, secret := keys[exchange.SchemeES256][0], keys[exchange.SchemeES256][1]
	if err := srv.AddKey(name, exchange.SchemeES256, secret, coinbasetest.Perms{}); err != nil {
		t.Fatal(err)
	}
	restingOrders(t, srv, 60)
	c, err := coinbase.New(coinbase.WithBaseURL(ts.URL), coinbase.WithNetwork(exchange.Testnet), coinbase.WithKey(name, crypto.NewSecret([]byte(secret))))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := c.Stream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if p, ok := st.(exchange.BalancesPolled); !ok || !p.BalancesPolled() {
		t.Fatal("the stream does not say balances are polled")
	}
	next := func() exchange.StreamEvent {
		select {
		case ev, ok := <-st.Events():
			if !ok {
				t.Fatalf("stream ended: %v", st.Err())
			}
			return ev
		case <-ctx.Done():
			t.Fatal("no event")
		}
		return exchange.StreamEvent{}
	}
	var top exchange.Order
	for range 60 {
		ev := next()
		if ev.Order == nil || !ev.Snapshot || ev.Order.Order.Status != exchange.StatusNew {
			t.Fatalf("%+v, want an open order of the snapshot", ev)
		}
		if ev.Order.Order.Price.GreaterThan(top.Price) {
			top = ev.Order.Order
		}
	}
	// The market falls to the highest bid: it fills.
	srv.Sim().SetPrice(coinbasetest.BTC, top.Price)
	for {
		ev := next()
		if ev.Order == nil || ev.Order.Order.OrderID != top.OrderID {
			continue
		}
		if ev.Snapshot || ev.Order.Kind != exchange.EventFill || !ev.Order.LastPrice.Equal(top.Price) || !ev.Order.LastQty.IsPositive() {
			t.Fatalf("%+v, want a fill at %s", ev.Order, top.Price)
		}
		break
	}
}
