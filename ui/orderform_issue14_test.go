package ui

import (
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/feed/feedtest"
	"github.com/vigil-trade/vigil/views"
)

// formCockpit is the cockpit with its real panes, NO_COLOR, one testnet
// account, at w×h, with the order form opened.
func formCockpit(t *testing.T, w, h int) *Model {
	t.Helper()
	v := feedtest.New(acctInfo("alpha", exchange.Testnet), fixedNow)
	m := New(Deps{Venues: []exchange.Venue{v}, Now: fixedNow, NoColor: true, Dark: true})
	m.Update(tickMsg(t0))
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	m.Update(keyMsg(t, "o"))
	if m.Focused() != PaneOrderEntry {
		t.Fatalf("o: focus %v", m.Focused())
	}
	return m
}

// formKey presses the order form's own binding whose help says desc, so
// the test follows the form's keymap.
func formKey(t *testing.T, m *Model, desc string) {
	t.Helper()
	for _, col := range m.panes[PaneOrderEntry].FullHelp() {
		for _, b := range col {
			if b.Help().Desc == desc {
				k := keyMsg(t, b.Keys()[0])
				if !key.Matches(k, b) {
					t.Fatalf("key %q does not match %q", b.Keys()[0], desc)
				}
				m.Update(k)
				return
			}
		}
	}
	t.Fatalf("the order form has no %q key", desc)
}

func formScreenLine(t *testing.T, m *Model, label string) string {
	t.Helper()
	for _, l := range strings.Split(ansi.Strip(m.Render()), "\n") {
		if strings.Contains(l, " "+label+"  ") {
			return l
		}
	}
	t.Fatalf("no %q on screen:\n%s", label, ansi.Strip(m.Render()))
	return ""
}

// Issue 14: with NO_COLOR the empty form showed BTCUSDT, 0.001 and 50000
// exactly as typed values, beside "quantity: required".
func TestCockpitOrderFormPlaceholdersAreHints(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 40}} {
		m := formCockpit(t, sz[0], sz[1])
		for _, c := range [][2]string{{"quantity", "(e.g. 0.001)"}, {"price", "(e.g. 50000)"}} {
			if l := formScreenLine(t, m, c[0]); !strings.Contains(l, c[1]) {
				t.Errorf("%dx%d: empty %s reads as typed, want %q: %q", sz[0], sz[1], c[0], c[1], l)
			}
		}
	}
}

// Issue 14: a 720,000 USDT buy on a 10,000 USDT account showed "✓ ready".
func TestCockpitOrderFormWarnsOfShortFunds(t *testing.T) {
	m := formCockpit(t, 120, 40)
	m.Update(views.BalancesMsg{Account: "alpha", At: t0, Balances: []exchange.Balance{
		{Asset: "USDT", Free: dec("10000"), Locked: dec("0")}, {Asset: "BTC", Free: dec("1")}}})
	m.Update(views.RulesMsg{Account: "alpha", LastPrice: dec("50000"), Rules: exchange.SymbolRules{
		Symbol: "BTCUSDT", Base: "BTC", Quote: "USDT", Trading: true,
		TickSize: dec("0.01"), MinPrice: dec("0.01"), MaxPrice: dec("1000000"),
		StepSize: dec("0.00001"), MinQty: dec("0.00001"), MaxQty: dec("9000"), MinNotional: dec("5"),
		PriceDecimals: 2, QtyDecimals: 5}})
	formKey(t, m, "next field")
	typeText(t, m, "BTCUSDT")
	formKey(t, m, "next field") // side
	formKey(t, m, "next field") // type
	formKey(t, m, "next field") // quantity
	typeText(t, m, "14.4")
	formKey(t, m, "next field") // price
	typeText(t, m, "50000")
	s := ansi.Strip(m.Render())
	if strings.Contains(s, "✓ ready") || !strings.Contains(s, "needs 720000 USDT, 10000 USDT") ||
		!strings.Contains(s, "ready, funds short") {
		t.Fatalf("720000 USDT buy with 10000 USDT free:\n%s", s)
	}
}
