package orders

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/orders/internal/fakevenue"
	"github.com/vigil-trade/vigil/store"
)

const acct = "main"

func openJournal(t *testing.T) *store.Journal {
	t.Helper()
	dir := t.TempDir()
	// The journal's durability is store's to test; these tests are about
	// the order path, so put the file in memory when the machine has one.
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		if d, err := os.MkdirTemp("/dev/shm", "vigil-orders-"); err == nil {
			dir = d
			t.Cleanup(func() { os.RemoveAll(d) })
		}
	}
	j, err := store.Open(filepath.Join(dir, store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

// countingVenue counts calls and can swap in errors.
type countingVenue struct {
	*fakevenue.Venue
	mu                    sync.Mutex
	places, queries, cxls int
	placeErr              func(n int) error // replaces the n-th Place (1-based) when non-nil
	queryErr              error
	beforePlace           func(req exchange.OrderRequest)
}

func (c *countingVenue) Place(ctx context.Context, req exchange.OrderRequest) (exchange.Order, error) {
	c.mu.Lock()
	c.places++
	n := c.places
	c.mu.Unlock()
	if c.beforePlace != nil {
		c.beforePlace(req)
	}
	if c.placeErr != nil {
		if err := c.placeErr(n); err != nil {
			return exchange.Order{}, err
		}
	}
	return c.Venue.Place(ctx, req)
}

func (c *countingVenue) Query(ctx context.Context, ref exchange.OrderRef) (exchange.Order, error) {
	c.mu.Lock()
	c.queries++
	qerr := c.queryErr
	c.mu.Unlock()
	if qerr != nil {
		return exchange.Order{}, qerr
	}
	return c.Venue.Query(ctx, ref)
}

func (c *countingVenue) Cancel(ctx context.Context, ref exchange.OrderRef) (exchange.Order, error) {
	c.mu.Lock()
	c.cxls++
	c.mu.Unlock()
	return c.Venue.Cancel(ctx, ref)
}

func newDesk(t *testing.T, x *fakevenue.Exchange, opts ...Option) (*Desk, *countingVenue, *store.Journal) {
	t.Helper()
	j := openJournal(t)
	v := &countingVenue{Venue: &fakevenue.Venue{X: x, Account: acct}}
	d := NewDesk(j, map[string]exchange.Venue{acct: v}, opts...)
	if _, err := d.Reconcile(context.Background(), acct); err != nil {
		t.Fatal(err)
	}
	return d, v, j
}

func limit(qty string) exchange.OrderRequest {
	return exchange.OrderRequest{Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.LimitOrder, TIF: exchange.GTC,
		Qty: decimal.RequireFromString(qty), Price: decimal.RequireFromString("50000.10")}
}

func market(qty string) exchange.OrderRequest {
	return exchange.OrderRequest{Symbol: "BTCUSDT", Side: exchange.Sell, Type: exchange.MarketOrder, Qty: decimal.RequireFromString(qty)}
}

func perClientID(x *fakevenue.Exchange) map[string][]exchange.Order {
	m := map[string][]exchange.Order{}
	for _, o := range x.Orders() {
		m[o.ClientID] = append(m[o.ClientID], o)
	}
	return m
}

func TestIntentIsOnDiskBeforeTheRequestLeaves(t *testing.T) {
	x := fakevenue.New(nil)
	d, v, j := newDesk(t, x)
	var checked bool
	v.beforePlace = func(req exchange.OrderRequest) {
		raw, err := os.ReadFile(j.Path())
		if err != nil {
			t.Error(err)
			return
		}
		checked = bytes.Contains(raw, []byte(req.ClientID))
		if e, err := j.Get(acct, req.ClientID); err != nil || e.Status != exchange.StatusPending {
			t.Errorf("intent not journaled before Place: %v %+v", err, e)
		}
	}
	o, err := d.Place(context.Background(), acct, limit("0.001"))
	if err != nil {
		t.Fatal(err)
	}
	if !checked {
		t.Fatal("client id not in the journal file when the request left")
	}
	if err := ValidClientID(o.ClientID); err != nil {
		t.Fatal(err)
	}
	e, _ := j.Get(acct, o.ClientID)
	if e.Status != exchange.StatusNew || e.OrderID != o.OrderID || o.Status != exchange.StatusNew {
		t.Fatalf("journal %+v, order %+v", e, o)
	}
}

func TestPlaceBeforeReconcileIsRefused(t *testing.T) {
	j := openJournal(t)
	x := fakevenue.New(nil)
	d := NewDesk(j, map[string]exchange.Venue{acct: &fakevenue.Venue{X: x, Account: acct}})
	if _, err := d.Place(context.Background(), acct, limit("1")); !errors.Is(err, ErrNotReady) {
		t.Fatalf("Place before Reconcile: %v", err)
	}
	if _, err := d.Place(context.Background(), "other", limit("1")); !errors.Is(err, ErrUnknownAccount) {
		t.Fatalf("Place on unknown account: %v", err)
	}
	if len(x.Orders()) != 0 {
		t.Fatal("an order reached the venue")
	}
}

func TestFailureClassification(t *testing.T) {
	dnsErr := &net.DNSError{Err: "no such host", Name: "testnet.binance.vision"}
	dialErr := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	clockErr := &exchange.ClockError{APIError: &exchange.APIError{Venue: "binance", HTTPStatus: 400, Code: "-1021", Kind: exchange.KindClock, Msg: "Timestamp for this request was 1000ms ahead of the server's time."}}
	filterErr := &exchange.APIError{Venue: "binance", HTTPStatus: 400, Code: "-1013", Kind: exchange.KindFilter, Msg: "Filter failure: LOT_SIZE"}
	for _, tc := range []struct {
		name       string
		err        error
		wantStatus exchange.OrderStatus
		wantErr    error
		wantPlaces int
	}{
		{"local limit", &exchange.LocalLimitError{Account: acct, Reason: "banned"}, store.StatusNotSent, ErrNotSent, 1},
		{"dns", fmt.Errorf("post: %w", dnsErr), store.StatusNotSent, ErrNotSent, 1},
		{"dial", fmt.Errorf("post: %w", dialErr), store.StatusNotSent, ErrNotSent, 1},
		// The client's clock probe failed with a 5xx: the order itself
		// never left, whatever the probe's error looks like.
		{"clock unknown", &exchange.ClockUnknownError{Venue: "binance", Err: &exchange.APIError{Venue: "binance", HTTPStatus: 503, Msg: "time probe"}}, store.StatusNotSent, ErrNotSent, 1},
		{"4xx filter", filterErr, exchange.StatusRejected, filterErr, 1},
		{"clock, already retried by the client", clockErr, exchange.StatusRejected, clockErr.APIError, 1},
		// Ambiguous: the venue never got it; after the grace period the
		// same client id goes again and lands once.
		{"5xx before the engine", &exchange.AmbiguousError{Op: "place", Err: errors.New("503")}, exchange.StatusNew, nil, 2},
		{"unclassified transport error", errors.New("read: connection reset by peer"), exchange.StatusNew, nil, 2},
		{"5xx APIError", &exchange.APIError{Venue: "binance", HTTPStatus: 502, Msg: "bad gateway"}, exchange.StatusNew, nil, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				x := fakevenue.New(nil)
				d, v, j := newDesk(t, x)
				v.placeErr = func(n int) error {
					if n == 1 {
						return tc.err
					}
					return nil
				}
				start := time.Now()
				o, err := d.Place(context.Background(), acct, limit("0.5"))
				if tc.wantErr == nil && err != nil || tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				if v.places != tc.wantPlaces {
					t.Fatalf("%d sends, want %d", v.places, tc.wantPlaces)
				}
				e, _ := j.Get(acct, o.ClientID)
				if e.Status != tc.wantStatus || o.Status != tc.wantStatus {
					t.Fatalf("journal %s, returned %s, want %s", e.Status, o.Status, tc.wantStatus)
				}
				if n := len(perClientID(x)[o.ClientID]); n != tc.wantPlaces-1 && tc.wantPlaces > 1 {
					t.Fatalf("%d orders on the venue", n)
				}
				if tc.wantPlaces == 2 && time.Since(start) < DefaultGrace {
					t.Fatalf("resent after %s, before the grace period", time.Since(start))
				}
			})
		})
	}
}

