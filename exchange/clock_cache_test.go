package exchange

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// The cached estimate must be exactly what scanning the window gives, for
// any window and any later read, with and without a fitted drift, with ties
// and near-ties, and with clocks with and without monotonic readings.
func TestClockCachedEstimateMatchesScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	monoBase := time.Now()
	for trial := range 400 {
		start := base
		if trial%3 == 0 {
			start = monoBase // carries a monotonic reading
		}
		local := start
		c := NewClock(ClockConfig{Window: 1 + rng.IntN(40), Now: func() time.Time { return local }})
		if trial%5 == 0 {
			c.driftOK, c.slope = true, (rng.Float64()-0.5)*1e-3
		}
		n := 1 + rng.IntN(50)
		for range n {
			local = local.Add(time.Duration(rng.IntN(int(2 * time.Second))))
			rtt := time.Duration(rng.IntN(40)) * time.Millisecond
			if trial%7 == 0 {
				rtt = 10 * time.Millisecond // many exact ties
			}
			if trial%11 == 0 {
				rtt += time.Duration(rng.IntN(3)) // near-ties within the truncation slack
			}
			off := time.Duration(rng.IntN(2000)-1000) * time.Millisecond
			c.mu.Lock()
			c.add(local, local.Add(rtt/2+off), local.Add(rtt))
			c.mu.Unlock()
			local = local.Add(rtt)
		}
		for range 20 {
			var now time.Time
			switch rng.IntN(4) {
			case 0: // before the latest sample: ages clamp at zero
				now = local.Add(-time.Duration(rng.IntN(int(10 * time.Second))))
			case 1:
				now = local.Add(time.Duration(rng.Int64N(int64(48 * time.Hour))))
			case 2:
				now = local.Round(0) // the other kind of clock than the samples, or the same
			default:
				now = local.Add(time.Duration(rng.IntN(1000)))
			}
			c.mu.Lock()
			got := c.estimate(now)
			want := c.scan(now)
			want.rtt = medianRTT(c.samples)
			c.mu.Unlock()
			if got != want {
				t.Fatalf("trial %d: estimate(%v) = %+v, scan = %+v", trial, now, got, want)
			}
		}
	}
}

// Two samples whose uncertainties differ by less than the nanosecond that
// truncation may move them: which wins flips with now, and the cache must
// follow the scan rather than pin either.
func TestClockCachedEstimateNearTie(t *testing.T) {
	local := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	c := NewClock(ClockConfig{Now: func() time.Time { return local }})
	c.mu.Lock()
	defer c.mu.Unlock()
	c.add(local, local.Add(5*time.Millisecond), local.Add(10*time.Millisecond))
	c.add(local.Add(50), local.Add(50+5*time.Millisecond+7*time.Millisecond), local.Add(50+10*time.Millisecond+2))
	flips := 0
	prev := c.scan(local).offset
	for i := range 200000 {
		now := local.Add(10*time.Millisecond + time.Duration(i)*997)
		got, want := c.estimate(now), c.scan(now)
		want.rtt = medianRTT(c.samples)
		if got != want {
			t.Fatalf("estimate(%v) = %+v, scan = %+v", now, got, want)
		}
		if want.offset != prev {
			flips++
			prev = want.offset
		}
	}
	if flips == 0 {
		t.Fatal("the winner never flipped: the case does not test the near-tie")
	}
}

func medianRTT(ss []clockSample) time.Duration {
	r := make([]time.Duration, len(ss))
	for i, s := range ss {
		r[i] = s.rtt
	}
	slices.Sort(r)
	return r[len(r)/2]
}

// Reading the clock is on every request's path, several times.
func TestClockReadsDoNotAllocate(t *testing.T) {
	local := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	c := NewClock(ClockConfig{Now: func() time.Time { return local }})
	for i := range 32 {
		c.Add(local, local.Add(time.Second), local.Add(time.Duration(5+i%7)*time.Millisecond))
		local = local.Add(time.Second)
	}
	if n := testing.AllocsPerRun(100, func() { c.Stamp(); c.ServerNow(); c.Offset() }); n != 0 {
		t.Errorf("Stamp+ServerNow+Offset allocate %v times", n)
	}
}

func BenchmarkClockStamp(b *testing.B) {
	local := time.Now()
	c := NewClock(ClockConfig{Now: func() time.Time { return local }})
	for i := range 32 {
		c.Add(local, local.Add(time.Second), local.Add(time.Duration(5+i%7)*time.Millisecond))
		local = local.Add(time.Second)
	}
	b.ReportAllocs()
	for b.Loop() {
		c.Stamp()
	}
}
