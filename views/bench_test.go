package views

import (
	"testing"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
)

func BenchmarkBlotterView(b *testing.B) {
	p := NewBlotter(testStyles())
	feed(p, fixtureOrders(5, 2000))
	p.SetSize(160, 48)
	p.Focus()
	if p.Len() != 10_000 {
		b.Fatalf("%d orders", p.Len())
	}
	p.Update(press(b, p.keys.PgDown)) // a window away from the top
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		_ = p.View()
	}
}

// BenchmarkBlotterEvent is one fill applied to 10,000 rows then a frame:
// the cost of a busy stream.
func BenchmarkBlotterEvent(b *testing.B) {
	p := NewBlotter(testStyles())
	feed(p, fixtureOrders(5, 2000))
	p.SetSize(160, 48)
	o := fixtureOrder(acctNames[0], 2) // PARTIALLY_FILLED
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		o.Filled = o.Filled.Add(d("0.00000001"))
		o.Updated = o.Updated.Add(1)
		p.Update(OrderEventMsg{Event: eventOf(o)})
		_ = p.View()
	}
}

// BenchmarkBlotterHeld is the blotter's own share of an event with 100,000
// rows held (no retention cap): a new order, which lands on top, and an
// order leaving the open rows for the closed ones, each with the pane's
// frame. ui's BenchmarkBlotterEvent is the whole cockpit's.
func BenchmarkBlotterHeld(b *testing.B) {
	p := NewBlotter(testStyles())
	p.maxFinal = 0
	feed(p, fixtureOrders(5, 20_000))
	p.SetSize(160, 48)
	if p.Len() != 100_000 {
		b.Fatalf("%d orders", p.Len())
	}
	b.Run("100k/new", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i++
			o := fixtureOrder(acctNames[1], 200_000+i)
			o.Status, o.Filled = exchange.StatusNew, decimal.Zero
			o.Created = t0.Add(time.Duration(i) * time.Second)
			o.Updated = o.Created
			p.Update(OrderEventMsg{Event: eventOf(o)})
			_ = p.View()
		}
	})
	b.Run("100k/fill", func(b *testing.B) {
		// A part fill of each open order in turn, each a little more.
		var open []exchange.Order
		for a := range 5 {
			for i := range 20_000 {
				if o := fixtureOrder(acctNames[a], a*20_000+i); o.Status.Open() {
					open = append(open, o)
				}
			}
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			o := open[i%len(open)]
			i++
			o.Status = exchange.StatusPartiallyFilled
			o.Filled = decimal.New(int64(i), -8)
			o.Updated = o.Updated.Add(time.Duration(i))
			p.Update(OrderEventMsg{Event: eventOf(o)})
			_ = p.View()
		}
	})
}

// BenchmarkCockpitView renders every pane for 5 accounts at its 160×48
// layout size, inside bordered boxes, joined as ui/ would.
func BenchmarkCockpitView(b *testing.B) {
	st := testStyles()
	msgs := fixture(5)
	keys, clock, budgets, bal, blot, log := NewKeys(st), NewClock(st), NewBudgets(st), NewBalances(st), NewBlotter(st), NewEventLog(st)
	oe := NewOrderEntry(st)
	status := NewStatusLine(st)
	for _, p := range []Pane{keys, clock, budgets, bal, blot, log, oe} {
		feed(p, msgs)
	}
	feed(blot, fixtureOrders(5, 2000))
	feed(status, msgs)
	keys.SetSize(158, 7)
	clock.SetSize(78, 8)
	budgets.SetSize(78, 8)
	bal.SetSize(78, 10)
	oe.SetSize(78, 10)
	blot.SetSize(158, 14)
	log.SetSize(158, 6)
	status.SetWidth(160)
	blot.Focus()
	box := func(p Pane, w, h int, focused bool) string {
		s := st.Blurred
		if focused {
			s = st.Focused
		}
		return s.Width(w + 2).Height(h + 2).Render(p.View())
	}
	all := []Pane{keys, clock, budgets, bal, oe, blot, log}
	b.Run("panes", func(b *testing.B) {
		// The panes' own share: joining their pre-formatted rows.
		b.ReportAllocs()
		for b.Loop() {
			for _, p := range all {
				_ = p.View()
			}
			_ = status.View()
		}
	})
	b.Run("frame", func(b *testing.B) { benchFrame(b, box, keys, clock, budgets, bal, oe, blot, log, status) })
}

func benchFrame(b *testing.B, box func(Pane, int, int, bool) string, keys, clock, budgets, bal, oe, blot, log Pane, status *StatusLine) {
	b.ReportAllocs()
	for b.Loop() {
		_ = lipgloss.JoinVertical(lipgloss.Left,
			box(keys, 158, 7, false),
			lipgloss.JoinHorizontal(lipgloss.Top, box(clock, 78, 8, false), box(budgets, 78, 8, false)),
			lipgloss.JoinHorizontal(lipgloss.Top, box(bal, 78, 10, false), box(oe, 78, 10, false)),
			box(blot, 158, 14, true),
			box(log, 158, 6, false),
			status.View(),
		)
	}
}
