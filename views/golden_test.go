package views

import (
	"fmt"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/vigil-trade/vigil/exchange"
)

var sizes = []struct{ w, h int }{{78, 10}, {158, 20}, {80, 24}, {160, 48}}

func testRules() RulesMsg {
	return RulesMsg{Account: acctNames[0], LastPrice: d("50010.5"), Rules: exchange.SymbolRules{
		Symbol: "BTCUSDT", Base: "BTC", Quote: "USDT", Trading: true,
		TickSize: d("0.01"), MinPrice: d("0.01"), MaxPrice: d("1000000"),
		StepSize: d("0.00001"), MinQty: d("0.00001"), MaxQty: d("9000"),
		MinNotional: d("5"), PriceDecimals: 2, QtyDecimals: 5,
	}}
}

// panes builds every pane with the fixture fed, each as the cockpit would
// show it; the order entry has a half-typed order with a step violation.
func panes(t testing.TB, n int) []struct {
	name string
	p    Pane
} {
	st := testStyles()
	msgs := fixture(n)
	oe := NewOrderEntry(st)
	feed(oe, msgs)
	oe.Focus()
	oe.Update(testRules())
	oe.Update(keyMsg("down"))
	typeText(oe, "BTCUSDT")
	oe.Update(keyMsg("down"))
	oe.Update(keyMsg("down"))
	oe.Update(keyMsg("down"))
	typeText(oe, "0.0012345")
	oe.Update(keyMsg("down"))
	typeText(oe, "50000.5")

	out := []struct {
		name string
		p    Pane
	}{
		{"keys", NewKeys(st)}, {"clock", NewClock(st)}, {"budgets", NewBudgets(st)},
		{"balances", NewBalances(st)}, {"blotter", NewBlotter(st)}, {"eventlog", NewEventLog(st)},
	}
	for _, x := range out {
		feed(x.p, msgs)
	}
	out = append(out, struct {
		name string
		p    Pane
	}{"orderentry", oe})
	return out
}

func TestGoldenViews(t *testing.T) {
	for _, x := range panes(t, 5) {
		for _, sz := range sizes {
			x.p.SetSize(sz.w, sz.h)
			v := x.p.View()
			name := fmt.Sprintf("%s_%dx%d", x.name, sz.w, sz.h)
			assertFits(t, name, v, sz.w, sz.h)
			golden(t, name, v)
		}
	}
}

func TestStatusLineGolden(t *testing.T) {
	s := NewStatusLine(testStyles())
	feed(s, fixture(5))
	s.SetMode(true, false)
	s.SetFocus("Orders")
	for _, w := range []int{78, 158} {
		s.SetWidth(w)
		assertFits(t, "status", s.View(), w, 1)
		golden(t, fmt.Sprintf("statusline_%d", w), s.View())
	}
}

// TestFitSweep checks every pane at every width from 20 to 200, at short
// and tall heights, with the selection moved and focus on.
func TestFitSweep(t *testing.T) {
	ps := panes(t, 5)
	t.Run("sweep", func(t *testing.T) {
		for _, x := range ps {
			sweepPane(t, x.name, x.p)
		}
	})
	s := NewStatusLine(testStyles())

	feed(s, fixture(5))
	for w := 20; w <= 200; w++ {
		s.SetWidth(w)
		assertFits(t, "status", s.View(), w, 1)
	}
	scrolledEndFits(t, ps)
}

func sweepPane(t *testing.T, name string, p Pane) {
	p.Focus()
	t.Run(name, func(t *testing.T) {
		t.Parallel()
		for w := 20; w <= 200; w++ {
			for _, h := range []int{1, 4, 24} {
				p.SetSize(w, h)
				assertFits(t, name, p.View(), w, h)
			}
		}
	})
}

// scrolledEndFits: scrolled to the end, the windows must still fit.
func scrolledEndFits(t *testing.T, ps []struct {
	name string
	p    Pane
}) {
	for _, x := range ps {
		x.p.SetSize(60, 5)
		if _, ok := x.p.(*OrderEntry); ok {
			continue
		}
		x.p.Update(tea.KeyPressMsg(keyMsg("end")))
		assertFits(t, x.name+" end", x.p.View(), 60, 5)
	}
}
