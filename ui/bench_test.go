package ui

import (
	"fmt"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/shopspring/decimal"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/feed/feedtest"
	"github.com/vigil-trade/vigil/views"
)

// BenchmarkFrame is the whole cockpit frame as the program draws it after
// every message: five accounts with data in every pane, at 160×48.
func BenchmarkFrame(b *testing.B) {
	m := cockpit(b, 0)
	b.ReportAllocs()
	for b.Loop() {
		_ = m.Render()
	}
}

// cockpit is the model BenchmarkFrame draws: five accounts with data in
// every pane and 40 open orders each, at 160×48, plus extra orders of
// journal history spread over the accounts.
func cockpit(b *testing.B, extra int) *Model {
	b.Helper()
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
		if extra > 0 {
			m.Update(views.OrdersMsg{Account: name, Orders: historyOrders(name, i, extra/len(fakes))})
		}
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
	return m
}

// historyOrders are n orders of one account as months of trading leave
// them in the journal: one in fifty still open, the rest filled or
// cancelled, a minute or so apart going back in time.
func historyOrders(account string, acct, n int) []exchange.Order {
	out := make([]exchange.Order, 0, n)
	for k := range n {
		i := acct*n + k
		o := exchange.Order{
			Account: account, Symbol: []string{"BTCUSDT", "ETHUSDT", "SOLUSDT"}[i%3], Side: exchange.Buy,
			Type: exchange.LimitOrder, TIF: exchange.GTC, Price: dec("40000").Add(decimal.New(int64(i%1000), -1)),
			Qty: dec("0.01"), Filled: dec("0"), Status: exchange.StatusCanceled,
			ClientID: fmt.Sprintf("vh%022d", i), OrderID: fmt.Sprint(5_000_000 + i),
			Created: t0.Add(-time.Duration(i)*61*time.Second - time.Hour),
		}
		o.Updated = o.Created.Add(time.Second)
		switch {
		case k%50 == 0:
			o.Status = exchange.StatusNew
		case k%3 == 0:
			o.Status, o.Filled = exchange.StatusFilled, o.Qty
		}
		if k%2 == 1 {
			o.Side = exchange.Sell
		}
		out = append(out, o)
	}
	return out
}

// BenchmarkBlotterEvent is one new order acknowledged while the journal
// holds many (the newest, so it lands on top of the blotter), then the
// frame the program draws for it.
func BenchmarkBlotterEvent(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("%dk", n/1000), func(b *testing.B) {
			m := cockpit(b, n)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				at := t0.Add(time.Duration(i) * time.Millisecond)
				m.Update(views.OrderEventMsg{Event: exchange.OrderEvent{Account: "acct-0", Kind: exchange.EventAck, Order: exchange.Order{
					Account: "acct-0", Symbol: "ETHUSDT", Side: exchange.Sell, Type: exchange.LimitOrder, TIF: exchange.GTC,
					Price: dec("2500.5"), Qty: dec("0.1"), Filled: dec("0"), Status: exchange.StatusNew,
					ClientID: fmt.Sprintf("vn%022d", i), OrderID: fmt.Sprint(9_000_000 + i), Created: at, Updated: at,
				}}})
				_ = m.Render()
			}
		})
	}
}

// BenchmarkFrameUnchanged is a message that changes nothing on screen (a
// budget snapshot equal to the last one, as the feed sends them) and the
// frame after it.
func BenchmarkFrameUnchanged(b *testing.B) {
	m := cockpit(b, 0)
	var snap exchange.BudgetSnapshot
	for _, a := range m.accts {
		if a.info.Name == "acct-2" {
			snap = a.budget
		}
	}
	if snap.Account == "" {
		b.Fatal("no budget snapshot for acct-2")
	}
	_ = m.Render()
	b.ReportAllocs()
	for b.Loop() {
		m.Update(views.BudgetMsg{Snapshot: snap})
		_ = m.Render()
	}
}

// BenchmarkCockpitKeys is what a trader with 100,000 orders in the journal
// waits for per key in the blotter: a page down, and a letter typed into
// the filter then taken back, each with its frame.
func BenchmarkCockpitKeys(b *testing.B) {
	m := cockpit(b, 100_000)
	press := func(k tea.KeyPressMsg) {
		m.Update(k)
		_ = m.Render()
	}
	letter := func(r rune) tea.KeyPressMsg { return tea.KeyPressMsg{Code: r, Text: string(r)} }
	b.Run("100k/pgdown", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			press(tea.KeyPressMsg{Code: tea.KeyPgDown})
		}
	})
	b.Run("100k/filter", func(b *testing.B) {
		press(letter('/'))
		press(letter('e'))
		b.ReportAllocs()
		for b.Loop() {
			press(letter('t'))
			press(tea.KeyPressMsg{Code: tea.KeyBackspace})
		}
	})
}
