package exchange

import (
	"context"
	"errors"
	"math/big"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

type manualClock struct{ t time.Time }

func (c *manualClock) now() time.Time      { return c.t }
func (c *manualClock) add(d time.Duration) { c.t = c.t.Add(d) }

var shapeT0 = time.Date(2026, 12, 5, 5, 0, 0, 0, time.UTC)

func decayLimit(limit int, rate float64) Limit {
	return Limit{Name: "rest", Kind: LimitWeight, Shape: ShapeDecay, Limit: limit, Rate: rate}
}

func creditLimit() Limit {
	return Limit{Name: "credits", Kind: LimitWeight, Shape: ShapeCredits, Limit: 50000, Rate: 10000}
}

func reportedLimit(window time.Duration) Limit {
	return Limit{Name: "private", Kind: LimitRaw, Shape: ShapeReported, Window: window}
}

func spend(n int) func(*Budget, *manualClock) {
	return func(b *Budget, _ *manualClock) { b.Charge(Cost{Weight: n}) }
}

func TestBudgetShapeWait(t *testing.T) {
	w1 := Cost{Weight: 1, Priority: Trading}
	pair := Limit{Name: "XBT/USD", Kind: LimitOrders, Shape: ShapeDecay, Limit: 60, Rate: 0.33, Scope: "XBT/USD"}
	for _, tc := range []struct {
		name  string
		limit Limit
		guard time.Duration
		setup func(*Budget, *manualClock)
		cost  Cost
		want  time.Duration
		err   error
	}{
		{name: "decay: room left", limit: decayLimit(20, 1), setup: spend(10), cost: w1},
		{name: "decay: full waits cost over rate", limit: decayLimit(20, 1), setup: spend(20), cost: w1, want: time.Second},
		{name: "decay: cost 4 at 0.5/s", limit: decayLimit(20, 0.5), setup: spend(20),
			cost: Cost{Weight: 4, Priority: Trading}, want: 8 * time.Second},
		{name: "decay: a charge is held for the guard before it decays", limit: decayLimit(20, 1), guard: 250 * time.Millisecond,
			setup: spend(20), cost: w1, want: 1250 * time.Millisecond},
		{name: "decay: the guard has passed", limit: decayLimit(20, 1), guard: 250 * time.Millisecond,
			setup: func(b *Budget, c *manualClock) { b.Charge(Cost{Weight: 20}); c.add(2 * time.Second) }, cost: w1},
		{name: "decay: background leaves the reserve", limit: decayLimit(20, 1), setup: spend(15),
			cost: Cost{Weight: 1, Priority: Background}, want: time.Second},
		{name: "decay: interactive leaves half the reserve", limit: decayLimit(20, 1), setup: spend(15),
			cost: Cost{Weight: 1, Priority: Interactive}},
		{name: "decay: per-pair order counter at 0.33/s", limit: pair,
			setup: func(b *Budget, _ *manualClock) { b.Charge(Cost{Orders: 58, Scope: "XBT/USD"}) },
			cost:  Cost{Orders: 8, Scope: "XBT/USD", Priority: Background}, want: 18181818182},
		{name: "decay: another pair's counter is not this one", limit: pair,
			setup: func(b *Budget, _ *manualClock) { b.Charge(Cost{Orders: 60, Scope: "XBT/USD"}) },
			cost:  Cost{Orders: 8, Scope: "ETH/USD"}},
		{name: "decay: a venue's refusal fills the counter", limit: decayLimit(20, 1),
			setup: func(b *Budget, c *manualClock) { b.ObserveLevel("rest", 20, c.now()) }, cost: w1, want: time.Second},
		{name: "decay: a level reported a while ago has decayed since", limit: decayLimit(20, 1),
			setup: func(b *Budget, c *manualClock) { b.ObserveLevel("rest", 20, c.now()); c.add(time.Second) }, cost: w1},
		{name: "decay: a lower report does not lower ours", limit: decayLimit(20, 1),
			setup: func(b *Budget, c *manualClock) { b.Charge(Cost{Weight: 20}); b.ObserveLevel("rest", 3, c.now()) },
			cost:  w1, want: time.Second},
		{name: "decay: too costly for the counter", limit: decayLimit(20, 1), cost: Cost{Weight: 21, Priority: Trading}, err: ErrCostTooLarge},
		{name: "decay: a counter that never decays", limit: decayLimit(20, 0), setup: spend(20), cost: w1, err: ErrAllowanceSpent},

		{name: "credits: trading may spend the reserve", limit: creditLimit(), setup: spend(49000),
			cost: Cost{Weight: 500, Priority: Trading}},
		{name: "credits: background stops at a quarter of the cap", limit: creditLimit(), setup: spend(37500),
			cost: Cost{Weight: 500, Priority: Background}, want: 50 * time.Millisecond},
		{name: "credits: interactive stops at an eighth", limit: creditLimit(), setup: spend(43500),
			cost: Cost{Weight: 500, Priority: Interactive}, want: 25 * time.Millisecond},
		{name: "credits: a reserve the venue package chose", limit: func() Limit { l := creditLimit(); l.Reserve = 20000; return l }(),
			setup: spend(30000), cost: Cost{Weight: 500, Priority: Background}, want: 50 * time.Millisecond},
		{name: "credits: balance reported empty", limit: creditLimit(),
			setup: func(b *Budget, c *manualClock) { b.ObserveLevel("credits", 50000, c.now()) },
			cost:  Cost{Weight: 500, Priority: Trading}, want: 50 * time.Millisecond},

		{name: "reported: nothing counted before the venue names a limit", limit: reportedLimit(0), cost: w1},
		{name: "reported: spent waits for the reset", limit: reportedLimit(0),
			setup: func(b *Budget, c *manualClock) { b.Report("private", 0, 30, c.now().Add(12*time.Second), c.now()) },
			cost:  w1, want: 12 * time.Second},
		{name: "reported: room left for trading", limit: reportedLimit(0),
			setup: func(b *Budget, c *manualClock) { b.Report("private", 5, 30, c.now().Add(time.Second), c.now()) }, cost: w1},
		{name: "reported: background leaves the reserve", limit: reportedLimit(0),
			setup: func(b *Budget, c *manualClock) { b.Report("private", 5, 30, c.now().Add(time.Second), c.now()) },
			cost:  Cost{Priority: Background}, want: time.Second},
		{name: "reported: renewed at the reset", limit: reportedLimit(0),
			setup: func(b *Budget, c *manualClock) {
				b.Report("private", 0, 30, c.now().Add(time.Second), c.now())
				c.add(time.Second)
			}, cost: w1},
		{name: "reported: our charges since the count stay on top", limit: reportedLimit(0), guard: 250 * time.Millisecond,
			setup: func(b *Budget, c *manualClock) {
				at := c.now()
				c.add(100 * time.Millisecond)
				b.Charge(Cost{})
				b.Charge(Cost{})
				b.Report("private", 2, 30, at.Add(5*time.Second), at)
			}, cost: w1, want: 4900 * time.Millisecond},
		{name: "reported: charges long before the count are in it", limit: reportedLimit(0), guard: 250 * time.Millisecond,
			setup: func(b *Budget, c *manualClock) {
				b.Charge(Cost{})
				b.Charge(Cost{})
				c.add(time.Second)
				b.Report("private", 2, 30, c.now().Add(5*time.Second), c.now())
			}, cost: w1},
		{name: "reported: an older answer is ignored", limit: reportedLimit(0),
			setup: func(b *Budget, c *manualClock) {
				b.Report("private", 0, 30, c.now().Add(3*time.Second), c.now())
				b.Report("private", 30, 30, c.now().Add(3*time.Second), c.now().Add(-time.Second))
			}, cost: w1, want: 3 * time.Second},
		{name: "reported: spent with no reset", limit: reportedLimit(0),
			setup: func(b *Budget, c *manualClock) { b.Report("private", 0, 10, time.Time{}, c.now()) }, cost: w1, err: ErrAllowanceSpent},
		{name: "reported: the venue's trickle", limit: reportedLimit(10 * time.Second),
			setup: func(b *Budget, c *manualClock) { b.Report("private", 0, 10, time.Time{}, c.now()) }, cost: w1},
		{name: "reported: one trickle per window", limit: reportedLimit(10 * time.Second), guard: 250 * time.Millisecond,
			setup: func(b *Budget, c *manualClock) {
				b.Report("private", 0, 10, time.Time{}, c.now())
				b.Charge(Cost{})
			}, cost: w1, want: 10250 * time.Millisecond},
		{name: "reported: no trickle for background", limit: reportedLimit(10 * time.Second),
			setup: func(b *Budget, c *manualClock) { b.Report("private", 0, 10, time.Time{}, c.now()) },
			cost:  Cost{Priority: Background}, err: ErrAllowanceSpent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := &manualClock{t: shapeT0}
			b := NewBudget("acct", clk.now, tc.limit)
			b.SetGuard(tc.guard)
			if tc.setup != nil {
				tc.setup(b, clk)
			}
			got, err := b.Wait(tc.cost)
			if !errors.Is(err, tc.err) {
				t.Fatalf("Wait = %v, %v; want error %v", got, err, tc.err)
			}
			if got != tc.want {
				t.Fatalf("Wait = %v, want %v", got, tc.want)
			}
			if err != nil {
				return
			}
			// After the wait the request goes at once, and not before.
			if got > 0 {
				clk.add(got - 1)
				if w, _ := b.Wait(tc.cost); w <= 0 {
					t.Fatalf("room 1ns before the wait ends")
				}
				clk.add(1)
			}
			if w, err := b.Wait(tc.cost); w != 0 || err != nil {
				t.Fatalf("after waiting %v: Wait = %v, %v", got, w, err)
			}
		})
	}
}

