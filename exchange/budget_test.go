package exchange

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// pass lets fake time run inside a synctest bubble (network latency, think
// time): no real time passes.
func pass(d time.Duration) {
	t := time.NewTimer(d)
	<-t.C
}

// venueLimiter is an in-memory venue enforcing one limit the way the venue
// does: on arrival, by its own clock (here the same fake clock).
type venueLimiter struct {
	mu      sync.Mutex
	limit   int
	window  time.Duration
	rolling bool

	start    time.Time
	used     int
	log      []charge      // rolling
	perWin   map[int64]int // accepted weight per fixed window
	rejected int           // "429"s
}

func (v *venueLimiter) handle(w int) (used int, ok bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	now := time.Now()
	if v.rolling {
		n := 0
		kept := v.log[:0]
		for _, c := range v.log {
			if c.at.After(now.Add(-v.window)) {
				kept = append(kept, c)
				n += c.n
			}
		}
		v.log = kept
		if n+w > v.limit {
			v.rejected++
			return n, false
		}
		v.log = append(v.log, charge{at: now, n: w})
		return n + w, true
	}
	if s := alignStart(now, v.window); !s.Equal(v.start) {
		v.start, v.used = s, 0
	}
	if v.used+w > v.limit {
		v.rejected++
		return v.used, false
	}
	v.used += w
	if v.perWin == nil {
		v.perWin = map[int64]int{}
	}
	v.perWin[v.start.UnixNano()] += w
	return v.used, true
}

// Ten times more demand than the limit, from callers of every priority, over
// five windows: the venue never says 429 and at least 90% of the limit is
// used in every window.
func TestBudgetOverloadNo429(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const limit, weight = 1200, 5
		venue := &venueLimiter{limit: limit, window: time.Minute}
		b := NewBudget("acct", time.Now, Limit{Name: "weight/1m", Kind: LimitWeight, Limit: limit, Window: time.Minute})
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()

		var wg sync.WaitGroup
		var mu sync.Mutex
		sent := 0
		// 12 callers, each one request (5 weight) per ~260 ms: ~13,800 weight
		// a minute against 1,200.
		for i := range 12 {
			prio := Background
			switch {
			case i >= 10:
				prio = Trading
			case i >= 8:
				prio = Interactive
			}
			wg.Go(func() {
				for {
					if err := b.Acquire(ctx, Cost{Weight: weight, Priority: prio}); err != nil {
						return
					}
					pass(30 * time.Millisecond) // request leg
					used, _ := venue.handle(weight)
					b.ObserveAt("weight/1m", used, time.Now())
					pass(30 * time.Millisecond) // response leg
					mu.Lock()
					sent++
					mu.Unlock()
					pass(200 * time.Millisecond) // think time
				}
			})
		}
		pass(90 * time.Second)
		if s := b.Snapshot(); s.Waiting == 0 || s.Buckets[0].Used > limit {
			t.Errorf("mid-run snapshot: waiting %d, used %d/%d", s.Waiting, s.Buckets[0].Used, limit)
		}
		wg.Wait()

		if venue.rejected != 0 {
			t.Fatalf("venue answered 429 %d times", venue.rejected)
		}
		start := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
		for w := range 5 {
			got := venue.perWin[start.Add(time.Duration(w)*time.Minute).UnixNano()]
			if got*10 < limit*9 {
				t.Errorf("window %d used %d of %d (< 90%%)", w, got, limit)
			}
		}
		if demand := sent * weight; demand > 5*limit+limit/2 {
			t.Fatalf("more sent (%d weight) than five windows allow", demand)
		}
	})
}

