package sim

import "testing"

func TestAddSymbolsStopsAtTheFirstRefusal(t *testing.T) {
	x := New()
	eth := btcRules()
	eth.Symbol, eth.Base = "ETHUSDT", "ETH"
	bad := btcRules()
	bad.Symbol, bad.TickSize = "BADUSDT", d("0")
	late := btcRules()
	late.Symbol, late.Base = "LTCUSDT", "LTC"
	err := x.AddSymbols(
		SymbolSpec{Rules: btcRules(), Price: d("50000")},
		SymbolSpec{Rules: eth, Price: d("3000")},
		SymbolSpec{Rules: bad, Price: d("1")},
		SymbolSpec{Rules: late, Price: d("80")},
	)
	if err == nil {
		t.Fatal("a zero tick was listed")
	}
	var got []string
	for _, r := range x.Symbols() {
		got = append(got, r.Symbol)
	}
	if len(got) != 2 || got[0] != "BTCUSDT" || got[1] != "ETHUSDT" {
		t.Errorf("listed %v, want BTCUSDT ETHUSDT", got)
	}
	if err := x.AddSymbols(); err != nil {
		t.Errorf("nothing to list: %v", err)
	}
}