func TestBudgetShapeSnapshot(t *testing.T) {
	for _, tc := range []struct {
		name    string
		limit   Limit
		setup   func(*Budget, *manualClock)
		want    Bucket
		caption string
	}{
		{name: "decay", limit: Limit{Name: "rest", Kind: LimitWeight, Shape: ShapeDecay, Limit: 20, Rate: 0.33},
			setup: func(b *Budget, c *manualClock) { b.Charge(Cost{Weight: 10}); c.add(3 * time.Second) },
			// 10 − 0.99, rounded up.
			want:    Bucket{Name: "rest", Used: 10, Limit: 20, Shape: ShapeDecay, Rate: 0.33},
			caption: "decays 0.33/s"},
		{name: "decay below a unit", limit: decayLimit(20, 1),
			setup: func(b *Budget, c *manualClock) { b.Charge(Cost{Weight: 10}); c.add(9500 * time.Millisecond) },
			want:  Bucket{Name: "rest", Used: 1, Limit: 20, Shape: ShapeDecay, Rate: 1}, caption: "decays 1/s"},
		{name: "credits spent", limit: creditLimit(),
			setup: func(b *Budget, c *manualClock) { b.Charge(Cost{Weight: 30000}); c.add(time.Second) },
			want:  Bucket{Name: "credits", Used: 20000, Limit: 50000, Shape: ShapeCredits, Rate: 10000}, caption: "refills 10000/s"},
		{name: "credits from a reported balance", limit: creditLimit(),
			setup: func(b *Budget, c *manualClock) { b.ObserveLevel("credits", 50000-12000, c.now()) },
			want:  Bucket{Name: "credits", Used: 38000, Limit: 50000, Shape: ShapeCredits, Rate: 10000}, caption: "refills 10000/s"},
		{name: "reported", limit: reportedLimit(0),
			setup: func(b *Budget, c *manualClock) { b.Report("private", 18, 30, c.now().Add(12*time.Second), c.now()) },
			want:  Bucket{Name: "private", Used: 12, Limit: 30, Shape: ShapeReported, ResetAt: shapeT0.Add(12 * time.Second)}},
		{name: "reported, not yet", limit: reportedLimit(0)},
		{name: "window", limit: Limit{Name: "weight/1m", Kind: LimitWeight, Limit: 1200, Window: time.Minute},
			setup: func(b *Budget, c *manualClock) { b.Charge(Cost{Weight: 300}) },
			want:  Bucket{Name: "weight/1m", Used: 300, Limit: 1200, Window: time.Minute, ResetAt: shapeT0.Add(time.Minute)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := &manualClock{t: shapeT0}
			b := NewBudget("acct", clk.now, tc.limit)
			b.SetGuard(0)
			if tc.setup != nil {
				tc.setup(b, clk)
			}
			s := b.Snapshot()
			if tc.want.Name == "" {
				if len(s.Buckets) != 0 {
					t.Fatalf("buckets %+v, want none", s.Buckets)
				}
				return
			}
			if len(s.Buckets) != 1 || s.Buckets[0] != tc.want {
				t.Fatalf("buckets %+v, want %+v", s.Buckets, tc.want)
			}
			if c := s.Buckets[0].Caption(); c != tc.caption {
				t.Fatalf("caption %q, want %q", c, tc.caption)
			}
		})
	}
}

