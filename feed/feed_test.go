package feed

import (
	"context"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/feed/feedtest"
	"github.com/vigil-trade/vigil/views"
)

func venue(name string) *feedtest.Venue {
	return feedtest.New(exchange.AccountInfo{Name: name, Venue: "memory", Network: exchange.Testnet}, nil)
}

func byAccount(got []Envelope, account string) []Envelope {
	var out []Envelope
	for _, e := range got {
		if e.Account == account {
			out = append(out, e)
		}
	}
	return out
}

func TestHungAccountDoesNotHoldBackOthers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		good, hung := venue("good"), venue("hung")
		hung.SetHang(true)
		var rec recorder
		f := Start(ctx, []exchange.Venue{good, hung}, rec.sink(0), Options{Timeout: 10 * time.Second})

		time.Sleep(2 * time.Second)
		synctest.Wait()
		var goodBal, goodClock bool
		for _, e := range byAccount(rec.snapshot(), "good") {
			switch m := e.Msg.(type) {
			case views.BalancesMsg:
				goodBal = m.Err == nil && len(m.Balances) == 2
			case views.ClockMsg:
				goodClock = goodClock || m.Snapshot.Synced
			}
		}
		if !goodBal || !goodClock {
			t.Fatalf("good account: balances=%v clock=%v while the other hangs", goodBal, goodClock)
		}
		if hung.InFlight() == 0 {
			t.Fatal("hung account has no call in flight; test proves nothing")
		}

		// After the per-request timeout the hung account reports it.
		time.Sleep(10 * time.Second)
		synctest.Wait()
		var clockErr, balErr, keyErr string
		for _, e := range byAccount(rec.snapshot(), "hung") {
			switch m := e.Msg.(type) {
			case views.ClockMsg:
				if m.Snapshot.Err != "" {
					clockErr = m.Snapshot.Err
				}
			case views.BalancesMsg:
				if m.Err != nil {
					balErr = m.Err.Error()
				}
			case views.KeyInfoMsg:
				if m.Err != nil {
					keyErr = m.Err.Error()
				}
			}
		}
		if clockErr == "" || !strings.Contains(balErr, "timed out") || !strings.Contains(keyErr, "timed out") {
			t.Fatalf("hung account errors: clock=%q balances=%q key=%q", clockErr, balErr, keyErr)
		}
		cancel()
		f.Wait()
	})
}

func TestFailedKeyAuditRetriedSoon(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		a := venue("a")
		a.SetHang(true)
		var rec recorder
		f := Start(ctx, []exchange.Venue{a}, rec.sink(0), Options{Timeout: 2 * time.Second, KeyEvery: 10 * time.Minute})
		time.Sleep(3 * time.Second)
		synctest.Wait()
		a.SetHang(false)
		lastKey := func() (views.KeyInfoMsg, bool) {
			var last views.KeyInfoMsg
			var ok bool
			for _, e := range byAccount(rec.snapshot(), "a") {
				if m, is := e.Msg.(views.KeyInfoMsg); is {
					last, ok = m, true
				}
			}
			return last, ok
		}
		if m, ok := lastKey(); !ok || m.Err == nil {
			t.Fatalf("hung audit: %+v, want an error", m)
		}
		// Far sooner than KeyEvery, the audit is tried again and succeeds.
		time.Sleep(time.Minute)
		synctest.Wait()
		if m, _ := lastKey(); m.Err != nil || m.Info.Trade != exchange.TriYes {
			t.Fatalf("a minute after a failed audit: %+v, want a good audit", m)
		}
		calls := a.Calls("KeyInfo")
		// Once good, the next audit waits the full period.
		time.Sleep(5 * time.Minute)
		synctest.Wait()
		if n := a.Calls("KeyInfo"); n != calls {
			t.Fatalf("%d audits in the 5 minutes after a good one, want none", n-calls)
		}
		cancel()
		f.Wait()
	})
}

