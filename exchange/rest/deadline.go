package rest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// deadlines gives every request whose caller set no deadline one anyway, so
// a venue that takes a request and never answers cannot hang a poller, and
// closes idle keep-alive connections once the account has gone quiet.
//
// It replaces the transport's ResponseHeaderTimeout and IdleConnTimeout,
// and a context.WithTimeout per request. Each of those arms a runtime timer
// per request, and arming one can wake the network poller: on loopback each
// cost about 4–10% of a round trip (measured interleaved against the plain
// GET of BenchmarkRawRoundTrip). Here one timer per client is armed for the
// oldest request in flight and re-armed only when it fires, about once per
// limit however many requests go by; a request is cut off at its own start
// plus limit, and idle connections are closed after one to two limits
// without any. No goroutine outlives a request: the timer's function runs
// only when it fires.
type deadlines struct {
	limit   time.Duration
	cause   error  // what a request cut off fails with; wraps context.DeadlineExceeded
	onQuiet func() // closes idle connections

	busy  atomic.Uint64 // requests started, deadline or not
	armed atomic.Bool

	mu      sync.Mutex
	seq     uint64
	flights []flight // in flight, oldest first: a handful, so a slice beats a map
	due     time.Time
	seen    uint64 // busy when the timer was armed
}

type flight struct {
	id     uint64
	start  time.Time
	cancel context.CancelCauseFunc
}

func newDeadlines(limit time.Duration, onQuiet func()) *deadlines {
	return &deadlines{
		limit:   limit,
		cause:   fmt.Errorf("no reply within %v: %w", limit, context.DeadlineExceeded),
		onQuiet: onQuiet,
	}
}

// guard returns the context to send with and the ticket to hand to done
// once the reply has been read. A ctx with its own deadline is used as it is.
func (d *deadlines) guard(ctx context.Context) (context.Context, ticket) {
	d.busy.Add(1)
	if _, ok := ctx.Deadline(); ok {
		if !d.armed.Load() {
			d.mu.Lock()
			d.arm(time.Now(), d.limit)
			d.mu.Unlock()
		}
		return ctx, ticket{}
	}
	rctx, cancel := context.WithCancelCause(ctx)
	d.mu.Lock()
	now := time.Now()
	d.seq++
	t := ticket{id: d.seq, cancel: cancel}
	d.flights = append(d.flights, flight{id: t.id, start: now, cancel: cancel})
	d.arm(now, d.limit)
	d.mu.Unlock()
	return rctx, t
}

// ticket is one guarded request; a value, not a closure, so guarding
// allocates only the context.
type ticket struct {
	id     uint64
	cancel context.CancelCauseFunc
}

// done ends a guarded request.
func (d *deadlines) done(t ticket) {
	if t.cancel == nil {
		return
	}
	d.mu.Lock()
	if i := slices.IndexFunc(d.flights, func(f flight) bool { return f.id == t.id }); i >= 0 {
		d.flights = slices.Delete(d.flights, i, i+1)
	}
	d.mu.Unlock()
	t.cancel(nil)
}

// arm sets the timer to fire after wait unless it is armed already. A timer
// overdue by a whole limit will never fire (the synctest bubble it was made
// in has ended) and is replaced, not stopped: touching it from outside its
// bubble would panic, and should it fire after all, fire is idempotent.
// Called with d.mu held.
func (d *deadlines) arm(now time.Time, wait time.Duration) {
	if d.armed.Load() && now.Before(d.due.Add(d.limit)) {
		return
	}
	d.due = now.Add(wait)
	d.seen = d.busy.Load()
	time.AfterFunc(wait, d.fire)
	d.armed.Store(true)
}

// fire cuts off the requests past their limit and re-arms for the oldest
// left. With none in flight it re-arms once more to see whether any request
// starts meanwhile, and if none did, closes idle connections and rests.
func (d *deadlines) fire() {
	if d.check() {
		d.onQuiet()
	}
}

// check is fire under d.mu; it reports whether the client has gone quiet.
func (d *deadlines) check() (quiet bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := time.Now()
	d.armed.Store(false)
	var oldest time.Time
	d.flights = slices.DeleteFunc(d.flights, func(f flight) bool {
		if now.Sub(f.start) >= d.limit {
			f.cancel(d.cause)
			return true
		}
		if oldest.IsZero() || f.start.Before(oldest) {
			oldest = f.start
		}
		return false
	})
	switch {
	case !oldest.IsZero():
		d.arm(now, oldest.Add(d.limit).Sub(now))
	case d.busy.Load() != d.seen:
		d.arm(now, d.limit)
	default:
		return true
	}
	return false
}

// explain replaces a transport error caused by a cut-off with the cut-off.
func (d *deadlines) explain(ctx context.Context, err error) error {
	if context.Cause(ctx) == d.cause {
		return d.cause
	}
	return err
}
