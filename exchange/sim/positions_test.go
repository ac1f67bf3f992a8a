package sim

import (
	"testing"

	"github.com/vigil-trade/vigil/exchange"
)

// TestPositionsFromFills: a perp's fills add up to a position as venues
// keep one: adding moves the entry to the average, reducing keeps it,
// turning opens the rest at the fill's price; a spot symbol has none.
func TestPositionsFromFills(t *testing.T) {
	x := New(WithFeeRate(d("0")))
	perp := btcRules()
	perp.Symbol, perp.Kind = "BTC-PERP", exchange.KindPerpetual
	must(t, x.AddSymbol(SymbolSpec{Rules: perp, Price: d("100"), Walk: d("0")}))
	must(t, x.AddSymbol(SymbolSpec{Rules: btcRules(), Price: d("100"), Walk: d("0")}))
	must(t, x.Deposit("a", "USDT", d("100000")))
	must(t, x.Deposit("a", "BTC", d("100")))
	trade := func(side exchange.Side, qty, at, cid string) {
		t.Helper()
		x.SetPrice("BTC-PERP", d(at))
		req := exchange.OrderRequest{Symbol: "BTC-PERP", Side: side, Type: exchange.MarketOrder, Qty: d(qty), ClientID: cid}
		if o, _, err := x.Place("a", req); err != nil || !o.Filled.Equal(d(qty)) {
			t.Fatalf("%s %s at %s: %+v %v", side, qty, at, o, err)
		}
	}
	want := func(size, entry string) {
		t.Helper()
		ps := x.Positions("a")
		if size == "0" {
			if len(ps) != 0 {
				t.Fatalf("positions %+v, want flat", ps)
			}
			return
		}
		if len(ps) != 1 || !ps[0].Size.Equal(d(size)) || !ps[0].Entry.Equal(d(entry)) {
			t.Fatalf("positions %+v, want %s from %s", ps, size, entry)
		}
	}
	trade(exchange.Buy, "2", "100", "o1")
	want("2", "100")
	trade(exchange.Buy, "2", "110", "o2") // adds: the average
	want("4", "105")
	trade(exchange.Sell, "1", "120", "o3") // reduces: entry kept
	want("3", "105")
	trade(exchange.Sell, "5", "90", "o4") // turns: short 2 from 90
	want("-2", "90")
	trade(exchange.Buy, "2", "95", "o5")
	want("0", "")
	// A spot fill is no position.
	x.SetPrice("BTCUSDT", d("100"))
	if _, _, err := x.Place("a", exchange.OrderRequest{Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.MarketOrder, Qty: d("1"), ClientID: "s1"}); err != nil {
		t.Fatal(err)
	}
	want("0", "")
}