func TestResyncSyncsAtOnceAndScheduleResyncs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		a := venue("a")
		var rec recorder
		f := Start(ctx, []exchange.Venue{a}, rec.sink(0), Options{ClockEvery: 30 * time.Second})
		synctest.Wait()
		if n := a.Calls("SyncClock"); n != 1 {
			t.Fatalf("SyncClock calls at start = %d, want 1", n)
		}
		f.Resync("a")
		synctest.Wait()
		if n := a.Calls("SyncClock"); n != 2 {
			t.Fatalf("after Resync SyncClock calls = %d, want 2", n)
		}
		time.Sleep(20 * time.Second)
		synctest.Wait()
		if n := a.Calls("SyncClock"); n != 2 {
			t.Fatalf("SyncClock calls = %d before the schedule is due", n)
		}
		time.Sleep(11 * time.Second)
		synctest.Wait()
		if n := a.Calls("SyncClock"); n != 3 {
			t.Fatalf("SyncClock calls = %d after 30s, want 3", n)
		}
		// Balances every 10s, open orders every 5s, key once.
		if n := a.Calls("KeyInfo"); n != 1 {
			t.Fatalf("KeyInfo calls = %d, want 1", n)
		}
		if n := a.Calls("Balances"); n < 3 || n > 5 {
			t.Fatalf("Balances calls = %d over 31s", n)
		}
		cancel()
		f.Wait()
	})
}

func TestOrdersPollReportsChangesOnly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		a := venue("a")
		o, err := a.Place(ctx, exchange.OrderRequest{
			Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.LimitOrder, TIF: exchange.GTC,
			Qty: decimal.RequireFromString("0.01"), Price: decimal.RequireFromString("40000"), ClientID: "c1",
		})
		if err != nil {
			t.Fatal(err)
		}
		var rec recorder
		var heard []exchange.OrderStatus // what OnOrder (the journal) hears
		var mu sync.Mutex
		onOrder := func(account string, o exchange.Order) {
			mu.Lock()
			defer mu.Unlock()
			if account == "a" && o.ClientID == "c1" {
				heard = append(heard, o.Status)
			}
		}
		f := Start(ctx, []exchange.Venue{a}, rec.sink(0), Options{OnOrder: onOrder})
		time.Sleep(12 * time.Second) // three polls
		synctest.Wait()
		a.CancelBehindOurBack(o.ClientID)
		time.Sleep(5 * time.Second)
		synctest.Wait()
		var kinds []exchange.EventKind
		for _, e := range rec.snapshot() {
			if m, ok := e.Msg.(views.OrderEventMsg); ok {
				kinds = append(kinds, m.Event.Kind)
				if m.Event.Order.Account != "a" || m.Event.Order.ClientID != "c1" {
					t.Fatalf("event for %+v", m.Event.Order)
				}
			}
		}
		want := []exchange.EventKind{exchange.EventSnapshot, exchange.EventCancel}
		if len(kinds) != 2 || kinds[0] != want[0] || kinds[1] != want[1] {
			t.Fatalf("order events %v, want %v", kinds, want)
		}
		mu.Lock()
		if len(heard) != 2 || heard[0] != exchange.StatusNew || heard[1] != exchange.StatusCanceled {
			t.Fatalf("OnOrder heard %v, want NEW then CANCELED", heard)
		}
		mu.Unlock()
		cancel()
		f.Wait()
	})
}

func TestRestartStartsNewGenerationAndDropsOld(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		a := venue("a")
		a.SetHang(true)
		var rec recorder
		f := Start(ctx, []exchange.Venue{a}, rec.sink(0), Options{})
		synctest.Wait()
		a.SetHang(false)
		f.Restart("a")
		time.Sleep(time.Second)
		synctest.Wait()
		got := rec.snapshot()
		var started []uint64
		for _, e := range got {
			if s, ok := e.Msg.(Started); ok {
				started = append(started, s.Gen)
			}
		}
		if len(started) != 2 || started[0] != 1 || started[1] != 2 {
			t.Fatalf("Started gens %v, want [1 2]", started)
		}
		// The first generation's calls ended with their context; nothing
		// they produced after the restart may arrive.
		var sawNew bool
		for _, e := range got {
			if e.Gen == 2 {
				sawNew = true
			}
			if sawNew && e.Gen == 1 {
				t.Fatalf("gen 1 message %T delivered after gen 2 began", e.Msg)
			}
		}
		if a.InFlight() != 0 {
			t.Fatalf("%d calls of the old generation still blocked", a.InFlight())
		}
		cancel()
		f.Wait()
	})
}