// A rolling per-endpoint limit (Bybit: order/create 10 per rolling second)
// under overload: no rejections, and an unscoped cost does not touch it.
func TestBudgetRollingScoped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		venue := &venueLimiter{limit: 10, window: time.Second, rolling: true}
		b := NewBudget("acct", time.Now,
			Limit{Name: "order/create", Kind: LimitRaw, Limit: 10, Window: time.Second, Scope: "order/create", Rolling: true})
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		var wg sync.WaitGroup
		var mu sync.Mutex
		accepted := 0
		for range 8 {
			wg.Go(func() {
				for {
					if err := b.Acquire(ctx, Cost{Orders: 1, Priority: Trading, Scope: "order/create"}); err != nil {
						return
					}
					// jittery transit: the venue's rolling second ends later
					// than ours for a slow request
					pass(5*time.Millisecond + time.Duration(time.Now().UnixNano()%60)*time.Millisecond)
					if _, ok := venue.handle(1); ok {
						mu.Lock()
						accepted++
						mu.Unlock()
					}
					pass(20 * time.Millisecond)
				}
			})
		}
		wg.Wait()
		if venue.rejected != 0 {
			t.Fatalf("venue rejected %d requests", venue.rejected)
		}
		if accepted < 20*10*8/10 {
			t.Fatalf("only %d accepted in 20 s at 10/s", accepted)
		}
		if err := b.Acquire(context.Background(), Cost{Weight: 1}); err != nil {
			t.Fatal(err)
		}
		before := b.Snapshot().Buckets[0].Used
		for range 50 {
			if err := b.Acquire(context.Background(), Cost{Weight: 1, Scope: "wallet-balance"}); err != nil {
				t.Fatal(err)
			}
		}
		if after := b.Snapshot().Buckets[0].Used; after != before {
			t.Fatalf("other scopes charged the order/create bucket: %d → %d", before, after)
		}
	})
}

// With background polling holding the weight bucket at its ceiling, an order
// still goes out at once, not at the next window.
func TestBudgetReserveForTrading(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := NewBudget("acct", time.Now,
			Limit{Name: "weight/1m", Kind: LimitWeight, Limit: 1000, Window: time.Minute},
			Limit{Name: "orders/10s", Kind: LimitOrders, Limit: 50, Window: 10 * time.Second})
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		defer wg.Wait() // runs after cancel, also when a check fails
		defer cancel()
		for range 6 {
			wg.Go(func() {
				for b.Acquire(ctx, Cost{Weight: 10, Priority: Background}) == nil {
					pass(10 * time.Millisecond)
				}
			})
		}
		pass(20 * time.Second)
		s := b.Snapshot()
		if used := s.Buckets[0].Used; used != 900 {
			t.Fatalf("background used %d, want exactly its 90%% (900)", used)
		}
		if s.Waiting == 0 {
			t.Fatal("background pollers are not waiting")
		}

		// Background with a short deadline: refused at once, both errors.
		short, cancelShort := context.WithTimeout(context.Background(), time.Second)
		err := b.Acquire(short, Cost{Weight: 10, Priority: Background})
		cancelShort()
		var lle *LocalLimitError
		if !errors.As(err, &lle) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("background over its share: %v", err)
		}
		if want := time.Date(2000, 1, 1, 0, 1, 0, 0, time.UTC); !lle.Until.Equal(want) {
			t.Fatalf("Until %v, want %v", lle.Until, want)
		}

		start := time.Now()
		for range 5 { // place + cancel traffic
			if err := b.Acquire(context.Background(), Cost{Weight: 1, Orders: 1, Priority: Trading}); err != nil {
				t.Fatal(err)
			}
		}
		if waited := time.Since(start); waited != 0 {
			t.Fatalf("trading waited %v behind background polling", waited)
		}
		if err := b.Acquire(context.Background(), Cost{Weight: 40, Priority: Interactive}); err != nil {
			t.Fatal(err)
		}
		if waited := time.Since(start); waited != 0 {
			t.Fatalf("interactive waited %v for its half of the reserve", waited)
		}
	})
}

