package views

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/vigil-trade/vigil/exchange"
)

// Cases the property tests (property_test.go) found or that issue 11
// reported, kept as plain tests so they read as what they are.

// An account snapshot that drops rows used to leave vis pointing at the
// tail slices.DeleteFunc had zeroed, and resort dereferenced a nil row.
func TestBlotterSnapshotThatRemovesRows(t *testing.T) {
	for _, tc := range []struct {
		name string
		keep int // orders of the account left in the second snapshot
	}{{"empty", 0}, {"shrunk", 1}} {
		t.Run(tc.name, func(t *testing.T) {
			p := NewBlotter(testStyles())
			feed(p, fixtureOrders(2, 4))
			p.SetSize(120, 12)
			p.Focus()
			p.Update(press(t, p.keys.End)) // select a row past what the shrunk snapshot keeps
			m := fixtureOrders(1, 4)[0].(OrdersMsg)
			m.Orders = m.Orders[:tc.keep]
			p.Update(m)
			if got, want := p.Len(), 4+tc.keep; got != want {
				t.Fatalf("Len %d, want %d", got, want)
			}
			if p.Visible() != p.Len() {
				t.Fatalf("Visible %d, Len %d with no filter", p.Visible(), p.Len())
			}
			for i := range p.Visible() {
				if p.vis[i] == nil {
					t.Fatalf("visible row %d is nil", i)
				}
			}
			if o, ok := p.Selected(); !ok || o.Account == "" {
				t.Fatalf("selection lost: %+v %v", o, ok)
			}
			assertFits(t, "blotter", p.View(), 120, 12)
		})
	}
}

// On a pane a few cells wide wrapIndented called itself with the same
// arguments for ever (a fatal stack overflow, not a panic): the event log
// at width 1 to 5, the order form's problems at width 5.
func TestWrapIndentedNarrow(t *testing.T) {
	const text = "order rejected: insufficient balance verylongwordwithoutanybreak"
	for w := 1; w <= 30; w++ {
		for _, pre := range []string{"", " ", "  ", "15:04:05 INFO ks-test "} {
			for _, indent := range []int{0, 1, 2, 4} {
				out := wrapIndented(pre, text, w, indent)
				for i, l := range out {
					if lw := ansi.StringWidth(l); lw > w {
						t.Fatalf("w=%d prefix %q: line %d is %d wide: %q", w, pre, i, lw, l)
					}
				}
				got := strings.ReplaceAll(strings.Join(out, ""), " ", "")
				if want := strings.ReplaceAll(text, " ", ""); !strings.HasSuffix(got, want) {
					t.Fatalf("w=%d prefix %q indent %d lost text:\n%s", w, pre, indent, strings.Join(out, "\n"))
				}
			}
		}
	}
}

func TestEventLogAndOrderFormOnATinyPane(t *testing.T) {
	for w := 1; w <= 8; w++ {
		l := NewEventLog(testStyles())
		l.SetSize(w, 4)
		l.Update(LogMsg{Time: t0, Level: LevelWarn, Account: "ks-test", Text: "clock unsynced", Advice: "check NTP"})
		assertFits(t, "eventlog", l.View(), w, 4)

		f := orderEntry(t)
		f.SetSize(w, 6)
		f.Update(testRules())
		f.Prefill(acctNames[0], "BTCUSDT")
		f.Focus()
		for f.Field() != FieldQty {
			f.Update(press(t, f.keys.Next))
		}
		typeText(f, "0.0000001") // a step violation: a problem line to wrap
		assertFits(t, "orderentry", f.View(), w, 6)
	}
}

func selOrder(id string, st exchange.OrderStatus, age time.Duration) exchange.Order {
	return exchange.Order{Account: "ks-test", Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.LimitOrder,
		Status: st, ClientID: id, OrderID: id, Created: t0.Add(-age), Updated: t0.Add(-age), Qty: d("1")}
}

// With a filter on, an event that brought another order into the filter
// left the selection at its index, so it slid onto a neighbour and c would
// have cancelled the wrong order.
func TestBlotterSelectionFollowsItsOrderUnderAFilter(t *testing.T) {
	p := NewBlotter(testStyles())
	p.SetSize(120, 12)
	p.Focus()
	p.Update(OrdersMsg{Account: "ks-test", Orders: []exchange.Order{
		selOrder("x1", exchange.StatusNew, time.Second),
		selOrder("x2", exchange.StatusPartiallyFilled, 2*time.Second),
		selOrder("x3", exchange.StatusPartiallyFilled, 3*time.Second),
	}})
	p.Update(press(t, p.keys.Filter))
	typeText(p, "part")
	p.Update(press(t, p.keys.Apply))
	p.Update(press(t, p.keys.Down))
	if o, _ := p.Selected(); o.ClientID != "x3" {
		t.Fatalf("selected %q, want x3", o.ClientID)
	}
	fill := selOrder("x1", exchange.StatusPartiallyFilled, time.Second)
	fill.Filled = d("0.5")
	p.Update(OrderEventMsg{Event: eventOf(fill)})
	if p.Visible() != 3 {
		t.Fatalf("%d rows match the filter, want 3", p.Visible())
	}
	if o, _ := p.Selected(); o.ClientID != "x3" {
		t.Fatalf("a fill of x1 moved the selection to %q", o.ClientID)
	}
	got, _ := findMsg[CancelOrder](p.Update(press(t, p.keys.Cancel)))
	if got.Ref.ClientID != "x3" {
		t.Fatalf("c cancels %+v, want x3", got)
	}
}

// An order known without a creation time sorts by its update time, which
// each event moves; the row stayed where the first event had put it.
func TestBlotterOrderWithoutCreationTimeMovesWithUpdates(t *testing.T) {
	p := NewBlotter(testStyles())
	p.SetSize(120, 12)
	old := selOrder("x1", exchange.StatusCanceled, time.Minute)
	undated := selOrder("x2", exchange.StatusPending, 2*time.Minute)
	undated.Created = time.Time{}
	p.Update(OrdersMsg{Account: "ks-test", Orders: []exchange.Order{old, undated}})
	undated.Status, undated.Updated = exchange.StatusRejected, t0
	p.Update(OrderEventMsg{Event: eventOf(undated)})
	if p.rows[0].o.ClientID != "x2" {
		t.Fatalf("rows %q, %q: the order updated now should be first", p.rows[0].key, p.rows[1].key)
	}
}
