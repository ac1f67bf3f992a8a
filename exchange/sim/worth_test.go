package sim

import (
	"testing"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
)

func TestBalancesWorth(t *testing.T) {
	x := newTestExchange(t) // alice: 100000 USDT, 2 BTC; BTCUSDT at 50000
	_, _, err := x.Place("alice", limit(exchange.Buy, exchange.GTC, "0.5", "40000", "rest"))
	must(t, err)
	must(t, x.Deposit("alice", "DOGE", d("7")))
	usd := func(asset string, amt decimal.Decimal) decimal.Decimal {
		if asset == "USDT" {
			return amt
		}
		if p, ok := x.Price(asset + "USDT"); ok {
			return amt.Mul(p)
		}
		return decimal.Zero
	}
	ws, total := x.BalancesWorth("alice", nil, usd)
	if len(ws) != 3 || ws[0].Asset != "BTC" || ws[1].Asset != "DOGE" || ws[2].Asset != "USDT" {
		t.Fatalf("worths %+v", ws)
	}
	// Locked funds count: value is of the total, not the free part.
	eqDec(t, "USDT locked", ws[2].Locked, "20000")
	eqDec(t, "USDT value", ws[2].Value, "100000")
	eqDec(t, "BTC value", ws[0].Value, "100000")
	eqDec(t, "unpriced DOGE", ws[1].Value, "0")
	eqDec(t, "total", total, "200000")

	ws, total = x.BalancesWorth("alice", []string{"BTC", "ETH"}, usd)
	if len(ws) != 1 || ws[0].Asset != "BTC" {
		t.Fatalf("filtered %+v", ws)
	}
	eqDec(t, "filtered total", total, "100000")
	if ws, total := x.BalancesWorth("nobody", nil, usd); len(ws) != 0 || !total.IsZero() {
		t.Errorf("unknown account: %+v %s", ws, total)
	}
}
