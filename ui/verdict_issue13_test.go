package ui

import (
	"strings"
	"testing"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/views"
)

// Issue 13: the root model judged an order with its own checks, blind to
// the balances the form warned about. It renders policy's verdict on what
// the form submitted: funds short asks for the symbol typed, and "yes" is
// not the symbol.
func TestCockpitFundsShortNeedsTheSymbolTyped(t *testing.T) {
	m := formCockpit(t, 120, 40)
	m.Update(views.BalancesMsg{Account: "alpha", At: t0, Balances: []exchange.Balance{
		{Asset: "USDT", Free: dec("100")}, {Asset: "BTC", Free: dec("1")}}})
	m.Update(views.RulesMsg{Account: "alpha", LastPrice: dec("50000"), Rules: exchange.SymbolRules{
		Symbol: "BTCUSDT", Base: "BTC", Quote: "USDT", Trading: true,
		TickSize: dec("0.01"), StepSize: dec("0.00001"), MinQty: dec("0.00001"), MinNotional: dec("5")}})
	formKey(t, m, "next field")
	typeText(t, m, "BTCUSDT")
	formKey(t, m, "next field") // side
	formKey(t, m, "next field") // type
	formKey(t, m, "next field") // quantity
	typeText(t, m, "0.01")      // 500 USDT with 100 free, under the 1000 limit
	formKey(t, m, "next field") // price
	typeText(t, m, "50000")
	_, cmd := m.Update(keyMsg(t, "enter")) // the form's submit: an intent the model takes
	run(t, m, cmd)
	if m.dialog == nil || m.dialog.typed != "BTCUSDT" || !strings.Contains(m.dialog.why, "funds short: needs 500 USDT, 100 USDT free") {
		t.Fatalf("dialog %+v", m.dialog)
	}
	typeText(t, m, "yes")
	m.Update(keyMsg(t, "enter"))
	if m.dialog == nil || !m.dialog.wrong {
		t.Fatal("yes confirmed an order that needs the symbol typed")
	}
}
