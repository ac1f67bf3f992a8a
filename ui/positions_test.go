package ui

import (
	"context"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/shopspring/decimal"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/feed"
	"github.com/vigil-trade/vigil/feed/feedtest"
	"github.com/vigil-trade/vigil/views"
)

type perpVenue struct{ *feedtest.Venue }

func (perpVenue) Positions(context.Context) ([]exchange.Position, error) { return nil, nil }

// positionsModel has a spot account and one whose venue holds a position.
func positionsModel(t *testing.T, w, h int) *Model {
	t.Helper()
	spot := feedtest.New(acctInfo("alpha", exchange.Testnet), fixedNow)
	perp := perpVenue{feedtest.New(acctInfo("perp", exchange.Testnet), fixedNow)}
	m := New(Deps{Venues: []exchange.Venue{spot, perp}, Now: fixedNow, NoColor: true, Dark: true})
	m.Update(tickMsg(t0))
	m.Update(feed.Envelope{Account: "perp", Gen: 1, Msg: feed.Started{Account: "perp", Gen: 1}})
	m.Update(feed.Envelope{Account: "perp", Gen: 1, Msg: views.PositionsMsg{Account: "perp", At: t0, Positions: []exchange.Position{{
		Symbol: "BTC-PERPETUAL", Kind: exchange.KindPerpetual, Size: decimal.RequireFromString("1000"), Unit: "USD",
		Entry: decimal.RequireFromString("97000"), Mark: decimal.RequireFromString("97500"),
		Liquidation: decimal.RequireFromString("61000"), PnL: decimal.RequireFromString("0.00005"), Settle: "BTC"}}}})
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return m
}

// TestPositionsPaneWhereHeld: with an account that holds positions, the
// positions pane sits beside the log when every pane shows, is digit 8
// and a stop of tab; at 80×24 it takes the log's place when focused.
func TestPositionsPaneWhereHeld(t *testing.T) {
	m := positionsModel(t, 160, 48)
	s := screen(m)
	if !strings.Contains(s, "8 Positions") || !strings.Contains(s, "BTC-PERPETUAL") || !strings.Contains(s, "61000") {
		t.Fatalf("160x48: no positions pane with the position:\n%s", s)
	}
	if !strings.Contains(s, "7 Events") {
		t.Fatalf("160x48: the log went:\n%s", s)
	}
	keys(t, m, "8")
	if m.Focused() != PanePositions {
		t.Fatalf("8: focus %v", m.Focused())
	}
	keys(t, m, "tab")
	if m.Focused() != PaneLog {
		t.Fatalf("tab from positions: focus %v, want the log beside it", m.Focused())
	}

	m = positionsModel(t, 80, 24)
	if s := screen(m); strings.Contains(s, "BTC-PERPETUAL") || !strings.Contains(s, "· 8 Positions") {
		t.Fatalf("80x24: positions shown unfocused, or not named on the blotter's frame:\n%s", s)
	}
	keys(t, m, "5", "tab")
	s = screen(m)
	if m.Focused() != PanePositions || !strings.Contains(s, "BTC-PERPETUAL") || !strings.Contains(s, "long") {
		t.Fatalf("80x24, tab from the blotter: focus %v\n%s", m.Focused(), s)
	}
	if !strings.Contains(s, "· 7 Events") {
		t.Fatalf("80x24: the log, out of sight, is not named where it can be clicked:\n%s", s)
	}
	keys(t, m, "?")
	if s := screen(m); !strings.Contains(s, "1-8") {
		t.Fatalf("help does not name digit 8:\n%s", s)
	}
}
