package views

import (
	"errors"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/vigil-trade/vigil/exchange"
)

var (
	perpLong = exchange.Position{Symbol: "BTC-PERPETUAL", Kind: exchange.KindPerpetual, Size: d("1000"), Unit: "USD",
		Entry: d("97000"), Mark: d("97500"), Liquidation: d("61000.5"), PnL: d("0.00005287"), Settle: "BTC",
		Notional: d("1000"), NotionalIn: "USD"}
	perpShortNearLiq = exchange.Position{Symbol: "ETH", Kind: exchange.KindPerpetual, Size: d("-2.5"), Unit: "ETH",
		Entry: d("3400"), Mark: d("3500"), Liquidation: d("3600"), PnL: d("-250"), Settle: "USDC",
		Notional: d("8750"), NotionalIn: "USD"}
)

func positionsPane(w, h int, msgs ...tea.Msg) *Positions {
	p := NewPositions(testStyles())
	p.SetSize(w, h)
	feed(p, append([]tea.Msg{fixtureAccounts(3), TickMsg{Now: t0}}, msgs...))
	return p
}

// TestPositionsShowWhatTheVenueSays: size in the venue's unit with its
// side, the notional beside it, entry, mark, liquidation and PnL; a short
// whose mark is within 10% of liquidation says how far it is; accounts
// that sent no positions (spot venues) are not listed.
func TestPositionsShowWhatTheVenueSays(t *testing.T) {
	p := positionsPane(150, 12,
		PositionsMsg{Account: acctNames[0], At: t0, Positions: []exchange.Position{perpLong}},
		PositionsMsg{Account: acctNames[2], At: t0, Positions: []exchange.Position{perpShortNearLiq}})
	v := ansi.Strip(p.View())
	assertFits(t, "positions", p.View(), 150, 12)
	for _, want := range []string{acctNames[0], "BTC-PERPETUAL", "long", "1000 USD", "97000", "97500", "61000.5", "+0.00005287 BTC", "≈ 1000 USD",
		acctNames[2], "short", "2.5 ETH", "-250", "USDC", "liq 2.9% away", "≈ 8750 USD"} {
		if !strings.Contains(v, want) {
			t.Errorf("no %q in\n%s", want, v)
		}
	}
	if strings.Contains(v, acctNames[1]) {
		t.Errorf("an account without positions is listed:\n%s", v)
	}
	// One line a position when wide: the two positions' rows and a header each.
	if n := strings.Count(v, "\n") + 1; n != 6 {
		t.Errorf("%d lines, want 6 (two accounts × head, header, row):\n%s", n, v)
	}
}

// TestPositionsNarrowTakesTwoLines: at 46 columns nothing is cut: each
// position takes two lines and keeps its liquidation price.
func TestPositionsNarrowTakesTwoLines(t *testing.T) {
	p := positionsPane(46, 20, PositionsMsg{Account: acctNames[0], At: t0, Positions: []exchange.Position{perpLong, perpShortNearLiq}})
	v := ansi.Strip(p.View())
	assertFits(t, "positions", p.View(), 46, 20)
	for _, want := range []string{"BTC-PERPETUAL", "1000 USD", "liq 61000.5", "liq 3600 2.9% away", "PnL -250 USDC", "PnL +0.00005287 BTC"} {
		if !strings.Contains(v, want) {
			t.Errorf("no %q at 46 columns:\n%s", want, v)
		}
	}
	if strings.Contains(v, "…") {
		t.Errorf("a line was cut:\n%s", v)
	}
}

// TestPositionsFailureKeepsLastMarkedStale: a failed refresh keeps the
// last positions, marked STALE with the error; none yet says so.
func TestPositionsFailureKeepsLastMarkedStale(t *testing.T) {
	p := positionsPane(120, 10,
		PositionsMsg{Account: acctNames[0], At: t0, Positions: []exchange.Position{perpLong}},
		PositionsMsg{Account: acctNames[0], At: t0, Err: errors.New("timeout")},
		PositionsMsg{Account: acctNames[1], At: t0, Positions: []exchange.Position{}})
	v := ansi.Strip(p.View())
	for _, want := range []string{"STALE", "timeout", "BTC-PERPETUAL", "no open positions"} {
		if !strings.Contains(v, want) {
			t.Errorf("no %q in\n%s", want, v)
		}
	}
	empty := positionsPane(60, 5)
	if v := ansi.Strip(empty.View()); !strings.Contains(v, "no account holds positions") {
		t.Errorf("empty pane: %q", v)
	}
}
