package exchange

import (
	"slices"
	"testing"
)

func TestRuleBook(t *testing.T) {
	var b RuleBook
	if b.Loaded() {
		t.Fatal("zero book is loaded")
	}
	// A venue that lists nothing tradable is still loaded: no refetch on
	// every call.
	b.Set([]SymbolRules{{Symbol: "OLD-USDT"}})
	if !b.Loaded() || len(b.Symbols()) != 0 {
		t.Fatalf("loaded %v, symbols %v", b.Loaded(), b.Symbols())
	}
	b.Set([]SymbolRules{{Symbol: "ETHUSDT", Trading: true}, {Symbol: "HALTED"}, {Symbol: "BTCUSDT", Trading: true}})
	if got := b.Symbols(); !slices.Equal(got, []string{"ETHUSDT", "BTCUSDT"}) {
		t.Fatalf("symbols %v, want the trading ones in the given order", got)
	}
	got := b.Symbols()
	got[0] = "mutated"
	if b.Symbols()[0] != "ETHUSDT" {
		t.Fatal("Symbols shares its slice")
	}
	if r, ok := b.Get("HALTED"); !ok || r.Trading {
		t.Fatalf("halted symbol: %+v %v", r, ok)
	}
	if _, ok := b.Get("OLD-USDT"); ok {
		t.Fatal("Set did not replace the book")
	}
	b.Reset()
	if _, ok := b.Get("BTCUSDT"); ok || b.Loaded() {
		t.Fatal("Reset kept rules")
	}
}
