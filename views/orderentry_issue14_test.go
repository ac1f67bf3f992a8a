package views

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/vigil-trade/vigil/exchange"
)

// line is the first rendered line of the form that starts (after the
// focus mark) with label.
func formLine(t *testing.T, p *OrderEntry, label string) string {
	t.Helper()
	for _, l := range strings.Split(ansi.Strip(p.View()), "\n") {
		if strings.HasPrefix(strings.TrimLeft(l, "▸ "), label) {
			return l
		}
	}
	t.Fatalf("no %q line in:\n%s", label, ansi.Strip(p.View()))
	return ""
}

// Issue 14: empty fields showed `BTCUSDT`, `0.001`, `50000` as if typed,
// beside "quantity: required"; with NO_COLOR nothing told them apart.
func TestOrderEntryPlaceholdersReadAsHints(t *testing.T) {
	for _, noColor := range []bool{false, true} {
		st := NewStyles(true, noColor)
		p := NewOrderEntry(&st)
		// Before the venue's symbol list arrives: once it has, the
		// symbol starts on the first listed one, not empty.
		for _, m := range fixture(5) {
			if _, ok := m.(SymbolsMsg); !ok {
				feed(p, []tea.Msg{m})
			}
		}
		p.SetSize(78, 14)
		p.Focus()
		// Blurred fields, then each field focused in turn.
		for range 6 {
			for _, c := range []struct{ label, hint string }{
				{"symbol", "(e.g. BTCUSDT)"}, {"quantity", "(e.g. 0.001)"}, {"price", "(e.g. 50000)"},
			} {
				l := formLine(t, p, c.label)
				if !strings.Contains(l, c.hint) {
					t.Errorf("noColor=%v: empty %s reads as typed, want the hint %q: %q", noColor, c.label, c.hint, l)
				}
			}
			if v := ansi.Strip(p.View()); !strings.Contains(v, "quantity: required") {
				t.Fatalf("noColor=%v: the empty quantity is not said to be required:\n%s", noColor, v)
			}
			p.Update(press(t, p.keys.Next))
		}
		// Typed, the value shows alone.
		for p.Field() != FieldQty {
			p.Update(press(t, p.keys.Next))
		}
		typeText(p, "0.002")
		if l := formLine(t, p, "quantity"); strings.Contains(l, "e.g.") || !strings.Contains(l, "0.002") {
			t.Errorf("noColor=%v: typed quantity %q", noColor, l)
		}
	}
}

// Issue 14: switching the form's account kept the previous venue's
// symbol, so an OKX account waited forever for `BTCUSDT` rules.
func TestOrderEntryAccountSwitchResetsSymbol(t *testing.T) {
	p := orderEntry(t)
	p.Update(SymbolsMsg{Account: acctNames[1], Symbols: []string{"ETH-USDT", "BTC-USDT", "SOL-USDT"}})
	p.Update(press(t, p.keys.Next))
	typeText(p, "BTCUSDT")
	p.Update(press(t, p.keys.Prev))
	if p.Field() != FieldAccount {
		t.Fatalf("field %v", p.Field())
	}
	nr, ok := findMsg[NeedRules](p.Update(press(t, p.keys.Cycle)))
	if p.Account() != acctNames[1] {
		t.Fatalf("account %q", p.Account())
	}
	if l := formLine(t, p, "symbol"); !strings.Contains(l, "BTC-USDT") {
		t.Fatalf("symbol not reset to one %s lists: %q", acctNames[1], l)
	}
	if !ok || nr != (NeedRules{Account: acctNames[1], Symbol: "BTC-USDT"}) {
		t.Fatalf("NeedRules %+v %v", nr, ok)
	}
	if v := ansi.Strip(p.View()); strings.Contains(v, "waiting for BTCUSDT") {
		t.Fatalf("still waits for the old venue's symbol:\n%s", v)
	}
	// A symbol with no counterpart becomes the first listed.
	p.Update(SymbolsMsg{Account: acctNames[2], Symbols: []string{"XRPEUR", "ADAEUR"}})
	p.Update(press(t, p.keys.Cycle))
	if p.Account() != acctNames[2] {
		t.Fatalf("account %q", p.Account())
	}
	if l := formLine(t, p, "symbol"); !strings.Contains(l, "XRPEUR") {
		t.Fatalf("symbol not reset to the first listed: %q", l)
	}
	// Back on an account whose list holds the symbol, it stays.
	p.Update(SymbolsMsg{Account: acctNames[3], Symbols: []string{"BTCUSDT", "XRPEUR"}})
	p.Update(press(t, p.keys.Cycle))
	if l := formLine(t, p, "symbol"); !strings.Contains(l, "XRPEUR") {
		t.Fatalf("a listed symbol was changed: %q", l)
	}
}

