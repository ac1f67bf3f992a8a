package feed

import (
	"context"
	"slices"
	"time"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/views"
)

// snapshotLoop pushes every account's clock and budget snapshots on one
// shared ticker, and only those that changed since the last push of the
// same generation. One ticker for all accounts means one wake-up and one
// bridge flush a second however many accounts there are; pushing only
// changes means an idle account costs the program nothing between its
// requests.
func (f *Feed) snapshotLoop(ctx context.Context) {
	last := map[string]pushed{}
	every(ctx, f.opts.SnapshotEvery, func() { f.pushSnapshots(last) })
}

// pushed is what the snapshot loop last sent for one account.
type pushed struct {
	gen    uint64
	clock  exchange.ClockSnapshot
	budget exchange.BudgetSnapshot
}

type target struct {
	name string
	gen  uint64
	v    exchange.Venue
}

func (f *Feed) pushSnapshots(last map[string]pushed) {
	f.mu.Lock()
	ts := make([]target, 0, len(f.names))
	for _, name := range f.names {
		a := f.accounts[name]
		ts = append(ts, target{name, a.gen, a.v})
	}
	f.mu.Unlock()
	for _, t := range ts {
		prev, seen := last[t.name]
		fresh := !seen || prev.gen != t.gen // a new generation starts from nothing
		c := t.v.Clock()
		c.Account = t.name
		if fresh || !sameClock(prev.clock, c) {
			f.bridge.State(KindClock, t.name, t.gen, views.ClockMsg{Snapshot: c})
			prev.clock = c
		}
		b := t.v.Budget()
		b.Account = t.name
		if fresh || !sameBudget(prev.budget, b) {
			f.bridge.State(KindBudget, t.name, t.gen, views.BudgetMsg{Snapshot: b})
			prev.budget = b
		}
		prev.gen = t.gen
		last[t.name] = prev
	}
}

// sameClock reports whether two clock snapshots would show the same: the
// estimator carries its offset and uncertainty to the moment it is asked,
// so they move by nanoseconds between two idle seconds. A move under
// clockGrain is below what the clock pane prints (0.1 ms) and is not news;
// moves add up against the last snapshot pushed, so a slow drift is pushed
// once it shows.
func sameClock(a, b exchange.ClockSnapshot) bool {
	near := func(x, y time.Duration) bool { return (x - y).Abs() < clockGrain }
	return near(a.Offset, b.Offset) && near(a.Uncertainty, b.Uncertainty) &&
		near(a.HeadroomAhead, b.HeadroomAhead) && near(a.HeadroomBehind, b.HeadroomBehind) &&
		a.LastSync.Equal(b.LastSync) && slices.Equal(a.Recent, b.Recent) &&
		a.Account == b.Account && a.Synced == b.Synced && a.RTT == b.RTT && a.DriftPerHr == b.DriftPerHr &&
		a.AheadLimit == b.AheadLimit && a.BehindLimit == b.BehindLimit && a.Danger == b.Danger &&
		a.Samples == b.Samples && a.Err == b.Err
}

// clockGrain is the smallest clock move worth a push.
const clockGrain = 50 * time.Microsecond

// sameBudget reports whether two budget snapshots would show the same. At
// is when it was taken, not news. An empty bucket's reset time is not news
// either: a rolling window with nothing in it reports "now" as its reset,
// which would make every idle snapshot differ from the last.
func sameBudget(a, b exchange.BudgetSnapshot) bool {
	return a.Account == b.Account && a.BannedUntil.Equal(b.BannedUntil) && a.BanReason == b.BanReason &&
		a.Waiting == b.Waiting && slices.EqualFunc(a.Buckets, b.Buckets, sameBucket)
}

func sameBucket(x, y exchange.Bucket) bool {
	return x.Name == y.Name && x.Used == y.Used && x.Limit == y.Limit && x.Window == y.Window &&
		(x.ResetAt.Equal(y.ResetAt) || x.Used == 0)
}
