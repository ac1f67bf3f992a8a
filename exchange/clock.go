package exchange

import (
	"context"
	"time"
)

// STUB: API contract; the implementation replaces these bodies.

// ClockConfig configures a Clock.
type ClockConfig struct {
	Account     string
	AheadLimit  time.Duration    // venue's future tolerance (Binance, Bybit: 1s; OKX: 30s)
	BehindLimit time.Duration    // recvWindow (OKX: 30s)
	Window      int              // samples kept for the filter; 0: default
	Now         func() time.Time // local clock; nil: time.Now
	// ResyncEvery is the scheduled re-sync period; 0: default.
	ResyncEvery time.Duration
}

// Clock estimates the offset between this machine and one venue's server.
type Clock struct{ cfg ClockConfig }

// NewClock returns an estimator with no samples.
func NewClock(cfg ClockConfig) *Clock { return &Clock{cfg: cfg} }

// Add records one sample: t0 before sending, server time from the reply, t1 after.
func (c *Clock) Add(t0, server, t1 time.Time) {}

// Offset is the current estimate of server minus local.
func (c *Clock) Offset() time.Duration { return 0 }

// ServerNow is local now corrected by the offset.
func (c *Clock) ServerNow() time.Time { return time.Now() }

// Stamp is the timestamp to put on a request sent now, placed so the venue's
// asymmetric window holds with margin.
func (c *Clock) Stamp() time.Time { return time.Now() }

// Snapshot for panes and `vigil check`.
func (c *Clock) Snapshot() ClockSnapshot { return ClockSnapshot{} }

// Invalidate marks the estimate stale after a timestamp rejection so the next
// NeedsSync is true at once.
func (c *Clock) Invalidate(reason string) {}

// NeedsSync reports whether a scheduled or forced re-sync is due.
func (c *Clock) NeedsSync() bool { return true }

// SetError records the last sync error for the snapshot.
func (c *Clock) SetError(err error) {}

// Sync takes n samples with probe (which returns the venue's server time)
// and adds them.
func (c *Clock) Sync(ctx context.Context, n int, probe func(context.Context) (time.Time, error)) error {
	return nil
}
