package orders

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/orders/internal/fakevenue"
	"github.com/vigil-trade/vigil/store"
)

// slowVenue answers after a round trip and remembers the most queries it
// had in flight at once.
type slowVenue struct {
	exchange.Venue
	rtt time.Duration

	mu                    sync.Mutex
	queries, places       int
	inFlight, maxInFlight int
	queryErr              func(ref exchange.OrderRef, n int) error // n: this order's 1-based query number
	perOrder              map[string]int
}

func (s *slowVenue) Query(ctx context.Context, ref exchange.OrderRef) (exchange.Order, error) {
	s.mu.Lock()
	s.queries++
	s.inFlight++
	s.maxInFlight = max(s.maxInFlight, s.inFlight)
	if s.perOrder == nil {
		s.perOrder = map[string]int{}
	}
	s.perOrder[ref.ClientID]++
	n := s.perOrder[ref.ClientID]
	s.mu.Unlock()
	time.Sleep(s.rtt)
	s.mu.Lock()
	s.inFlight--
	s.mu.Unlock()
	if s.queryErr != nil {
		if err := s.queryErr(ref, n); err != nil {
			return exchange.Order{}, err
		}
	}
	return s.Venue.Query(ctx, ref)
}

func (s *slowVenue) Place(ctx context.Context, req exchange.OrderRequest) (exchange.Order, error) {
	s.mu.Lock()
	s.places++
	s.mu.Unlock()
	return s.Venue.Place(ctx, req)
}

// ackedThenReset journals n resting orders the venue acknowledged, then
// returns a venue that has lost them all (a testnet reset: a new, empty
// exchange behind the same account), 50 ms away.
func ackedThenReset(t *testing.T, n int) (*store.Journal, *slowVenue, []string) {
	t.Helper()
	d, _, j := newDesk(t, fakevenue.New(nil))
	ids := make([]string, n)
	for i := range ids {
		o, err := d.Place(context.Background(), acct, limit("0.1"))
		if err != nil || o.Status != exchange.StatusNew || o.OrderID == "" {
			t.Fatalf("place %d: %s %v", i, o.Status, err)
		}
		ids[i] = o.ClientID
	}
	return j, &slowVenue{Venue: &fakevenue.Venue{X: fakevenue.New(nil), Account: acct}, rtt: 50 * time.Millisecond}, ids
}

// TestForgottenOrdersAreCheckedOnce: 100 acknowledged orders a testnet reset
// lost cost one reconciliation, with the grace waits overlapping, and the
// next start asks the venue nothing about them.
func TestForgottenOrdersAreCheckedOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n = 100
		j, v, ids := ackedThenReset(t, n)

		start := time.Now()
		d := NewDesk(j, map[string]exchange.Venue{acct: v})
		r, err := d.ReconcileReadOnly(context.Background(), acct)
		took := time.Since(start)
		if err != nil || r.Checked != n || len(r.Gone) != n || len(r.Missing)+len(r.Stale)+len(r.Left) != 0 {
			t.Fatalf("first start: %v %+v", err, r)
		}
		if !d.Ready(acct) {
			t.Fatal("order entry stays closed over orders that are gone")
		}
		if v.queries != n*DefaultAttempts {
			t.Fatalf("%d queries, want %d checks of each of %d orders", v.queries, DefaultAttempts, n)
		}
		// In series the grace waits alone would take n × 2 graces.
		if limit := 2*DefaultGrace + 2*time.Second; took > limit {
			t.Fatalf("reconciling %d forgotten orders took %s of venue time, want under %s (grace waits overlapping)", n, took, limit)
		}
		if v.maxInFlight < 2 || v.maxInFlight > DefaultConcurrency {
			t.Fatalf("%d queries in flight at most, want 2..%d", v.maxInFlight, DefaultConcurrency)
		}
		if v.places != 0 {
			t.Fatalf("%d orders sent: an acknowledged order must never be resent", v.places)
		}
		for _, id := range ids {
			e, err := j.Get(acct, id)
			if err != nil || e.Status != store.StatusGone || !e.Final() {
				t.Fatalf("%s: %s %v, want GONE", id, e.Status, err)
			}
			if want := "not found at the venue after 3 checks, 2s apart"; !strings.HasPrefix(e.Reason, want) || !strings.Contains(e.Reason, e.OrderID) {
				t.Fatalf("%s: reason %q, want %q… naming order %s", id, e.Reason, want, e.OrderID)
			}
		}

		// The next start: a new desk over the same journal.
		v.queries = 0
		start = time.Now()
		d2 := NewDesk(j, map[string]exchange.Venue{acct: v})
		r, err = d2.Reconcile(context.Background(), acct)
		if err != nil || r.Checked != 0 || v.queries != 0 || v.places != 0 || !d2.Ready(acct) {
			t.Fatalf("second start: %v %+v, %d queries, %d places", err, r, v.queries, v.places)
		}
		if took := time.Since(start); took != 0 {
			t.Fatalf("second start waited %s", took)
		}
	})
}

