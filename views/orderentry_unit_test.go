package views

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/vigil-trade/vigil/exchange"
)

// TestOrderEntrySaysWhatTheQuantityCounts: a derivative's quantity is in
// the venue's unit, not always the coin; the form says which beside the
// typed quantity, with the USD notional below (10 contracts of 10 USD:
// 100 USD). A spot symbol's quantity is the base, as everywhere, and
// gets no word.
func TestOrderEntrySaysWhatTheQuantityCounts(t *testing.T) {
	inverse := exchange.SymbolRules{Symbol: "BTC-PERPETUAL", Base: "BTC", Quote: "USD", Trading: true,
		Kind: exchange.KindPerpetual, Unit: exchange.UnitQuote, ContractSize: d("10"), Settle: "BTC",
		TickSize: d("0.5"), StepSize: d("1"), MinQty: d("1"), PriceDecimals: 1}
	p := orderEntry(t)
	p.SetSize(60, 20)
	p.Update(RulesMsg{Account: acctNames[0], LastPrice: d("65000"), Rules: inverse})
	p.Prefill(acctNames[0], "BTC-PERPETUAL")
	for p.Field() != FieldQty {
		p.Update(press(t, p.keys.Next))
	}
	typeText(p, "10")
	p.Update(press(t, p.keys.Next))
	typeText(p, "65000")
	v := ansi.Strip(p.View())
	if !strings.Contains(v, "quantity  10") || !strings.Contains(v, "notional  100 USD") {
		t.Fatalf("the unit or the USD notional is missing:\n%s", v)
	}
	lines := strings.Split(v, "\n")
	for i, l := range lines {
		if strings.Contains(l, "quantity  10") && (i+1 == len(lines) || strings.TrimSpace(lines[i+1]) != "contracts of 10 USD") {
			t.Fatalf("the unit is not under the quantity:\n%s", v)
		}
	}

	for r, want := range map[exchange.SymbolRules]string{
		{Kind: exchange.KindPerpetual, Unit: exchange.UnitContracts, ContractSize: d("0.001"), Base: "BTC", Quote: "USDT"}: "contracts of 0.001 BTC",
		{Kind: exchange.KindPerpetual, Base: "BTC", Quote: "USDC"}:                                                         "BTC",
		{Kind: exchange.KindSpot, Base: "BTC", Quote: "USDT"}:                                                              "",
	} {
		if got := QtyUnitWords(r); got != want {
			t.Errorf("%+v: %q, want %q", r, got, want)
		}
	}
}
