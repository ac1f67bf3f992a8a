package orders

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/orders/internal/fakevenue"
	"github.com/vigil-trade/vigil/views"
)

// Issue 13: order reports were merged three ways. A fill reported after
// its order's cancel gave 0.7 filled in the order state and 0.5 in the
// blotter; a stale CANCELED after FILLED reopened the journal's verdict;
// a complete fill after a cancel report was CANCELED in one, FILLED in
// another. The same reports, in the same order, now give the same order in
// the desk's journal, the order state and the blotter: exchange.MergeOrder.
func TestOneMergeForDeskStateAndBlotter(t *testing.T) {
	type report struct {
		kind   exchange.EventKind
		status exchange.OrderStatus
		filled string
		at     time.Duration // venue update time after the ack
	}
	for _, tc := range []struct {
		name    string
		reports []report
		status  exchange.OrderStatus
		filled  string
	}{
		{"late fill after cancel", []report{
			{exchange.EventFill, exchange.StatusPartiallyFilled, "0.5", 1},
			{exchange.EventCancel, exchange.StatusCanceled, "0.5", 3},
			{exchange.EventFill, exchange.StatusPartiallyFilled, "0.7", 2},
		}, exchange.StatusCanceled, "0.7"},
		{"the rest filled after the cancel report", []report{
			{exchange.EventCancel, exchange.StatusCanceled, "0.5", 3},
			{exchange.EventFill, exchange.StatusFilled, "1", 2},
		}, exchange.StatusFilled, "1"},
		{"stale cancel after filled", []report{
			{exchange.EventFill, exchange.StatusFilled, "1", 2},
			{exchange.EventCancel, exchange.StatusCanceled, "0.4", 1},
		}, exchange.StatusFilled, "1"},
		{"events out of order", []report{
			{exchange.EventFill, exchange.StatusPartiallyFilled, "0.3", 2},
			{exchange.EventAck, exchange.StatusNew, "0", 1},
			{exchange.EventFill, exchange.StatusPartiallyFilled, "0.6", 3},
			{exchange.EventFill, exchange.StatusPartiallyFilled, "0.3", 2},
		}, exchange.StatusPartiallyFilled, "0.6"},
		{"a snapshot older than the stream", []report{
			{exchange.EventFill, exchange.StatusPartiallyFilled, "0.4", 2},
			{exchange.EventSnapshot, exchange.StatusNew, "0", 1},
		}, exchange.StatusPartiallyFilled, "0.4"},
		{"a snapshot newer than the stream", []report{
			{exchange.EventFill, exchange.StatusPartiallyFilled, "0.4", 1},
			{exchange.EventSnapshot, exchange.StatusFilled, "1", 3},
			{exchange.EventCancel, exchange.StatusCanceled, "0.4", 2},
		}, exchange.StatusFilled, "1"},
		{"a fill before its ack", []report{
			{exchange.EventFill, exchange.StatusPartiallyFilled, "0.2", 2},
		}, exchange.StatusPartiallyFilled, "0.2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, _, j := newDesk(t, fakevenue.New(nil))
			ack, err := d.Place(context.Background(), acct, limit("1"))
			if err != nil || ack.Status != exchange.StatusNew {
				t.Fatalf("place: %+v %v", ack, err)
			}
			ack.Account = acct
			state := exchange.NewOrderState()
			st := views.NewStyles(true, false)
			blotter := views.NewBlotter(&st)
			blotter.SetSize(120, 10)
			feed := func(kind exchange.EventKind, o exchange.Order) {
				ev := exchange.OrderEvent{Account: acct, Kind: kind, Order: o, Time: o.Updated}
				state.Apply(ev)
				blotter.Update(views.OrderEventMsg{Event: ev})
				if err := d.Observe(acct, o); err != nil {
					t.Fatal(err)
				}
			}
			feed(exchange.EventAck, ack)
			base := ack.Updated
			if base.IsZero() {
				base = time.Unix(1_800_000_000, 0)
			}
			for _, r := range tc.reports {
				o := ack
				o.Status, o.Filled, o.Updated = r.status, decimal.RequireFromString(r.filled), base.Add(r.at*time.Second)
				feed(r.kind, o)
			}

			e, err := j.Get(acct, ack.ClientID)
			if err != nil {
				t.Fatal(err)
			}
			kept, ok := state.Order(acct, exchange.OrderRef{ClientID: ack.ClientID})
			row, shown := blotter.Selected()
			if !ok || !shown || blotter.Len() != 1 {
				t.Fatalf("state has it: %v, blotter shows it: %v (%d rows)", ok, shown, blotter.Len())
			}
			want := decimal.RequireFromString(tc.filled)
			for _, got := range []struct {
				who    string
				status exchange.OrderStatus
				filled decimal.Decimal
			}{{"journal", e.Status, e.Filled}, {"order state", kept.Status, kept.Filled}, {"blotter", row.Status, row.Filled}} {
				if got.status != tc.status || !got.filled.Equal(want) {
					t.Errorf("%s: %s %s, want %s %s", got.who, got.status, got.filled, tc.status, tc.filled)
				}
			}
		})
	}
}
