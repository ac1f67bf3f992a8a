package exchange

import (
	"math/rand/v2"
	"sync"
	"time"
)

// Backoff spaces reconnect attempts: exponential with full jitter (a uniform
// delay in [0, min(Cap, Base·2^attempt)]), so many clients dropped by the same
// venue outage do not reconnect in lockstep and trip the venue's
// connection-rate limits (Binance: 300 attempts per 5 min per IP; OKX: 3/s).
//
// The zero value is usable; set fields before first use. Safe for concurrent
// use.
type Backoff struct {
	Base  time.Duration // first ceiling; 0: 500 ms
	Cap   time.Duration // largest ceiling; 0: 30 s
	Reset time.Duration // a connection healthy this long resets attempts; 0: 1 min
	// Rand returns a uniform value in [0, 1); nil: math/rand/v2. Tests pass a
	// seeded source.
	Rand func() float64

	mu      sync.Mutex
	attempt int
}

const (
	defaultBackoffBase  = 500 * time.Millisecond
	defaultBackoffCap   = 30 * time.Second
	defaultBackoffReset = time.Minute
)

// Ceiling is the largest delay the next call to Next may return.
func (b *Backoff) Ceiling() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.ceiling(b.attempt)
}

func (b *Backoff) ceiling(attempt int) time.Duration {
	base, limit := b.Base, b.Cap
	if base <= 0 {
		base = defaultBackoffBase
	}
	if limit <= 0 {
		limit = defaultBackoffCap
	}
	c := base
	for i := 0; i < attempt && c < limit; i++ {
		c *= 2 // stops at limit long before overflowing
	}
	return min(c, limit)
}

// Next returns the delay before the next attempt and counts the attempt.
func (b *Backoff) Next() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	c := b.ceiling(b.attempt)
	b.attempt++
	f := rand.Float64
	if b.Rand != nil {
		f = b.Rand
	}
	// Float64 is in [0,1); scaling c+1 makes the ceiling itself reachable.
	return time.Duration(f() * float64(c+1))
}

// Attempt is how many delays Next has handed out since the last reset.
func (b *Backoff) Attempt() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.attempt
}

// Healthy reports whether a connection up since since has lasted the Reset
// period at now; if so the next delay starts from Base again. Call it when a
// connection drops (or periodically while it is up), so a connection that
// flaps right after connecting keeps backing off instead of hammering.
func (b *Backoff) Healthy(since, now time.Time) bool {
	reset := b.Reset
	if reset <= 0 {
		reset = defaultBackoffReset
	}
	if since.IsZero() || now.Sub(since) < reset {
		return false
	}
	b.Clear()
	return true
}

// Clear resets attempts, e.g. after the user asks to reconnect now.
func (b *Backoff) Clear() {
	b.mu.Lock()
	b.attempt = 0
	b.mu.Unlock()
}
