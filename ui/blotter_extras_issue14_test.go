package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/views"
)

// Issue 14, pressed through the real root model: the blotter's open-only
// toggle, column sort, average fill price and copy keys reach it when it
// has focus, and the screen says what they did.
func TestCockpitBlotterSortOpenOnlyCopy(t *testing.T) {
	m := realModel(t, 160, 48)
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Minute) }
	orders := []exchange.Order{
		{Account: "alpha", Symbol: "ETHUSDT", Side: exchange.Buy, Type: exchange.LimitOrder, Price: dec("3000"), Qty: dec("0.1"),
			Status: exchange.StatusNew, ClientID: "vgx-eth", OrderID: "11", Created: at(1), Updated: at(1)},
		{Account: "alpha", Symbol: "ADAUSDT", Side: exchange.Sell, Type: exchange.LimitOrder, Price: dec("0.5"), Qty: dec("100"),
			Status: exchange.StatusNew, ClientID: "vgx-ada", OrderID: "12", Created: at(2), Updated: at(2)},
		{Account: "alpha", Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.MarketOrder, Qty: dec("0.002"), Filled: dec("0.002"),
			QuoteFilled: dec("120.025"), Status: exchange.StatusFilled, ClientID: "vgx-btc", OrderID: "13", Created: at(3), Updated: at(3)},
	}
	m.Update(views.OrdersMsg{Account: "alpha", Orders: orders})
	keys(t, m, "5")
	if m.Focused() != PaneBlotter {
		t.Fatalf("5: focus %v", m.Focused())
	}
	if s := screen(m); !strings.Contains(s, "≈60012.5") {
		t.Fatalf("market order's average fill price not shown:\n%s", s)
	}
	keys(t, m, "a")
	if s := screen(m); strings.Contains(s, "≈60012.5") || !strings.Contains(s, "open only") {
		t.Fatalf("a: filled order still shown or open only not said:\n%s", s)
	}
	keys(t, m, "a", "s")
	s := screen(m)
	if !strings.Contains(s, "symbol▲") {
		t.Fatalf("s: header does not say symbol▲:\n%s", s)
	}
	var syms []string
	for _, l := range strings.Split(s, "\n") {
		for _, f := range strings.Fields(l) {
			if strings.HasSuffix(f, "USDT") && (strings.Contains(l, "LIMIT") || strings.Contains(l, "MARKET")) {
				syms = append(syms, f)
				break
			}
		}
	}
	if got := strings.Join(syms, " "); got != "ADAUSDT BTCUSDT ETHUSDT" {
		t.Fatalf("s: rows %q, want by symbol:\n%s", got, s)
	}
	cmd := keys(t, m, "y")
	if cmd == nil || fmt.Sprint(cmd()) != fmt.Sprint(tea.SetClipboard("vgx-ada")()) {
		t.Fatal("y did not set the clipboard to the selected client id")
	}
	if s := screen(m); !strings.Contains(s, "copied client id vgx-ada") {
		t.Fatalf("y: no confirmation on screen:\n%s", s)
	}
}