// SetLimits keeps a decaying counter's level when a tier changes its rate,
// and a reported allowance's limit when the package restates the bucket
// without one.
func TestBudgetShapeSetLimitsKeeps(t *testing.T) {
	clk := &manualClock{t: shapeT0}
	b := NewBudget("acct", clk.now, decayLimit(20, 1), reportedLimit(0))
	b.SetGuard(0)
	b.Charge(Cost{Weight: 20})
	b.Report("private", 10, 30, time.Time{}, clk.now())
	clk.add(2 * time.Second) // level 18
	b.SetLimits(decayLimit(20, 2), reportedLimit(0))
	clk.add(time.Second) // level 16 at the new rate
	s := b.Snapshot()
	if len(s.Buckets) != 2 || s.Buckets[0].Used != 16 || s.Buckets[1].Limit != 30 || s.Buckets[1].Used != 20 {
		t.Fatalf("buckets after SetLimits %+v", s.Buckets)
	}
}

// venueCounter is a venue's decaying counter in exact arithmetic: a
// request arriving at t is refused when the level then, plus its cost,
// passes the limit.
type venueCounter struct {
	limit, level, rate *big.Rat
	at                 time.Time
}

func (v *venueCounter) arrive(t time.Time, cost int) bool {
	if t.After(v.at) {
		d := new(big.Rat).Mul(v.rate, new(big.Rat).SetFrac64(int64(t.Sub(v.at)), int64(time.Second)))
		v.level.Sub(v.level, d)
		if v.level.Sign() < 0 {
			v.level.SetInt64(0)
		}
		v.at = t
	}
	next := new(big.Rat).Add(v.level, big.NewRat(int64(cost), 1))
	if next.Cmp(v.limit) > 0 {
		return false
	}
	v.level = next
	return true
}