// Issue 14: a symbol list that arrives after the switch still resets it.
func TestOrderEntryAccountSwitchBeforeSymbolsArrive(t *testing.T) {
	p := NewOrderEntry(testStyles())
	feed(p, []tea.Msg{fixtureAccounts(2), SymbolsMsg{Account: acctNames[0], Symbols: []string{"BTCUSDT"}}})
	p.SetSize(78, 14)
	p.Focus()
	p.Update(press(t, p.keys.Next))
	typeText(p, "BTCUSDT")
	p.Update(press(t, p.keys.Prev))
	p.Update(press(t, p.keys.Cycle))
	nr, ok := findMsg[NeedRules](p.Update(SymbolsMsg{Account: acctNames[1], Symbols: []string{"ETH-USDT", "BTC-USDT"}}))
	if l := formLine(t, p, "symbol"); !strings.Contains(l, "BTC-USDT") || !ok || nr.Symbol != "BTC-USDT" {
		t.Fatalf("symbol %q, NeedRules %+v %v", l, nr, ok)
	}
}

// Issue 14: a 720,000 USDT buy on a 10,000 USDT account showed "✓ ready".
func TestOrderEntryWarnsOfShortFunds(t *testing.T) {
	p := orderEntry(t)
	p.SetSize(78, 16)
	p.Update(testRules())
	p.Prefill(acctNames[0], "BTCUSDT")
	for p.Field() != FieldQty {
		p.Update(press(t, p.keys.Next))
	}
	typeText(p, "14.4")
	p.Update(press(t, p.keys.Next))
	typeText(p, "50000")
	v := ansi.Strip(p.View())
	if strings.Contains(v, "✓ ready") {
		t.Fatalf("720000 USDT buy with 10234.5 USDT free reads ready:\n%s", v)
	}
	if !strings.Contains(v, "needs 720000 USDT, 10234.5 USDT free") || !strings.Contains(v, "funds short") {
		t.Fatalf("no funds warning:\n%s", v)
	}
	// A warning, not a block: the venue decides.
	if _, ok := findMsg[SubmitOrder](p.Update(press(t, p.keys.Submit))); !ok {
		t.Fatalf("a funds warning blocked submit:\n%s", v)
	}
	// Within what is free: ready, no warning.
	p.Update(press(t, p.keys.Prev))
	for range 4 {
		p.Update(keyMsg("backspace"))
	}
	typeText(p, "0.1")
	if v := ansi.Strip(p.View()); !strings.Contains(v, "✓ ready") || strings.Contains(v, "funds short") {
		t.Fatalf("0.1 BTC at 50000 with 10234.5 USDT free:\n%s", v)
	}
	// A sell is held against the base asset: 0.51234567 BTC free.
	p.Update(press(t, p.keys.Prev))
	p.Update(press(t, p.keys.Prev))
	if p.Field() != FieldSide {
		t.Fatalf("field %v", p.Field())
	}
	p.Update(press(t, p.keys.Cycle)) // SELL
	if v := ansi.Strip(p.View()); strings.Contains(v, "funds short") || !strings.Contains(v, "✓ ready") {
		t.Fatalf("sell 0.1 BTC with 0.51234567 free:\n%s", v)
	}
	for p.Field() != FieldQty {
		p.Update(press(t, p.keys.Next))
	}
	p.Update(keyMsg("backspace"))
	typeText(p, "6")
	if v := ansi.Strip(p.View()); !strings.Contains(v, "needs 0.6 BTC, 0.51234567 BTC free") {
		t.Fatalf("sell 0.6 BTC with 0.51234567 free, no warning:\n%s", v)
	}
	// A market buy is valued at the last price: 0.6 × 50010.5.
	p.Update(press(t, p.keys.Prev))
	p.Update(press(t, p.keys.Prev)) // side
	p.Update(press(t, p.keys.Cycle))
	p.Update(press(t, p.keys.Next))
	p.Update(press(t, p.keys.Cycle)) // MARKET
	if got := p.req; got.Type != exchange.MarketOrder || got.Side != exchange.Buy {
		t.Fatalf("req %+v", got)
	}
	if v := ansi.Strip(p.View()); !strings.Contains(v, "needs 30006.3 USDT, 10234.5 USDT free") {
		t.Fatalf("market buy of 30006.3 USDT with 10234.5 free, no warning:\n%s", v)
	}
}

// A symbol typed after the switch is the user's: the list arriving later
// leaves it alone.
func TestOrderEntryAccountSwitchKeepsWhatIsTypedAfter(t *testing.T) {
	p := NewOrderEntry(testStyles())
	feed(p, []tea.Msg{fixtureAccounts(2), SymbolsMsg{Account: acctNames[0], Symbols: []string{"BTCUSDT"}}})
	p.SetSize(78, 14)
	p.Focus()
	p.Update(press(t, p.keys.Next))
	typeText(p, "BTCUSDT")
	p.Update(press(t, p.keys.Prev))
	p.Update(press(t, p.keys.Cycle))
	p.Update(press(t, p.keys.Next))
	for range 7 {
		p.Update(keyMsg("backspace"))
	}
	typeText(p, "DOGE-USDT")
	p.Update(SymbolsMsg{Account: acctNames[1], Symbols: []string{"ETH-USDT", "BTC-USDT"}})
	if l := formLine(t, p, "symbol"); !strings.Contains(l, "DOGE-USDT") {
		t.Fatalf("typed symbol replaced: %q", l)
	}
}
