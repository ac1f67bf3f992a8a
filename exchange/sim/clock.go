package sim

import (
	"sync"
	"time"
)

// clock is the server's idea of now: the injected base clock plus a fixed
// skew plus a drift that grows with base time elapsed.
type clock struct {
	mu   sync.Mutex
	base func() time.Time
	skew time.Duration
	// drift accrues from anchor; what accrued under earlier drift rates is
	// folded into carried so changing the rate never makes the clock jump.
	driftPerHour time.Duration
	anchor       time.Time
	carried      time.Duration
}

func (c *clock) init(base func() time.Time) {
	c.base = base
	c.anchor = base()
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	b := c.base()
	return b.Add(c.skew + c.carried + c.accrued(b))
}

func (c *clock) accrued(b time.Time) time.Duration {
	if c.driftPerHour == 0 {
		return 0
	}
	// float64: drift times elapsed overflows int64 nanoseconds within hours.
	driftHours := float64(b.Sub(c.anchor)) / float64(time.Hour)
	return time.Duration(float64(c.driftPerHour) * driftHours)
}

// Now is the server clock: base clock + skew + accumulated drift. Venue fakes
// stamp responses and check request timestamps with it.
func (x *Exchange) Now() time.Time { return x.clock.now() }

// SetSkew sets a fixed offset of the server clock from the base clock
// (positive: the server is ahead).
func (x *Exchange) SetSkew(d time.Duration) {
	x.clock.mu.Lock()
	defer x.clock.mu.Unlock()
	x.clock.skew = d
}

// SetDrift makes the server clock gain perHour per hour of base time from
// now on (negative: lose). Drift accrued so far is kept.
func (x *Exchange) SetDrift(perHour time.Duration) {
	c := &x.clock
	c.mu.Lock()
	defer c.mu.Unlock()
	b := c.base()
	c.carried += c.accrued(b)
	c.anchor = b
	c.driftPerHour = perHour
}

// Offset is the server clock minus the base clock right now.
func (x *Exchange) Offset() time.Duration {
	c := &x.clock
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.skew + c.carried + c.accrued(c.base())
}
