package ui

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/feed/feedtest"
	"github.com/vigil-trade/vigil/views"
)

// quotingVenue is the test venue with a book: Quote answers bid, ask and
// last as set, or err; calls counts the requests.
type quotingVenue struct {
	*feedtest.Venue
	q     exchange.Quote
	err   error
	calls int
}

func (v *quotingVenue) Quote(ctx context.Context, symbol string) (exchange.Quote, error) {
	v.calls++
	if v.err != nil {
		return exchange.Quote{}, v.err
	}
	q := v.q
	q.Symbol = symbol
	return q, nil
}

// Issue 14: the order form showed no last price, best bid or ask. Now,
// while it has the keyboard, they are refreshed every 2 s through a
// command, shown with the symbol's digits, kept with a reason when a
// refresh fails, and not asked for once focus leaves the form.
func TestCockpitOrderFormShowsRefreshedQuote(t *testing.T) {
	v := &quotingVenue{Venue: feedtest.New(acctInfo("alpha", exchange.Testnet), fixedNow),
		q: exchange.Quote{Bid: dec("49999.99"), Ask: dec("50000.01"), Last: dec("50000")}}
	m := New(Deps{Venues: []exchange.Venue{v}, Now: fixedNow, NoColor: true, Dark: true})
	m.Update(tickMsg(t0))
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	m.Update(keyMsg(t, "o"))
	formKey(t, m, "next field")
	typeText(t, m, "BTCUSDT")
	m.Update(views.RulesMsg{Account: "alpha", LastPrice: dec("50000"), Rules: exchange.SymbolRules{
		Symbol: "BTCUSDT", Base: "BTC", Quote: "USDT", Trading: true,
		TickSize: dec("0.01"), MinPrice: dec("0.01"), MaxPrice: dec("1000000"),
		StepSize: dec("0.00001"), MinQty: dec("0.00001"), MaxQty: dec("9000"),
		MinNotional: dec("5"), PriceDecimals: 2, QtyDecimals: 5,
	}})
	tickAt := func(d time.Duration) {
		t.Helper()
		_, cmd := m.Update(tickMsg(t0.Add(d)))
		run(t, m, cmd)
	}
	// onScreen: every want is on one line of the rendered screen.
	onScreen := func(want ...string) bool {
		lines := strings.Split(ansi.Strip(m.Render()), "\n")
		for _, w := range want {
			if !slices.ContainsFunc(lines, func(l string) bool { return strings.Contains(l, w) }) {
				return false
			}
		}
		return true
	}

	tickAt(time.Second)
	if v.calls != 1 || !onScreen("  bid / ask 49999.99 / 50000.01 ", "  last      50000.00 ") {
		t.Fatalf("%d requests; no bid/ask/last on screen:\n%s", v.calls, ansi.Strip(m.Render()))
	}

	v.q = exchange.Quote{Bid: dec("50100"), Ask: dec("50100.5"), Last: dec("50100.25")}
	tickAt(2 * time.Second)
	if v.calls != 1 {
		t.Fatalf("asked again 1 s later: %d requests", v.calls)
	}
	tickAt(3 * time.Second)
	if v.calls != 2 || !onScreen("  bid / ask 50100.00 / 50100.50 ", "  last      50100.25 ") {
		t.Fatalf("%d requests; not refreshed after 2 s:\n%s", v.calls, ansi.Strip(m.Render()))
	}

	v.err = errors.New("binance: HTTP 503")
	tickAt(5 * time.Second)
	if !onScreen("  last      50100.25 ", "⚠ prices not refreshed: binance: HTTP 503") {
		t.Fatalf("a failed refresh hides the old prices or why:\n%s", ansi.Strip(m.Render()))
	}

	m.Update(keyMsg(t, "esc"))
	if m.Focused() == PaneOrderEntry {
		t.Fatal("esc left the form focused")
	}
	n := v.calls
	tickAt(9 * time.Second)
	if v.calls != n {
		t.Fatalf("prices asked for with the form not focused: %d requests, want %d", v.calls, n)
	}
}