func TestDuplicateAnswerAdoptsTheOpenOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		x := fakevenue.New(nil)
		d, v, j := newDesk(t, x)
		// The first send lands but its answer is lost and the venue hides the
		// order from the first two queries: the desk resends, Binance says
		// duplicate, the desk asks again and adopts.
		x.Fault = func(op, _ string) fakevenue.Fault {
			if op == "place" && v.places == 1 {
				return fakevenue.LoseResponse
			}
			return fakevenue.None
		}
		x.Hidden = func(_ string, q int) bool { return q <= 2 }
		o, err := d.Place(context.Background(), acct, limit("1"))
		if err != nil {
			t.Fatal(err)
		}
		if n := len(perClientID(x)[o.ClientID]); n != 1 || v.places != 2 {
			t.Fatalf("%d orders on venue after %d sends", n, v.places)
		}
		recs, _ := j.Records(acct, o.ClientID)
		var seq []exchange.OrderStatus
		for _, r := range recs {
			seq = append(seq, r.Status)
		}
		want := fmt.Sprint([]exchange.OrderStatus{exchange.StatusUnknown, store.StatusSent, exchange.StatusUnknown, exchange.StatusNew})
		if fmt.Sprint(seq) != want {
			t.Fatalf("records %v, want %v", seq, want)
		}
	})
}

