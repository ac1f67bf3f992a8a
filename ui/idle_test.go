package ui

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/feed/feedtest"
)

// idleCost is what one idle second of the cockpit costs with n accounts,
// counted rather than timed so the machine's load cannot move it:
// deliveries is how many messages the bridge hands the program (each one
// an Update and a frame), allocs the heap allocations of those Updates
// and frames plus the 1 Hz tick's.
type idleCost struct {
	deliveries float64
	allocs     float64
}

// measureIdle runs the feed for n quiet accounts under synctest, records
// what it delivers, then replays it into a cockpit the way the program
// would (Update, then a frame) and counts. The first settle seconds are
// start-up (history, symbols, the first audits) and are replayed but not
// counted.
func measureIdle(t *testing.T, n int) idleCost {
	const settle, window = 20 * time.Second, 60 * time.Second
	type stamped struct {
		at  time.Duration
		msg tea.Msg
	}
	var rec []stamped
	var m *Model
	synctest.Test(t, func(t *testing.T) {
		var venues []exchange.Venue
		for i := range n {
			venues = append(venues, feedtest.New(acctInfo(fmt.Sprintf("acct-%02d", i), exchange.Testnet), nil))
		}
		m = New(Deps{Venues: venues, Now: time.Now, Dark: true})
		ctx, cancel := context.WithCancel(t.Context())
		start := time.Now()
		var mu sync.Mutex
		sink := func(msg tea.Msg) {
			mu.Lock()
			rec = append(rec, stamped{time.Since(start), msg})
			mu.Unlock()
		}
		wait := Start(ctx, m, sink, Options{})
		time.Sleep(settle + window)
		synctest.Wait()
		cancel()
		wait()
	})

	m.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
	deliver := func(msg tea.Msg) {
		m.Update(msg)
		_ = m.Render()
	}
	i, sec := 0, time.Duration(0)
	replayUntil := func(end time.Duration) (delivered int) {
		for ; sec < end; sec += time.Second {
			for ; i < len(rec) && rec[i].at < sec+time.Second; i++ {
				deliver(rec[i].msg)
				delivered++
			}
			deliver(tickMsg(t0.Add(sec + time.Second)))
		}
		return delivered
	}
	replayUntil(settle)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	delivered := replayUntil(settle + window)
	runtime.ReadMemStats(&after)
	secs := window.Seconds()
	return idleCost{deliveries: float64(delivered) / secs, allocs: float64(after.Mallocs-before.Mallocs) / secs}
}

// TestIdleCostGrowsLinearlyWithAccounts guards the cockpit's idle CPU: an
// idle second with 20 accounts must not cost more than five times one with
// 4, in deliveries (each an Update and a frame) and in allocations. The
// issue measured 3% of a core with 4 accounts and 22% with 20: every
// account's clock and budget were delivered every second, one message
// each, and each redrew every account (13x the allocations for 5x the
// accounts).
func TestIdleCostGrowsLinearlyWithAccounts(t *testing.T) {
	small, large := measureIdle(t, 4), measureIdle(t, 20)
	t.Logf("idle second, 4 accounts:  %.1f deliveries, %.0f allocs", small.deliveries, small.allocs)
	t.Logf("idle second, 20 accounts: %.1f deliveries, %.0f allocs", large.deliveries, large.allocs)
	const ratio = 20.0 / 4
	if large.allocs > ratio*small.allocs {
		t.Errorf("allocations per idle second grew %.1f× from 4 to 20 accounts, want at most %.0f×", large.allocs/small.allocs, ratio)
	}
	if large.deliveries > ratio*small.deliveries {
		t.Errorf("deliveries per idle second grew %.1f× from 4 to 20 accounts, want at most %.0f×", large.deliveries/small.deliveries, ratio)
	}
}