// TestGoneNeedsEveryCheck: an order the venue could not be asked about at
// every check (an error among the "not found" answers) is not given up: it
// stays as it was, reported Missing, and is asked about next time.
func TestGoneNeedsEveryCheck(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		j, v, ids := ackedThenReset(t, 3)
		v.queryErr = func(ref exchange.OrderRef, n int) error {
			if ref.ClientID == ids[1] && n == 2 {
				return errors.New("read: connection reset by peer")
			}
			return nil
		}
		d := NewDesk(j, map[string]exchange.Venue{acct: v})
		r, err := d.ReconcileReadOnly(context.Background(), acct)
		if err != nil || len(r.Gone) != 2 || len(r.Missing) != 1 || r.Missing[0] != ids[1] {
			t.Fatalf("%v %+v", err, r)
		}
		if e, _ := j.Get(acct, ids[1]); e.Status != exchange.StatusNew {
			t.Fatalf("%s journaled %s after an unanswered check", ids[1], e.Status)
		}
		v.queryErr, v.queries = nil, 0
		if r, err := d.ReconcileReadOnly(context.Background(), acct); err != nil || len(r.Gone) != 1 || v.queries != DefaultAttempts {
			t.Fatalf("next time: %v %+v, %d queries", err, r, v.queries)
		}
	})
}

// TestGoneGivesWayToTheVenue: GONE is the desk's inference; if the venue
// later reports the order's end (its stream, a fill), the journal takes
// the venue's word.
func TestGoneGivesWayToTheVenue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		j, v, ids := ackedThenReset(t, 1)
		d := NewDesk(j, map[string]exchange.Venue{acct: v})
		if r, err := d.ReconcileReadOnly(context.Background(), acct); err != nil || len(r.Gone) != 1 {
			t.Fatalf("%v %+v", err, r)
		}
		e, _ := j.Get(acct, ids[0])
		o := e.Order()
		o.Status, o.Filled = exchange.StatusFilled, o.Qty
		if err := d.Observe(acct, o); err != nil {
			t.Fatal(err)
		}
		if e, _ := j.Get(acct, ids[0]); e.Status != exchange.StatusFilled {
			t.Fatalf("journal %s after the venue reported FILLED", e.Status)
		}
	})
}

// TestReconcileDeadlineLeavesTheRest: a reconciliation cut short says which
// entries it did not reach and keeps what it settled; the intents in doubt
// among those left keep order entry closed.
func TestReconcileDeadlineLeavesTheRest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		j, v, _ := ackedThenReset(t, maxSettling+10)
		// One intent in doubt, journaled last: never reached.
		time.Sleep(time.Second)
		in := store.Intent{Account: acct, ClientID: exchange.NewClientID(time.Now()), Req: limit("0.1"), Created: time.Now(),
			Binding: BindingOf(v)}
		if err := j.RecordIntent(in); err != nil {
			t.Fatal(err)
		}
		d := NewDesk(j, map[string]exchange.Venue{acct: v})
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		r, err := d.ReconcileReadOnly(ctx, acct)
		if !errors.Is(err, context.DeadlineExceeded) || len(r.Left) != 11 || r.Checked != maxSettling {
			t.Fatalf("%v: checked %d, left %d", err, r.Checked, len(r.Left))
		}
		if r.Left[len(r.Left)-1] != in.ClientID {
			t.Fatalf("left %v, want the intent in doubt among them", r.Left)
		}
		if d.Ready(acct) {
			t.Fatal("order entry opened with an intent in doubt not reached")
		}
	})
}