// TestSlowVenueIsGivenGraceNotAResend: the venue took the order, lost the
// answer, and does not show the order to the first query; the desk waits
// the account's grace and asks again rather than sending it twice.
func TestSlowVenueIsGivenGraceNotAResend(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []Option
		want time.Duration
	}{
		{"desk grace", []Option{WithGrace(3 * time.Second)}, 3 * time.Second},
		// The account's own (config order_grace_ms) wins over the desk's.
		{"account grace", []Option{WithGrace(time.Hour), WithAccountGrace(acct, 250*time.Millisecond),
			WithAccountGrace("elsewhere", time.Minute)}, 250 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				x := fakevenue.New(nil)
				d, v, _ := newDesk(t, x, tc.opts...)
				x.Fault = func(op, _ string) fakevenue.Fault {
					if op == "place" {
						return fakevenue.LoseResponse
					}
					return fakevenue.None
				}
				x.Hidden = func(_ string, q int) bool { return q == 1 }
				start := time.Now()
				o, err := d.Place(context.Background(), acct, market("2"))
				if err != nil {
					t.Fatal(err)
				}
				if v.places != 1 || o.Status != exchange.StatusFilled || !o.Filled.Equal(decimal.NewFromInt(2)) {
					t.Fatalf("%d sends, order %+v", v.places, o)
				}
				if waited := time.Since(start); waited != tc.want {
					t.Fatalf("waited %s, want %s", waited, tc.want)
				}
			})
		})
	}
}

