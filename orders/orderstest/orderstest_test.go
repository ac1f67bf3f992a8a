package orderstest

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/store"
)

// Compare is what the crash tests' verdicts rest on: each way a journal can
// disagree with the venue must be named.
func TestCompare(t *testing.T) {
	const acct = "a"
	ord := func(id, oid string, st exchange.OrderStatus) exchange.Order {
		return exchange.Order{ClientID: id, OrderID: oid, Status: st}
	}
	for _, tc := range []struct {
		name    string
		journal map[string]store.Transition // client id → last transition; absent: intent only
		venue   []exchange.Order
		want    string // "" for agreement
	}{
		{"agree", map[string]store.Transition{"c1": {Status: exchange.StatusNew, OrderID: "1"}, "c2": {Status: store.StatusNotPlaced}},
			[]exchange.Order{ord("c1", "1", exchange.StatusNew)}, ""},
		{"lost", nil, []exchange.Order{ord("c9", "9", exchange.StatusFilled)}, "lost intent: venue order c9"},
		{"duplicate", map[string]store.Transition{"c1": {Status: exchange.StatusFilled, OrderID: "1"}},
			[]exchange.Order{ord("c1", "1", exchange.StatusFilled), ord("c1", "2", exchange.StatusFilled)}, "duplicate: c1 has 2 orders"},
		{"state", map[string]store.Transition{"c1": {Status: exchange.StatusNew, OrderID: "1"}},
			[]exchange.Order{ord("c1", "1", exchange.StatusCanceled)}, "c1: journal NEW/1, venue CANCELED/1"},
		{"doubt", map[string]store.Transition{"c1": {Status: exchange.StatusUnknown}}, nil, "c1 still UNKNOWN"},
		{"phantom", map[string]store.Transition{"c1": {Status: exchange.StatusNew, OrderID: "1"}}, nil,
			"c1 is NEW in the journal and absent from the venue"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j, err := store.Open(filepath.Join(t.TempDir(), store.FileName))
			if err != nil {
				t.Fatal(err)
			}
			defer j.Close()
			for id, tr := range tc.journal {
				req := exchange.OrderRequest{Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.MarketOrder, Qty: decimal.NewFromInt(1)}
				if err := j.RecordIntent(store.Intent{Account: acct, ClientID: id, Req: req, Created: time.Now()}); err != nil {
					t.Fatal(err)
				}
				if _, err := j.Append(acct, id, tr); err != nil {
					t.Fatal(err)
				}
			}
			err = Compare(j, acct, tc.venue)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("agreeing journal: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}