func TestBudgetBan(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := NewBudget("acct", time.Now, Limit{Name: "weight/1m", Kind: LimitWeight, Limit: 6000, Window: time.Minute})
		until := time.Now().Add(2 * time.Minute)
		b.Ban(until, "418 IP banned")
		b.Ban(time.Now().Add(time.Minute), "429") // shorter: does not cut the ban
		if s := b.Snapshot(); !s.BannedUntil.Equal(until) || s.BanReason != "418 IP banned" || !s.Banned(time.Now()) {
			t.Fatalf("snapshot during ban: %+v", s)
		}

		var lle *LocalLimitError
		for _, p := range []Priority{Background, Interactive, Trading} {
			start := time.Now()
			err := b.Acquire(context.Background(), Cost{Weight: 1, Priority: p})
			if !errors.As(err, &lle) || !lle.Until.Equal(until) {
				t.Fatalf("priority %d during ban: %v", p, err)
			}
			if time.Since(start) != 0 {
				t.Fatalf("priority %d waited during a ban without a deadline", p)
			}
		}
		// A deadline before the ban ends: fail at once.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		if err := b.Acquire(ctx, Cost{Weight: 1, Priority: Trading}); !errors.As(err, &lle) {
			t.Fatalf("short deadline during ban: %v", err)
		}
		cancel()
		// Background never waits out a ban, whatever its deadline.
		ctx, cancel = context.WithTimeout(context.Background(), time.Hour)
		if err := b.Acquire(ctx, Cost{Weight: 1, Priority: Background}); !errors.As(err, &lle) {
			t.Fatalf("background during ban: %v", err)
		}
		// A trader whose deadline outlasts the ban waits for it.
		start := time.Now()
		if err := b.Acquire(ctx, Cost{Weight: 1, Priority: Trading}); err != nil {
			t.Fatalf("trading with a long deadline: %v", err)
		}
		cancel()
		if waited := time.Since(start); waited != 2*time.Minute {
			t.Fatalf("waited %v, want the 2 min ban", waited)
		}
		if err := b.Acquire(context.Background(), Cost{Weight: 1}); err != nil {
			t.Fatalf("after the ban: %v", err)
		}
		if s := b.Snapshot(); !s.BannedUntil.IsZero() || s.Banned(time.Now()) {
			t.Fatalf("ban still shown after it ended: %+v", s)
		}
	})
}

func TestBudgetObserve(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const name = "weight/1m"
		b := NewBudget("acct", time.Now, Limit{Name: name, Kind: LimitWeight, Limit: 1200, Window: time.Minute})
		used := func() int { return b.Snapshot().Buckets[0].Used }
		pass(10 * time.Second)
		if err := b.Acquire(context.Background(), Cost{Weight: 10}); err != nil {
			t.Fatal(err)
		}
		b.Observe(name, 700) // other processes on the same IP
		if got := used(); got != 700 {
			t.Fatalf("after Observe(700): used %d", got)
		}
		b.Observe(name, 5) // a stale, lower count does not lower ours
		if got := used(); got != 700 {
			t.Fatalf("after Observe(5): used %d", got)
		}

		pass(50*time.Second + 100*time.Millisecond) // 100 ms into the next window
		if got := used(); got != 0 {
			t.Fatalf("new window starts at %d", got)
		}
		// A reply from the old window arriving late must not inflate this one.
		b.ObserveAt(name, 1190, time.Now().Add(-150*time.Millisecond))
		b.Observe(name, 1190) // arrival time only: within the guard, ignored
		if got := used(); got != 0 {
			t.Fatalf("late observation inflated the new window to %d", got)
		}
		pass(time.Second)
		b.Observe(name, 40)
		if got := used(); got != 40 {
			t.Fatalf("observation in the window: used %d, want 40", got)
		}
		// An observation that raises usage makes a caller wait for the boundary.
		b.ObserveAt(name, 1200, time.Now())
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		var lle *LocalLimitError
		if err := b.Acquire(ctx, Cost{Weight: 1, Priority: Trading}); !errors.As(err, &lle) {
			t.Fatalf("bucket full by observation: %v", err)
		}
	})
}