func TestOlderOrderWithReusedIDIsNotAdopted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// The venue stamps orders an hour in the past: a filled order from
		// an hour ago holds the id (Binance lets a non-open order's id be
		// reused).
		x := fakevenue.New(func() time.Time { return time.Now().Add(-time.Hour) })
		d, v, j := newDesk(t, x)
		ctx := context.Background()
		old := market("1")
		old.ClientID = "reused1"
		if _, err := x.Place(old); err != nil {
			t.Fatal(err)
		}
		req := limit("1")
		req.ClientID = "reused1"
		v.placeErr = func(int) error { return &exchange.AmbiguousError{Op: "place", Err: errors.New("timeout")} }
		_, err := d.Place(ctx, acct, req)
		if !errors.Is(err, ErrNotOurs) {
			t.Fatalf("err = %v, want ErrNotOurs", err)
		}
		if e, _ := j.Get(acct, "reused1"); e.Status != exchange.StatusUnknown {
			t.Fatalf("journal %s, want UNKNOWN", e.Status)
		}
		if v.places != 1 {
			t.Fatalf("%d sends: a foreign order must stop resends", v.places)
		}
	})
}

func TestPlaceWithJournaledClientIDDoesNotSendAgain(t *testing.T) {
	x := fakevenue.New(nil)
	d, v, _ := newDesk(t, x)
	req := limit("1")
	req.ClientID = "vgmine0001"
	ctx := context.Background()
	first, err := d.Place(ctx, acct, req)
	if err != nil {
		t.Fatal(err)
	}
	again, err := d.Place(ctx, acct, req)
	if err != nil || again.OrderID != first.OrderID || v.places != 1 {
		t.Fatalf("second Place: %v, %d sends, %s vs %s", err, v.places, again.OrderID, first.OrderID)
	}
	req.ClientID = "not valid!"
	if _, err := d.Place(ctx, acct, req); err == nil || v.places != 1 {
		t.Fatal("invalid client id was sent")
	}
}

func TestCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		x := fakevenue.New(nil)
		d, v, j := newDesk(t, x)
		ctx := context.Background()

		// Lost cancel answer: the desk asks and adopts CANCELED.
		o, err := d.Place(ctx, acct, limit("1"))
		if err != nil {
			t.Fatal(err)
		}
		x.Fault = func(op, _ string) fakevenue.Fault {
			if op == "cancel" {
				return fakevenue.LoseResponse
			}
			return fakevenue.None
		}
		c, err := d.Cancel(ctx, acct, exchange.OrderRef{Symbol: o.Symbol, OrderID: o.OrderID})
		if err != nil || c.Status != exchange.StatusCanceled {
			t.Fatalf("cancel: %v %+v", err, c)
		}
		if e, _ := j.Get(acct, o.ClientID); e.Status != exchange.StatusCanceled {
			t.Fatalf("journal %s", e.Status)
		}
		recs, _ := j.Records(acct, o.ClientID)
		if recs[1].Status != store.StatusCancelRequested {
			t.Fatalf("CANCEL_REQUESTED not journaled first: %v", recs)
		}

		// Known final: reported without asking the venue.
		cxls := v.cxls
		if _, err := d.Cancel(ctx, acct, exchange.OrderRef{ClientID: o.ClientID}); !errors.Is(err, ErrAlreadyFinal) || v.cxls != cxls {
			t.Fatalf("cancel of a cancelled order: %v (%d venue calls)", err, v.cxls-cxls)
		}

		// Filled on the venue while the journal still says NEW.
		x.Fault = nil
		o2, err := d.Place(ctx, acct, limit("3"))
		if err != nil {
			t.Fatal(err)
		}
		x.Fill(o2.ClientID)
		c2, err := d.Cancel(ctx, acct, exchange.OrderRef{ClientID: o2.ClientID})
		if !errors.Is(err, ErrAlreadyFinal) || c2.Status != exchange.StatusFilled || !c2.Filled.Equal(decimal.NewFromInt(3)) {
			t.Fatalf("cancel of a filled order: %v %+v", err, c2)
		}
		if e, _ := j.Get(acct, o2.ClientID); e.Status != exchange.StatusFilled {
			t.Fatalf("journal %s, want FILLED", e.Status)
		}
	})
}

