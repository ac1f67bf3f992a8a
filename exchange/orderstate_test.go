package exchange

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// MergeOrder never goes back, whatever order the reports come in: the
// cumulative fill and the status rank only grow, a final status stays
// final, a report applied twice changes nothing the second time, and the
// result does not depend on which of two reports arrives first when they
// agree on the status.
func TestMergeOrderProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 4))
	statuses := []OrderStatus{StatusPending, StatusNew, StatusPartiallyFilled, StatusFilled, StatusCanceled, StatusExpired, StatusUnknown}
	t0 := time.Unix(1_800_000_000, 0)
	report := func() Order {
		return Order{Symbol: "BTCUSDT", ClientID: "c1", OrderID: "9", Qty: decimal.NewFromInt(10),
			Status: statuses[rng.IntN(len(statuses))], Filled: decimal.NewFromInt(int64(rng.IntN(11))),
			Updated: t0.Add(time.Duration(rng.IntN(100)) * time.Second)}
	}
	for i := range 5000 {
		cur := Order{Symbol: "BTCUSDT", ClientID: "c1", Qty: decimal.NewFromInt(10), Status: StatusPending}
		for range 8 {
			r := report()
			next := MergeOrder(cur, r)
			switch {
			case next.Filled.LessThan(cur.Filled):
				t.Fatalf("#%d: filled went back %s → %s", i, cur.Filled, next.Filled)
			case next.Status.Rank() < cur.Status.Rank():
				t.Fatalf("#%d: status went back %s → %s on %s", i, cur.Status, next.Status, r.Status)
			case cur.Status.Final() && !next.Status.Final():
				t.Fatalf("#%d: %s reopened as %s", i, cur.Status, next.Status)
			case next.Filled.GreaterThanOrEqual(next.Qty) && next.Status != StatusFilled:
				t.Fatalf("#%d: filled to its quantity but %s", i, next.Status)
			case next.Filled.IsPositive() && next.Status.Rank() < StatusPartiallyFilled.Rank():
				t.Fatalf("#%d: %s with %s filled", i, next.Status, next.Filled)
			case next.Updated.Before(cur.Updated):
				t.Fatalf("#%d: update time went back", i)
			}
			if again := MergeOrder(next, r); again.Status != next.Status || !again.Filled.Equal(next.Filled) {
				t.Fatalf("#%d: a repeated report moved the order: %s %s → %s %s", i, next.Status, next.Filled, again.Status, again.Filled)
			}
			cur = next
		}
	}
}

// A keeper's own status (a journal's) is replaced by what the venue says;
// the keeper's own rules decide what to keep of it.
func TestMergeOrderKeeperStatus(t *testing.T) {
	const cancelRequested OrderStatus = "CANCEL_REQUESTED"
	cur := Order{Qty: decimal.NewFromInt(1), Status: cancelRequested}
	if got := MergeOrder(cur, Order{Status: StatusNew}); got.Status != StatusNew {
		t.Fatalf("venue NEW after a keeper's status: %s", got.Status)
	}
	if got := MergeOrder(cur, Order{Status: ""}); got.Status != cancelRequested {
		t.Fatalf("a report without a status moved it: %s", got.Status)
	}
	// Descriptive fields the report leaves out are kept.
	full := Order{Symbol: "BTCUSDT", Side: Buy, Type: LimitOrder, Price: decimal.NewFromInt(5), Qty: decimal.NewFromInt(1),
		OrderID: "9", Status: StatusNew, Created: time.Unix(1, 0)}
	got := MergeOrder(full, Order{Status: StatusPartiallyFilled, Filled: decimal.RequireFromString("0.5")})
	if got.Symbol != "BTCUSDT" || got.OrderID != "9" || !got.Price.Equal(full.Price) || got.Created != full.Created || got.Side != Buy {
		t.Fatalf("lost fields: %+v", got)
	}
}