type arrival struct {
	sent, at time.Time
	cost     int
}

// The property of every shape: a request the budget lets go is never one
// the venue refuses, whatever the order and delay (up to the guard) in
// which requests reach it, with callers of every priority, costs up to the
// limit and the venue's own reports fed back. Each run is driven through
// Acquire, as the request path uses it, under a fake clock.
func TestBudgetShapesNeverAdmitWhatTheVenueRefuses(t *testing.T) {
	for seed := range uint64(60) {
		for _, shape := range []Shape{ShapeDecay, ShapeCredits, ShapeReported} {
			synctest.Test(t, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(seed, uint64(shape)))
				guard := time.Duration(rng.IntN(400)) * time.Millisecond
				var l Limit
				switch shape {
				case ShapeDecay:
					rates := []float64{0.33, 0.5, 1, 2.34, 3.75}
					l = Limit{Name: "c", Kind: LimitWeight, Shape: ShapeDecay, Limit: 15 + rng.IntN(170), Rate: rates[rng.IntN(len(rates))]}
				case ShapeCredits:
					l = Limit{Name: "c", Kind: LimitWeight, Shape: ShapeCredits, Limit: 1000 * (1 + rng.IntN(50)), Rate: float64(100 * (1 + rng.IntN(100)))}
				case ShapeReported:
					l = Limit{Name: "c", Kind: LimitWeight, Shape: ShapeReported, Limit: 10 + rng.IntN(50)}
				}
				b := NewBudget("acct", time.Now, l)
				b.SetGuard(guard)
				venue := &venueCounter{limit: big.NewRat(int64(l.Limit), 1), level: new(big.Rat), rate: new(big.Rat).SetFloat64(l.Rate), at: time.Now()}
				if shape == ShapeCredits {
					// The pool starts full: nothing spent.
					venue.level.SetInt64(0)
				}
				// A reported allowance: the venue counts in fixed windows and
				// tells the count on each answer.
				win := time.Duration(500+rng.IntN(1500)) * time.Millisecond
				wstart, wused := alignStart(time.Now(), win), 0

				var inflight []arrival
				admitted := 0
				deliver := func(now time.Time) {
					slices.SortFunc(inflight, func(a, b arrival) int { return a.at.Compare(b.at) })
					for len(inflight) > 0 && !inflight[0].at.After(now) {
						a := inflight[0]
						inflight = inflight[1:]
						ok := true
						switch shape {
						case ShapeReported:
							if s := alignStart(a.at, win); s.After(wstart) {
								wstart, wused = s, 0
							}
							if wused+a.cost > l.Limit {
								ok = false
							} else {
								wused += a.cost
							}
							if rng.IntN(2) == 0 {
								b.Report("c", l.Limit-wused, l.Limit, wstart.Add(win), a.sent)
							}
						default:
							ok = venue.arrive(a.at, a.cost)
							if rng.IntN(4) == 0 {
								f, _ := venue.level.Float64()
								b.ObserveLevel("c", f, a.at)
							}
						}
						if !ok {
							t.Errorf("seed %d %v: venue refused a request of %d sent at %v, arriving at %v (limit %d, rate %v, guard %v)",
								seed, shape, a.cost, a.sent.Sub(shapeSynctestT0), a.at.Sub(shapeSynctestT0), l.Limit, l.Rate, guard)
						}
					}
				}
				for range 400 {
					pass(time.Duration(rng.IntN(int(150 * time.Millisecond))))
					now := time.Now()
					deliver(now)
					cost := 1 + rng.IntN(max(1, l.Limit/4))
					if rng.IntN(10) == 0 {
						cost = l.Limit / 2
					}
					c := Cost{Weight: cost, Priority: Priority(rng.IntN(3))}
					ctx, cancel := context.WithDeadline(context.Background(), now.Add(time.Nanosecond))
					err := b.Acquire(ctx, c)
					cancel()
					if err != nil {
						continue
					}
					admitted += cost
					inflight = append(inflight, arrival{sent: now, at: now.Add(time.Duration(rng.Int64N(int64(guard) + 1))), cost: cost})
				}
				pass(time.Hour)
				deliver(time.Now())
				if admitted < l.Limit/2 {
					t.Fatalf("seed %d %v: only %d of %d admitted: the budget starves callers", seed, shape, admitted, l.Limit)
				}
			})
		}
	}
}

