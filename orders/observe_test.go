package orders

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/orders/internal/fakevenue"
	"github.com/vigil-trade/vigil/store"
)

func TestObserveFollowsTheVenue(t *testing.T) {
	d, _, j := newDesk(t, fakevenue.New(nil))
	o, err := d.Place(context.Background(), acct, limit("0.01"))
	if err != nil {
		t.Fatal(err)
	}
	filled := o
	filled.Status, filled.Filled = exchange.StatusFilled, decimal.RequireFromString("0.01")
	if err := d.Observe(acct, filled); err != nil {
		t.Fatal(err)
	}
	e, err := j.Get(acct, o.ClientID)
	if err != nil || e.Status != exchange.StatusFilled || !e.Filled.Equal(filled.Filled) {
		t.Fatalf("after a fill report the journal has %+v (%v)", e, err)
	}

	// A later, stale report never reopens it.
	if err := d.Observe(acct, o); err != nil {
		t.Fatal(err)
	}
	if e, _ := j.Get(acct, o.ClientID); e.Status != exchange.StatusFilled {
		t.Fatalf("stale NEW reopened the order: %s", e.Status)
	}

	// Another order that reused the id, and orders the desk never sent,
	// leave the journal alone.
	o2, err := d.Place(context.Background(), acct, limit("0.02"))
	if err != nil {
		t.Fatal(err)
	}
	other := o2
	other.OrderID, other.Status = "someone-else", exchange.StatusCanceled
	stranger := exchange.Order{ClientID: "not-ours-1", OrderID: "77", Status: exchange.StatusFilled}
	for _, x := range []exchange.Order{other, stranger} {
		if err := d.Observe(acct, x); err != nil {
			t.Fatal(err)
		}
	}
	if e, _ := j.Get(acct, o2.ClientID); e.Status != exchange.StatusNew {
		t.Fatalf("a report about another order with the same id changed ours to %s", e.Status)
	}
	if _, err := j.Get(acct, stranger.ClientID); !errors.Is(err, store.ErrNoIntent) {
		t.Fatalf("an order the desk never sent was journaled: %v", err)
	}
}

func TestObserveWhileHeldIsAppliedOnRelease(t *testing.T) {
	d, _, j := newDesk(t, fakevenue.New(nil))
	o, err := d.Place(context.Background(), acct, limit("0.01"))
	if err != nil {
		t.Fatal(err)
	}
	release, ok := d.claim(acct, o.ClientID)
	if !ok {
		t.Fatal("could not claim")
	}
	canceled := o
	canceled.Status = exchange.StatusCanceled
	if err := d.Observe(acct, canceled); err != nil {
		t.Fatal(err)
	}
	if e, _ := j.Get(acct, o.ClientID); e.Status != exchange.StatusNew {
		t.Fatalf("applied while another call held the intent: %s", e.Status)
	}
	release()
	if e, _ := j.Get(acct, o.ClientID); e.Status != exchange.StatusCanceled {
		t.Fatalf("report heard while held was lost: %s", e.Status)
	}
	if _, ok := d.claim(acct, o.ClientID); !ok {
		t.Fatal("intent still held after release")
	}
}

func TestSettleAsksOnlyAboutDoubt(t *testing.T) {
	d, v, _ := newDesk(t, fakevenue.New(nil))
	if _, err := d.Place(context.Background(), acct, limit("0.01")); err != nil {
		t.Fatal(err)
	}
	before := v.queries
	r, err := d.Settle(context.Background(), acct)
	if err != nil || r.Checked != 0 || v.queries != before {
		t.Fatalf("Settle with nothing in doubt: %+v %v, %d queries", r, err, v.queries-before)
	}
	r, err = d.Reconcile(context.Background(), acct)
	if err != nil || r.Checked != 1 || v.queries == before {
		t.Fatalf("Reconcile: %+v %v, %d queries", r, err, v.queries-before)
	}
}

// TestReconcileWithoutNewsWritesNothing: an open order the venue reports
// unchanged (its answer carries no reason, the journal's last record did)
// is neither journaled again nor announced, so every `vigil order` run
// does not repeat the last change on stderr.
func TestReconcileWithoutNewsWritesNothing(t *testing.T) {
	d, _, j := newDesk(t, fakevenue.New(nil))
	o, err := d.Place(context.Background(), acct, limit("0.01"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.Append(acct, o.ClientID, store.Transition{Status: exchange.StatusNew, OrderID: o.OrderID,
		Filled: decimal.Zero, Reason: "resent with the same client id", Via: "resend"}); err != nil {
		t.Fatal(err)
	}
	before, _ := j.Get(acct, o.ClientID)
	var events atomic.Int64
	stop := d.Subscribe(func(Event) { events.Add(1) })
	defer stop()
	for range 2 {
		if _, err := d.Reconcile(context.Background(), acct); err != nil {
			t.Fatal(err)
		}
	}
	after, _ := j.Get(acct, o.ClientID)
	if after.Seq != before.Seq || events.Load() != 0 || after.Reason != before.Reason {
		t.Fatalf("unchanged order rewritten: seq %d → %d, %d events, reason %q", before.Seq, after.Seq, events.Load(), after.Reason)
	}
}