func TestReconcile(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		j := openJournal(t)
		x := fakevenue.New(nil)
		v := &countingVenue{Venue: &fakevenue.Venue{X: x, Account: acct}}
		now := time.Now()
		intent := func(id string, age time.Duration, req exchange.OrderRequest) {
			req.ClientID = id
			if err := j.RecordIntent(store.Intent{Account: acct, ClientID: id, Req: req, Created: now.Add(-age), Binding: BindingOf(v)}); err != nil {
				t.Fatal(err)
			}
		}
		// Sent before a crash, the venue has it.
		intent("onvenue", 10*time.Second, market("1"))
		req := market("1")
		req.ClientID = "onvenue"
		if _, err := x.Place(req); err != nil {
			t.Fatal(err)
		}
		// Journaled, crash before it left: fresh is resent, old is not.
		intent("fresh", 5*time.Second, limit("1"))
		intent("stale", 10*time.Minute, limit("1"))
		// Acked before the crash, cancelled meanwhile on the venue.
		intent("acked", 20*time.Second, limit("2"))
		req = limit("2")
		req.ClientID = "acked"
		ack, _ := x.Place(req)
		if _, err := j.Append(acct, "acked", store.Transition{Status: exchange.StatusNew, OrderID: ack.OrderID, At: now}); err != nil {
			t.Fatal(err)
		}
		x.Cancel(exchange.OrderRef{ClientID: "acked"})

		d := NewDesk(j, map[string]exchange.Venue{acct: v})
		// Reconcile settles entries concurrently: events come from several
		// goroutines.
		var mu sync.Mutex
		var events []Event
		d.Subscribe(func(e Event) {
			mu.Lock()
			defer mu.Unlock()
			events = append(events, e)
		})
		r, err := d.Reconcile(ctx, acct)
		if err != nil {
			t.Fatal(err)
		}
		if r.Checked != 4 || r.Resolved != 2 || r.Resent != 1 || fmt.Sprint(r.NotPlaced) != "[stale]" || len(r.StillUnknown) != 0 {
			t.Fatalf("report %+v", r)
		}
		if !d.Ready(acct) {
			t.Fatal("not ready after a clean reconcile")
		}
		want := map[string]exchange.OrderStatus{"onvenue": exchange.StatusFilled, "fresh": exchange.StatusNew, "stale": store.StatusNotPlaced, "acked": exchange.StatusCanceled}
		byID := perClientID(x)
		for id, st := range want {
			e, _ := j.Get(acct, id)
			if e.Status != st {
				t.Errorf("%s: journal %s, want %s", id, e.Status, st)
			}
			if n := len(byID[id]); (st == store.StatusNotPlaced) != (n == 0) || n > 1 {
				t.Errorf("%s: %d orders on venue", id, n)
			}
		}
		if len(events) == 0 {
			t.Fatal("no events")
		}
		if un, _ := j.Unresolved(acct); len(un) != 1 || un[0].ClientID != "fresh" {
			t.Fatalf("unresolved after reconcile: %v (only the open order should remain)", un)
		}
	})
}

func TestReconcileKeepsEntryClosedWhileUnknown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		j := openJournal(t)
		x := fakevenue.New(nil)
		v := &countingVenue{Venue: &fakevenue.Venue{X: x, Account: acct}, queryErr: errors.New("503")}
		if err := j.RecordIntent(store.Intent{Account: acct, ClientID: "lost", Req: limit("1"), Created: time.Now(), Binding: BindingOf(v)}); err != nil {
			t.Fatal(err)
		}
		d := NewDesk(j, map[string]exchange.Venue{acct: v})
		r, err := d.Reconcile(context.Background(), acct)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(r.StillUnknown) != "[lost]" || d.Ready(acct) || v.places != 0 {
			t.Fatalf("report %+v ready %v places %d", r, d.Ready(acct), v.places)
		}
		v.queryErr = nil
		if r, _ := d.Reconcile(context.Background(), acct); !d.Ready(acct) || r.Resent != 1 {
			t.Fatalf("second reconcile %+v", r)
		}
	})
}

