package views

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/vigil-trade/vigil/exchange"
)

// Issue 13: the form rendered each rule's own fix; for 0.00001 BTC at
// 60000 on Bybit's rules it offered 0.000017 for the minimum value, which
// is below the 0.000048 minimum quantity. It renders policy's verdict now:
// both violations name the order that passes every rule, and submitting
// it as offered leaves nothing to fix.
func TestOrderEntryRendersTheJointNearest(t *testing.T) {
	p := orderEntry(t)
	p.SetSize(100, 20)
	p.Update(RulesMsg{Account: acctNames[0], LastPrice: d("60000"), Rules: exchange.SymbolRules{
		Symbol: "BTCUSDT", Base: "BTC", Quote: "USDT", Trading: true, Kind: exchange.KindSpot,
		TickSize: d("0.01"), StepSize: d("0.000001"), MinQty: d("0.000048"), MaxQty: d("71"),
		MinNotional: d("1"), MaxNotional: d("2000000"), NotionalAppliesToMarket: true, PriceDecimals: 2, QtyDecimals: 6,
	}})
	p.Prefill(acctNames[0], "BTCUSDT")
	for p.Field() != FieldQty {
		p.Update(press(t, p.keys.Next))
	}
	typeText(p, "0.00001")
	p.Update(press(t, p.keys.Next))
	typeText(p, "60000")
	v := ansi.Strip(p.View())
	if strings.Contains(v, "0.000017") || strings.Count(v, "nearest qty 0.000048") != 2 {
		t.Fatalf("want both violations to offer 0.000048:\n%s", v)
	}
	if _, ok := findMsg[SubmitOrder](p.Update(press(t, p.keys.Submit))); ok {
		t.Fatal("submitted an order that breaks the rules")
	}
	p.Update(press(t, p.keys.Prev))
	for range len("0.00001") {
		p.Update(keyMsg("backspace"))
	}
	typeText(p, "0.000048")
	if v := ansi.Strip(p.View()); strings.Contains(v, "✗") || !strings.Contains(v, "✓ ready") {
		t.Fatalf("the offered quantity still fails:\n%s", v)
	}
}

// The typed confirmation the form announces is the symbol, and the funds
// it knows travel with the order so the confirmation can say why.
func TestOrderEntrySubmitCarriesWhatItJudged(t *testing.T) {
	p := orderEntry(t)
	p.SetSize(100, 20)
	p.Update(testRules())
	p.Prefill(acctNames[0], "BTCUSDT")
	for p.Field() != FieldQty {
		p.Update(press(t, p.keys.Next))
	}
	typeText(p, "0.3") // 15000 USDT: above the fixture's limit of 1000
	p.Update(press(t, p.keys.Next))
	typeText(p, "50000")
	v := ansi.Strip(p.View())
	if !strings.Contains(v, "above this account's limit 1000") || !strings.Contains(v, "type BTCUSDT to confirm") {
		t.Fatalf("the confirmation is not announced:\n%s", v)
	}
	s, ok := findMsg[SubmitOrder](p.Update(press(t, p.keys.Submit)))
	if !ok || len(s.Balances) == 0 || !s.Ref.Equal(d("50000")) {
		t.Fatalf("submit: %+v %v", s, ok)
	}
}
