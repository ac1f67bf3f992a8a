package ui

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/feed/feedtest"
	"github.com/vigil-trade/vigil/views"
)

// TestFrameCacheMatchesFresh plays random sequences of what the cockpit
// receives (ticks, snapshots equal to the last and not, order events,
// resizes, focus and scroll keys, filters, dialogs, help) into two models
// with the real panes, one keeping its last frame and one building every
// frame from scratch, and requires the same frame from both after each
// step on which the program would draw. Frames are skipped now and then,
// as the program may take several messages between two.
func TestFrameCacheMatchesFresh(t *testing.T) {
	for seed := range uint64(6) {
		r := rand.New(rand.NewPCG(seed, 12))
		cached, fresh := frameModel(t), frameModel(t)
		fresh.frame.off = true
		now := t0
		var trace []string
		for step := range 400 {
			msg, what := frameStep(r, &now, step)
			trace = append(trace, what)
			cached.Update(msg)
			fresh.Update(msg)
			if r.IntN(4) == 0 {
				continue
			}
			if got, want := cached.Render(), fresh.Render(); got != want {
				from := max(0, len(trace)-15)
				t.Fatalf("seed %d step %d: the kept frame differs from a fresh one\nlast steps:\n  %s\nkept:\n%s\nfresh:\n%s",
					seed, step, strings.Join(trace[from:], "\n  "), got, want)
			}
		}
	}
}

func frameModel(t *testing.T) *Model {
	t.Helper()
	var venues []exchange.Venue
	for i := range 3 {
		venues = append(venues, feedtest.New(acctInfo(fmt.Sprintf("acct-%d", i), exchange.Testnet), fixedNow))
	}
	m := New(Deps{Venues: venues, Now: fixedNow, Dark: true})
	m.Update(tickMsg(t0))
	return m
}

var frameKeys = []string{"tab", "shift+tab", "1", "2", "3", "4", "5", "6", "7", "j", "k", "down", "up", "pgdown", "G", "g",
	"/", "e", "t", "B", "backspace", "enter", "esc", "?", "o", "n", "x"}

var frameSizes = [][2]int{{160, 48}, {80, 24}, {120, 40}, {100, 30}, {200, 60}, {60, 20}}

// frameStep draws one message and names it for the trace.
func frameStep(r *rand.Rand, now *time.Time, step int) (tea.Msg, string) {
	acct := fmt.Sprintf("acct-%d", r.IntN(3))
	order := func(i int, st exchange.OrderStatus) exchange.Order {
		at := t0.Add(-time.Duration(i) * time.Minute)
		return exchange.Order{Account: acct, Symbol: []string{"BTCUSDT", "ETHUSDT"}[i%2], Side: exchange.Buy,
			Type: exchange.LimitOrder, TIF: exchange.GTC, Price: dec("40000.5"), Qty: dec("0.01"), Filled: dec("0"),
			Status: st, ClientID: fmt.Sprintf("vg%06d", i), OrderID: fmt.Sprint(1000 + i), Created: at, Updated: at}
	}
	budget := func(used int) exchange.BudgetSnapshot {
		return exchange.BudgetSnapshot{Account: acct, At: *now, Buckets: []exchange.Bucket{
			{Name: "weight/1m", Used: used, Limit: 1200, Window: time.Minute, ResetAt: t0.Add(time.Minute)}}}
	}
	if step == 0 {
		return tea.WindowSizeMsg{Width: 160, Height: 48}, "size 160x48"
	}
	switch n := r.IntN(100); {
	case n < 12:
		*now = now.Add(time.Duration(r.IntN(2500)) * time.Millisecond)
		return tickMsg(*now), "tick " + now.Format("15:04:05.000")
	case n < 22:
		used := []int{10, 10, 10, 500}[r.IntN(4)] // mostly equal to the last
		return views.BudgetMsg{Snapshot: budget(used)}, fmt.Sprintf("budget %s used %d", acct, used)
	case n < 27:
		return views.ClockMsg{Snapshot: exchange.ClockSnapshot{Account: acct, Synced: true, Offset: time.Duration(r.IntN(3)) * time.Millisecond,
			RTT: 20 * time.Millisecond, LastSync: *now}}, "clock " + acct
	case n < 45:
		i := r.IntN(60)
		st := []exchange.OrderStatus{exchange.StatusNew, exchange.StatusPartiallyFilled, exchange.StatusFilled, exchange.StatusCanceled}[r.IntN(4)]
		o := order(i, st)
		if st == exchange.StatusPartiallyFilled {
			o.Filled = dec("0.005")
		}
		o.Updated = o.Updated.Add(time.Duration(r.IntN(100)) * time.Second)
		return views.OrderEventMsg{Event: exchange.OrderEvent{Account: acct, Kind: exchange.EventFill, Order: o, Time: o.Updated}},
			fmt.Sprintf("event %s %s %s", acct, o.ClientID, st)
	case n < 48:
		var os []exchange.Order
		for i := range r.IntN(40) {
			os = append(os, order(i*3, []exchange.OrderStatus{exchange.StatusNew, exchange.StatusFilled}[i%2]))
		}
		return views.OrdersMsg{Account: acct, Orders: os}, fmt.Sprintf("orders %s ×%d", acct, len(os))
	case n < 53:
		return views.LogMsg{Time: *now, Level: views.LevelInfo, Account: acct, Text: fmt.Sprintf("event %d", step)}, "log"
	case n < 55:
		sz := frameSizes[r.IntN(len(frameSizes))]
		return tea.WindowSizeMsg{Width: sz[0], Height: sz[1]}, fmt.Sprintf("size %dx%d", sz[0], sz[1])
	case n < 57:
		return views.CancelAll{Account: acct}, "cancel all dialog " + acct
	case n < 59:
		return views.StreamMsg{Account: acct, State: []string{"live", "reconnecting"}[r.IntN(2)], Since: *now}, "stream " + acct
	default:
		k := frameKeys[r.IntN(len(frameKeys))]
		return frameKey(k), "key " + k
	}
}

func frameKey(k string) tea.KeyPressMsg {
	switch k {
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	}
	return tea.KeyPressMsg{Code: []rune(k)[0], Text: k}
}
