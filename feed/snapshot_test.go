package feed

import (
	"context"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/views"
)

func countKinds(es []Envelope) (clock, budget int) {
	for _, e := range es {
		switch e.Msg.(type) {
		case views.ClockMsg:
			clock++
		case views.BudgetMsg:
			budget++
		}
	}
	return clock, budget
}

// An idle account's clock and budget reach the program when they change,
// not every second: twenty idle accounts were forty messages a second, each
// redrawing every account.
func TestSnapshotsPushedWhenChanged(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		a := venue("a")
		var rec recorder
		// Polls far apart, so nothing but the test changes the budget.
		f := Start(ctx, []exchange.Venue{a}, rec.sink(0), Options{BalancesEvery: time.Hour, OrdersEvery: time.Hour, ClockEvery: time.Hour})
		time.Sleep(2 * time.Second)
		synctest.Wait()
		clock0, budget0 := countKinds(rec.snapshot())
		if clock0 == 0 || budget0 == 0 {
			t.Fatalf("start: %d clock and %d budget snapshots, want the first of each", clock0, budget0)
		}
		time.Sleep(30 * time.Second)
		synctest.Wait()
		if c, b := countKinds(rec.snapshot()); c != clock0 || b != budget0 {
			t.Fatalf("30 idle seconds pushed %d clock and %d budget snapshots, want none", c-clock0, b-budget0)
		}

		// A ban is news: it arrives within a snapshot period.
		a.SetBan(time.Now().Add(time.Minute), "418")
		time.Sleep(time.Second)
		synctest.Wait()
		var banned bool
		for _, e := range rec.snapshot() {
			if m, ok := e.Msg.(views.BudgetMsg); ok && m.Snapshot.BanReason == "418" {
				banned = true
			}
		}
		if !banned {
			t.Fatal("the ban never reached the program")
		}

		// A restarted account starts from nothing: its new generation
		// gets a snapshot even though the venue's did not change.
		f.Restart("a")
		time.Sleep(time.Second)
		synctest.Wait()
		var gen2 bool
		for _, e := range rec.snapshot() {
			if _, ok := e.Msg.(views.BudgetMsg); ok && e.Gen == 2 {
				gen2 = true
			}
		}
		if !gen2 {
			t.Fatal("no budget snapshot for the restarted generation")
		}
		cancel()
		f.Wait()
	})
}

// Every account's snapshots of one period come to the program as one
// Batch: one Update and one frame, however many accounts.
func TestManyAccountsSnapshotsInOneBatch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		var vs []exchange.Venue
		for i := range 20 {
			vs = append(vs, venue(fmt.Sprintf("a%02d", i)))
		}
		var rec recorder
		f := Start(ctx, vs, rec.sink(0), Options{BalancesEvery: time.Hour, OrdersEvery: time.Hour, ClockEvery: time.Hour})
		time.Sleep(2 * time.Second)
		synctest.Wait()
		before := rec.batches
		for _, v := range vs {
			v.(interface{ SetBan(time.Time, string) }).SetBan(time.Now().Add(time.Minute), "418")
		}
		time.Sleep(time.Second)
		synctest.Wait()
		rec.mu.Lock()
		batches := rec.batches - before
		rec.mu.Unlock()
		_, budgets := countKinds(rec.snapshot())
		if batches != 1 || budgets < 40 {
			t.Fatalf("20 accounts' new budgets came in %d deliveries (%d budget snapshots in all), want 1", batches, budgets)
		}
		cancel()
		f.Wait()
	})
}

func TestSameClockIgnoresWhatThePaneCannotShow(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	base := exchange.ClockSnapshot{Account: "a", Synced: true, Offset: 38600 * time.Microsecond, Uncertainty: 3900 * time.Microsecond,
		HeadroomAhead: time.Second, HeadroomBehind: 4 * time.Second, LastSync: at, Recent: []time.Duration{time.Millisecond}, Samples: 3}
	moved := base
	moved.Offset += 20 * time.Microsecond
	moved.Uncertainty += 10 * time.Microsecond
	moved.Recent = []time.Duration{time.Millisecond}
	if !sameClock(base, moved) {
		t.Error("a move of 20µs counted as news")
	}
	for name, change := range map[string]func(*exchange.ClockSnapshot){
		"offset":    func(s *exchange.ClockSnapshot) { s.Offset += 100 * time.Microsecond },
		"last sync": func(s *exchange.ClockSnapshot) { s.LastSync = at.Add(time.Second) },
		"samples":   func(s *exchange.ClockSnapshot) { s.Samples++ },
		"recent":    func(s *exchange.ClockSnapshot) { s.Recent = []time.Duration{2 * time.Millisecond} },
		"error":     func(s *exchange.ClockSnapshot) { s.Err = "timed out" },
		"danger":    func(s *exchange.ClockSnapshot) { s.Danger = true },
	} {
		c := base
		change(&c)
		if sameClock(base, c) {
			t.Errorf("%s changed and sameClock said same", name)
		}
	}

	b := exchange.BudgetSnapshot{Account: "a", At: at, Buckets: []exchange.Bucket{
		{Name: "weight/1m", Used: 10, Limit: 6000, Window: time.Minute, ResetAt: at.Add(time.Minute)},
		{Name: "orders/2s", Used: 0, Limit: 60, Window: 2 * time.Second, ResetAt: at},
	}}
	later := b
	later.At = at.Add(time.Second)
	later.Buckets = []exchange.Bucket{b.Buckets[0], b.Buckets[1]}
	later.Buckets[1].ResetAt = later.At // an empty rolling window resets "now"
	if !sameBudget(b, later) {
		t.Error("an idle budget a second later counted as news")
	}
	used := later
	used.Buckets = []exchange.Bucket{b.Buckets[0], b.Buckets[1]}
	used.Buckets[0].Used++
	if sameBudget(b, used) {
		t.Error("one more unit of weight was not news")
	}
}