// shapeSynctestT0 is where synctest's fake clock starts.
var shapeSynctestT0 = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// Callers of every priority overload a decaying counter and a credit pool
// through Acquire, waiting as they must: the venue refuses nothing, and
// what it takes over five minutes is at least 90% of what its rate lets
// through (the cap plus the rate times the span).
func TestBudgetShapesOverloadThroughAcquire(t *testing.T) {
	for _, l := range []Limit{
		{Name: "c", Kind: LimitWeight, Shape: ShapeDecay, Limit: 20, Rate: 2.34},
		{Name: "c", Kind: LimitWeight, Shape: ShapeCredits, Limit: 50000, Rate: 10000},
	} {
		t.Run(l.Shape.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				cost := 1
				if l.Shape == ShapeCredits {
					cost = 500
				}
				const span = 5 * time.Minute
				b := NewBudget("acct", time.Now, l)
				venue := &venueCounter{limit: big.NewRat(int64(l.Limit), 1), level: new(big.Rat), rate: new(big.Rat).SetFloat64(l.Rate), at: time.Now()}
				ctx, cancel := context.WithTimeout(context.Background(), span)
				defer cancel()
				var mu sync.Mutex
				taken, refused := 0, 0
				var wg sync.WaitGroup
				for i := range 12 {
					prio := Priority(i % 3)
					wg.Go(func() {
						for {
							if err := b.Acquire(ctx, Cost{Weight: cost, Priority: prio}); err != nil {
								return
							}
							pass(time.Duration(10+i*20) * time.Millisecond) // request leg: within the guard
							mu.Lock()
							if venue.arrive(time.Now(), cost) {
								taken += cost
							} else {
								refused++
							}
							mu.Unlock()
							pass(50 * time.Millisecond)
						}
					})
				}
				wg.Wait()
				if refused != 0 {
					t.Fatalf("venue refused %d requests", refused)
				}
				// Background callers leave the reserve, so the last stretch
				// runs at the rate only.
				possible := float64(l.Limit) + l.Rate*span.Seconds()
				if float64(taken) < 0.9*possible {
					t.Fatalf("venue took %d of a possible %.0f (< 90%%)", taken, possible)
				}
			})
		})
	}
}