// TestBudgetRollingObserveCountsOursOnce: a rolling bucket's charges are
// held guard after sending (so they expire no sooner than at the venue);
// a venue count that includes them must not add them again.
func TestBudgetRollingObserveCountsOursOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const name = "order/create/1s"
		b := NewBudget("acct", time.Now, Limit{Name: name, Kind: LimitOrders, Limit: 20, Window: time.Second, Rolling: true})
		used := func() int { return b.Snapshot().Buckets[0].Used }
		for i := 1; i <= 3; i++ {
			sent := time.Now()
			if err := b.Acquire(context.Background(), Cost{Orders: 1, Priority: Trading}); err != nil {
				t.Fatal(err)
			}
			pass(2 * time.Millisecond) // a fast link: the reply within the guard
			if i%2 == 0 {
				b.ObserveAt(name, i, sent)
			} else {
				b.Observe(name, i)
			}
			if got := used(); got != i {
				t.Fatalf("after %d orders the venue counted %d, the gauge %d", i, i, got)
			}
		}
		b.Observe(name, 7) // four more from another program on the key
		if got := used(); got != 7 {
			t.Fatalf("others' orders: used %d, want 7", got)
		}
	})
}

// TestBudgetEnsureLimit: a per-endpoint limit is added when first met and
// not put back over the venue's correction.
func TestBudgetEnsureLimit(t *testing.T) {
	b := NewBudget("acct", time.Now)
	l := Limit{Name: "wallet/1s", Kind: LimitRaw, Limit: 50, Window: time.Second, Scope: "wallet", Rolling: true}
	b.EnsureLimit(l)
	b.EnsureLimit(l)
	if s := b.Snapshot(); len(s.Buckets) != 1 || s.Buckets[0].Limit != 50 {
		t.Fatalf("buckets %+v", s.Buckets)
	}
	l.Limit = 40
	b.AddLimit(l) // the venue's headers say 40
	l.Limit = 50
	b.EnsureLimit(l)
	if got := b.Snapshot().Buckets[0].Limit; got != 40 {
		t.Fatalf("EnsureLimit overrode the venue's limit: %d", got)
	}
}

func TestBudgetWindowReset(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pass(17 * time.Second) // not on a boundary: windows still align to the epoch
		b := NewBudget("acct", time.Now,
			Limit{Name: "weight/1m", Kind: LimitWeight, Limit: 100, Window: time.Minute},
			Limit{Name: "raw/5m", Kind: LimitRaw, Limit: 1000, Window: 5 * time.Minute})
		boundary := time.Date(2000, 1, 1, 0, 1, 0, 0, time.UTC)
		for range 9 {
			if err := b.Acquire(context.Background(), Cost{Weight: 10}); err != nil {
				t.Fatal(err)
			}
		}
		s := b.Snapshot()
		if s.Buckets[0].Used != 90 || !s.Buckets[0].ResetAt.Equal(boundary) {
			t.Fatalf("bucket %+v, want used 90 resetting at %v", s.Buckets[0], boundary)
		}
		if s.Buckets[1].Used != 9 || !s.Buckets[1].ResetAt.Equal(boundary.Add(4*time.Minute)) {
			t.Fatalf("raw bucket %+v", s.Buckets[1])
		}
		// The tenth background request waits exactly until the boundary.
		start := time.Now()
		if err := b.Acquire(context.Background(), Cost{Weight: 10}); err != nil {
			t.Fatal(err)
		}
		if !time.Now().Equal(boundary) {
			t.Fatalf("waited %v, until %v; want the boundary %v", time.Since(start), time.Now(), boundary)
		}
		s = b.Snapshot()
		if s.Buckets[0].Used != 10 || s.Buckets[1].Used != 10 {
			t.Fatalf("after reset: %+v", s.Buckets)
		}
		// Charges within the guard before a boundary also count after it:
		// the venue may receive them in the next window.
		pass(time.Minute - 100*time.Millisecond)
		b.Charge(Cost{Weight: 7})
		pass(200 * time.Millisecond)
		if got := b.Snapshot().Buckets[0].Used; got != 7 {
			t.Fatalf("carried usage %d, want 7", got)
		}
		// After an idle gap of several windows nothing is carried.
		pass(3 * time.Minute)
		if got := b.Snapshot().Buckets[0].Used; got != 0 {
			t.Fatalf("after idle windows: used %d", got)
		}
	})
}

