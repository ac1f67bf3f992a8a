package sim

import (
	"testing"

	"github.com/vigil-trade/vigil/exchange"
)

func TestForgetIsATestnetReset(t *testing.T) {
	x := newTestExchange(t)
	rest, _, err := x.Place("alice", exchange.OrderRequest{Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.LimitOrder,
		TIF: exchange.GTC, Qty: d("0.01"), Price: d("40000"), ClientID: "rest"})
	must(t, err)
	if b := x.Balance("alice", "USDT"); !b.Locked.IsPositive() {
		t.Fatalf("a resting buy locks nothing: %+v", b)
	}
	if n := x.Forget("alice"); n != 1 {
		t.Fatalf("forgot %d orders, want 1", n)
	}
	if _, ok := x.OrderByClientID("alice", "rest"); ok {
		t.Fatal("the forgotten order is still found by client id")
	}
	id, _ := ParseOrderID(rest.OrderID)
	if _, ok := x.OrderByID("alice", id); ok {
		t.Fatal("the forgotten order is still found by id")
	}
	if len(x.OpenOrders("alice", "")) != 0 || len(x.Orders("alice")) != 0 {
		t.Fatal("the forgotten order is still listed")
	}
	if b := x.Balance("alice", "USDT"); !b.Locked.IsZero() || !b.Free.Equal(d("100000")) {
		t.Fatalf("the reset kept the order's lock: %+v", b)
	}
	x.SetPrice("BTCUSDT", d("30000"))
	x.Step()
	if len(x.Orders("alice")) != 0 {
		t.Fatal("the book still fills the forgotten order")
	}
}
