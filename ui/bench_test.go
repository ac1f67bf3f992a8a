package ui

import (
	"fmt"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/feed/feedtest"
	"github.com/vigil-trade/vigil/views"
)

// BenchmarkFrame is the whole cockpit frame as the program draws it after
// every message: five accounts with data in every pane, at 160×48.
func BenchmarkFrame(b *testing.B) {
	var venues []exchange.Venue
	var fakes []*feedtest.Venue
	for i := range 5 {
		v := feedtest.New(acctInfo(fmt.Sprintf("acct-%d", i), exchange.Testnet), fixedNow)
		venues, fakes = append(venues, v), append(fakes, v)
	}
	m := New(Deps{Venues: venues, Now: fixedNow, Dark: true})
	m.Update(tickMsg(t0))
	for i, v := range fakes {
		name := v.Info().Name
		_ = v.SyncClock(b.Context())
		bals, _ := v.Balances(b.Context())
		for _, msg := range []tea.Msg{
			views.ClockMsg{Snapshot: v.Clock()},
			views.BudgetMsg{Snapshot: v.Budget()},
			views.BalancesMsg{Account: name, Balances: bals, At: t0},
			views.KeyInfoMsg{Account: name, Info: exchange.KeyInfo{Read: exchange.TriYes, Trade: exchange.TriYes, Withdraw: exchange.TriNo, CheckedAt: t0}},
			views.LogMsg{Time: t0, Level: views.LevelWarn, Account: name, Text: "clock sync failed: timed out (venue not answering)"},
		} {
			m.Update(msg)
		}
		for k := range 40 {
			m.Update(views.OrderEventMsg{Event: exchange.OrderEvent{Account: name, Kind: exchange.EventAck, Order: exchange.Order{
				Account: name, Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.LimitOrder, TIF: exchange.GTC,
				Price: dec("40000"), Qty: dec("0.01"), Filled: dec("0"), Status: exchange.StatusNew,
				ClientID: fmt.Sprintf("vg%022d", i*100+k), OrderID: fmt.Sprint(1000 + i*100 + k), Created: t0, Updated: t0,
			}}})
		}
	}
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
	b.ReportAllocs()
	for b.Loop() {
		_ = m.Render()
	}
}
