package exchange

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestScopes(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	s := NewScopes("acct", clock)
	lim := func(name string, n int) Limit {
		return Limit{Name: name, Kind: LimitOrders, Limit: n, Window: time.Second, Rolling: true}
	}
	place, created := s.Get("place BTC-USDT", lim("place BTC-USDT/2s", 2))
	if !created {
		t.Fatal("first Get did not create")
	}
	if again, created := s.Get("place BTC-USDT", lim("ignored", 99)); created || again != place {
		t.Fatal("second Get made a new budget")
	}
	ctx := context.Background()
	for range 2 {
		if err := place.Acquire(ctx, Cost{Orders: 1, Priority: Trading}); err != nil {
			t.Fatal(err)
		}
	}
	// Scopes are independent: a full bucket in one leaves another free.
	bal, _ := s.Get("balance", lim("balance/2s", 1))
	if err := bal.Acquire(ctx, Cost{Orders: 1, Priority: Trading}); err != nil {
		t.Fatal(err)
	}

	snap := s.Snapshot()
	if len(snap.Buckets) != 2 || snap.Buckets[0].Name != "balance/2s" || snap.Buckets[1].Name != "place BTC-USDT/2s" ||
		snap.Buckets[1].Used != 2 || snap.Account != "acct" {
		t.Fatalf("merged snapshot %+v", snap)
	}

	// A ban reaches every scope, including one made while it lasts.
	until := now.Add(30 * time.Second)
	s.Ban(until, "venue said so")
	s.Ban(now.Add(time.Second), "shorter") // never cuts the longer one
	later, _ := s.Get("cancel", lim("cancel/2s", 5))
	for _, b := range []ScopedBudget{place, bal, later} {
		if got := b.Snapshot().BannedUntil; !got.Equal(until) {
			t.Fatalf("scope banned until %v, want %v", got, until)
		}
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	var rl *RateLimitError
	if err := later.Acquire(cctx, Cost{Orders: 1, Priority: Trading}); err == nil || (!errors.As(err, &rl) && !errors.Is(err, context.Canceled)) {
		t.Fatalf("banned scope let a request through: %v", err)
	}
	if snap := s.Snapshot(); !snap.BannedUntil.Equal(until) || snap.BanReason != "venue said so" {
		t.Fatalf("snapshot ban %v %q", snap.BannedUntil, snap.BanReason)
	}
	now = until.Add(time.Second)
	if snap := s.Snapshot(); !snap.BannedUntil.IsZero() {
		t.Fatalf("expired ban still shown: %v", snap.BannedUntil)
	}
}