// Issue 14: a sync that lost samples to a 5xx or a slow answer succeeds,
// and its error showed only in the clock pane, clipped. It reaches Events
// once per cause (not once per sync as the count of failed samples moves),
// and Events says when it clears.
func TestPartialClockSyncFaultReachesEventsOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		a := venue("a")
		var rec recorder
		f := Start(ctx, []exchange.Venue{a}, rec.sink(0), Options{ClockEvery: time.Hour})
		synctest.Wait()
		for _, fault := range []string{"3 of 8 samples failed: HTTP 503: service unavailable", "2 of 8 samples failed: HTTP 503: service unavailable", "1 of 8 samples failed: timed out (venue not answering)", ""} {
			a.SetSyncFault(fault)
			f.Resync("a")
			synctest.Wait()
		}
		f.Resync("a")
		synctest.Wait()
		cancel()
		f.Wait()

		st := views.NewStyles(true, false)
		log := views.NewEventLog(&st)
		log.SetSize(150, 20)
		for _, e := range rec.snapshot() {
			if m, ok := e.Msg.(views.LogMsg); ok && strings.Contains(m.Text, "clock") {
				log.Update(m)
			}
		}
		screen := ansi.Strip(log.View())
		for _, want := range []string{"clock sync: 3 of 8 samples failed: HTTP 503", "clock sync: 1 of 8 samples failed: timed out", "clock sync recovered"} {
			if strings.Count(screen, want) != 1 {
				t.Errorf("want %q once in Events:\n%s", want, screen)
			}
		}
		if strings.Contains(screen, "2 of 8") {
			t.Errorf("the same cause logged again as its count moved:\n%s", screen)
		}
	})
}

// positionsVenue is a venue that holds positions.
type positionsVenue struct {
	*feedtest.Venue
	pos []exchange.Position
}

func (v positionsVenue) Positions(context.Context) ([]exchange.Position, error) { return v.pos, nil }

// TestPositionsPolledOnlyWhereHeld: an account whose venue holds
// positions gets them on the positions pane's message, an empty set when
// it holds none; a spot venue sends no positions message at all (the pane
// does not list it).
func TestPositionsPolledOnlyWhereHeld(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		perp := positionsVenue{venue("perp"), []exchange.Position{{Symbol: "BTC-PERP", Size: decimal.RequireFromString("-2")}}}
		flat := positionsVenue{venue("flat"), nil}
		spot := venue("spot")
		var rec recorder
		f := Start(ctx, []exchange.Venue{perp, flat, spot}, rec.sink(0), Options{})
		time.Sleep(2 * time.Second)
		synctest.Wait()
		got := map[string]views.PositionsMsg{}
		for _, e := range rec.snapshot() {
			if m, ok := e.Msg.(views.PositionsMsg); ok {
				got[m.Account] = m
			}
		}
		if m, ok := got["perp"]; !ok || len(m.Positions) != 1 || m.Positions[0].Side() != "short" {
			t.Errorf("perp: %+v", got["perp"])
		}
		if m, ok := got["flat"]; !ok || m.Positions == nil || len(m.Positions) != 0 || m.Err != nil {
			t.Errorf("flat: %+v (want an empty, non-nil set)", got["flat"])
		}
		if _, ok := got["spot"]; ok {
			t.Error("a spot venue sent positions")
		}
		cancel()
		f.Wait()
	})
}

// TestClockSyncBacksOffWhileVenueDown: a venue that does not answer is
// asked again after a growing wait, not at every one-second check (which
// made ~50 syncs in two minutes, each several requests); once it answers
// again the clock is synced within the cap.
func TestClockSyncBacksOffWhileVenueDown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		v := venue("down")
		v.SetHang(true)
		var rec recorder
		f := Start(ctx, []exchange.Venue{v}, rec.sink(0), Options{Timeout: 2 * time.Second})
		time.Sleep(2 * time.Minute)
		synctest.Wait()
		if n := v.Calls("SyncClock"); n < 3 || n > 15 {
			t.Errorf("%d clock syncs in two minutes of a dead venue, want a backed-off handful", n)
		}
		v.SetHang(false)
		time.Sleep(50 * time.Second)
		synctest.Wait()
		if s := v.Clock(); !s.Synced {
			t.Errorf("not synced 50 s after the venue came back: %+v", s)
		}
		cancel()
		f.Wait()
	})
}