// TestThousandLostAnswers places and cancels 1,000 orders against a venue
// that often takes an order or cancel and then loses the answer, loses
// requests outright, and is slow to show new orders to queries.
func TestThousandLostAnswers(t *testing.T) {
	n := 1000
	if testing.Short() {
		n = 200
	}
	synctest.Test(t, func(t *testing.T) {
		x := fakevenue.New(nil)
		var rmu sync.Mutex
		rng := rand.New(rand.NewPCG(1, 2))
		roll := func() float64 { rmu.Lock(); defer rmu.Unlock(); return rng.Float64() }
		x.Fault = func(op, _ string) fakevenue.Fault {
			switch p := roll(); {
			case op == "query":
				if p < 0.05 {
					return fakevenue.LoseResponse
				}
			case p < 0.35:
				return fakevenue.LoseResponse
			case p < 0.45:
				return fakevenue.LoseRequest
			}
			return fakevenue.None
		}
		x.Hidden = func(_ string, q int) bool { return q == 1 && roll() < 0.3 }
		d, _, j := newDesk(t, x, WithAttempts(5))
		ctx := context.Background()
		var wg sync.WaitGroup
		work := make(chan int)
		var errMu sync.Mutex
		var unresolvedIDs []string
		for range 8 {
			wg.Go(func() {
				for i := range work {
					req := limit("0.01")
					if i%3 == 0 {
						req = market("0.01")
					}
					o, err := d.Place(ctx, acct, req)
					var u *UnresolvedError
					if errors.As(err, &u) {
						errMu.Lock()
						unresolvedIDs = append(unresolvedIDs, u.ClientID)
						errMu.Unlock()
						continue
					}
					if err != nil {
						t.Errorf("place %d: %v", i, err)
						continue
					}
					if o.Status.Open() && i%2 == 0 {
						if _, err := d.Cancel(ctx, acct, exchange.OrderRef{ClientID: o.ClientID}); err != nil && !errors.As(err, &u) {
							t.Errorf("cancel %s: %v", o.ClientID, err)
						}
					}
				}
			})
		}
		for i := range n {
			work <- i
		}
		close(work)
		wg.Wait()

		// What is left is settled by Reconcile, with a healthy venue.
		x.Fault = nil
		if r, err := d.Reconcile(ctx, acct); err != nil || len(r.StillUnknown) > 0 {
			t.Fatalf("reconcile: %v %+v", err, r)
		}
		t.Logf("%d orders on the venue; %d left unknown by Place", len(x.Orders()), len(unresolvedIDs))

		hist, err := j.History(acct, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(hist) != n {
			t.Fatalf("%d intents journaled, want %d", len(hist), n)
		}
		byID := perClientID(x)
		if len(byID) > n {
			t.Fatalf("venue has %d client ids, journal %d", len(byID), n)
		}
		for _, e := range hist {
			vo := byID[e.ClientID]
			if len(vo) > 1 {
				t.Fatalf("%s: %d orders on the venue", e.ClientID, len(vo))
			}
			if len(vo) == 0 {
				if e.Status != store.StatusNotSent && e.Status != store.StatusNotPlaced {
					t.Fatalf("%s: journal %s, venue has nothing", e.ClientID, e.Status)
				}
				continue
			}
			got, want := e.Status, vo[0].Status
			if got == store.StatusCancelRequested {
				t.Fatalf("%s: cancel left unresolved", e.ClientID)
			}
			if got != want || e.OrderID != vo[0].OrderID || !e.Filled.Equal(vo[0].Filled) {
				t.Fatalf("%s: journal %s/%s/%s, venue %s/%s/%s", e.ClientID, got, e.OrderID, e.Filled, want, vo[0].OrderID, vo[0].Filled)
			}
		}
	})
}