func TestBudgetLimitsAndCharge(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := NewBudget("acct", time.Now, Limit{Name: "weight/1m", Kind: LimitWeight, Limit: 100, Window: time.Minute})
		err := b.Acquire(context.Background(), Cost{Weight: 95, Priority: Background})
		if !errors.Is(err, ErrCostTooLarge) {
			t.Fatalf("cost beyond background's share: %v", err)
		}
		if err := b.Acquire(context.Background(), Cost{Weight: 95, Priority: Trading}); err != nil {
			t.Fatal(err)
		}
		b.Charge(Cost{Weight: 20}) // sent outside Acquire: counted even past the limit
		if got := b.Snapshot().Buckets[0].Used; got != 115 {
			t.Fatalf("used %d, want 115", got)
		}
		b.SetLimits(
			Limit{Name: "weight/1m", Kind: LimitWeight, Limit: 6000, Window: time.Minute},
			Limit{Name: "orders/10s", Kind: LimitOrders, Limit: 50, Window: 10 * time.Second})
		s := b.Snapshot()
		if len(s.Buckets) != 2 || s.Buckets[0].Used != 115 || s.Buckets[0].Limit != 6000 {
			t.Fatalf("SetLimits lost usage: %+v", s.Buckets)
		}
		b.AddLimit(Limit{Name: "orders/1d", Kind: LimitOrders, Limit: 160000, Window: 24 * time.Hour})
		if err := b.Acquire(context.Background(), Cost{Weight: 1, Orders: 1, Priority: Trading}); err != nil {
			t.Fatal(err)
		}
		s = b.Snapshot()
		if s.Buckets[1].Used != 1 || s.Buckets[2].Used != 1 || s.Buckets[0].Used != 116 {
			t.Fatalf("order charge: %+v", s.Buckets)
		}
		if !s.Buckets[2].ResetAt.Equal(time.Date(2000, 1, 2, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("daily bucket resets at %v, want midnight UTC", s.Buckets[2].ResetAt)
		}

		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := b.Acquire(ctx, Cost{Weight: 1}); !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled ctx: %v", err)
		}
	})
}

// A waiter whose ctx is cancelled while it waits gets an error that is both a
// LocalLimitError and the ctx's error, and stops counting as waiting.
func TestBudgetCancelWhileWaiting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := NewBudget("acct", time.Now, Limit{Name: "orders/10s", Kind: LimitOrders, Limit: 1, Window: 10 * time.Second})
		if err := b.Acquire(context.Background(), Cost{Orders: 1, Priority: Trading}); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- b.Acquire(ctx, Cost{Orders: 1, Priority: Trading}) }()
		synctest.Wait()
		if w := b.Snapshot().Waiting; w != 1 {
			t.Fatalf("waiting %d, want 1", w)
		}
		cancel()
		err := <-done
		var lle *LocalLimitError
		if !errors.As(err, &lle) || !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled waiter: %v", err)
		}
		if w := b.Snapshot().Waiting; w != 0 {
			t.Fatalf("waiting %d after cancel", w)
		}
	})
}

// A request charged just before a boundary that reaches the venue after it
// counts in the venue's next window; the budget must count it there too.
func TestBudgetBoundarySpill(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const limit = 10
		venue := &venueLimiter{limit: limit, window: 10 * time.Second}
		b := NewBudget("acct", time.Now, Limit{Name: "orders/10s", Kind: LimitOrders, Limit: limit, Window: 10 * time.Second})
		send := func(transit time.Duration) {
			if err := b.Acquire(context.Background(), Cost{Orders: 1, Priority: Trading}); err != nil {
				t.Error(err)
				return
			}
			pass(transit)
			venue.handle(1)
		}
		for range limit - 1 {
			send(0)
		}
		pass(10*time.Second - 50*time.Millisecond)
		var wg sync.WaitGroup
		wg.Go(func() { send(200 * time.Millisecond) }) // lands in the next window
		synctest.Wait()
		for range limit + 5 { // a burst waiting for the next window
			wg.Go(func() { send(10 * time.Millisecond) })
		}
		pass(2 * time.Second)
		if venue.rejected != 0 {
			t.Errorf("venue rejected %d", venue.rejected)
		}
		if got := b.Snapshot().Buckets[0].Used; got != limit {
			t.Errorf("next window used %d, want %d", got, limit)
		}
		pass(10 * time.Second)
		wg.Wait()
	})
}
