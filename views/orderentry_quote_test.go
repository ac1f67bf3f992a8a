package views

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/vigil-trade/vigil/exchange"
)

// TestOrderEntryQuoteLine: the form shows the symbol's best bid, best ask
// and last price with the symbol's digits, the market notional follows the
// refreshed last price, and a failed refresh keeps the old prices with
// their age and why (issue 14).
func TestOrderEntryQuoteLine(t *testing.T) {
	p := orderEntry(t)
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	p.Update(TickMsg{Now: t0})
	if _, _, ok := p.WantQuote(); ok {
		t.Fatal("wants prices before the symbol's rules are known")
	}
	p.Update(testRules())
	p.Prefill(acctNames[0], "BTCUSDT")
	acct, sym, ok := p.WantQuote()
	if !ok || acct != acctNames[0] || sym != "BTCUSDT" {
		t.Fatalf("WantQuote = %q %q %v", acct, sym, ok)
	}
	if v := ansi.Strip(p.View()); strings.Contains(v, "bid / ask") {
		t.Fatalf("a market line before any prices arrived:\n%s", v)
	}
	p.Update(QuoteMsg{Account: acctNames[0], Symbol: "BTCUSDT", At: t0,
		Quote: exchange.Quote{Symbol: "BTCUSDT", Bid: d("61000.5"), Ask: d("61001"), Last: d("61000.75")}})
	if v := ansi.Strip(p.View()); !strings.Contains(v, "  bid / ask 61000.50 / 61001.00\n") || !strings.Contains(v, "  last      61000.75\n") {
		t.Fatalf("no bid/ask/last:\n%s", v)
	}

	// A market order's notional is qty × the refreshed last, not the
	// price fetched with the rules (50010.5).
	for p.Field() != FieldType {
		p.Update(press(t, p.keys.Next))
	}
	p.Update(press(t, p.keys.Cycle)) // MARKET
	p.Update(press(t, p.keys.Next))
	typeText(p, "0.01")
	if v := ansi.Strip(p.View()); !strings.Contains(v, "notional  610.0075 USDT (at last price 61000.75)") {
		t.Fatalf("market notional does not follow the refreshed last price:\n%s", v)
	}

	// A failed refresh: the prices stand, with their age and why.
	p.Update(TickMsg{Now: t0.Add(14 * time.Second)})
	p.Update(QuoteMsg{Account: acctNames[0], Symbol: "BTCUSDT", Err: "timed out (venue not answering)"})
	v := ansi.Strip(p.View())
	if !strings.Contains(v, "last      61000.75 · 14s old") || !strings.Contains(strings.Join(strings.Fields(v), " "), "prices not refreshed: timed out (venue not answering)") {
		t.Fatalf("a failed refresh hides the prices' age or the reason:\n%s", v)
	}

	// Not refreshed while the form does not have the keyboard.
	p.Blur()
	if _, _, ok := p.WantQuote(); ok {
		t.Fatal("wants prices while the form does not have the keyboard")
	}
}
