package exchange

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"
)

// LimitKind says what a bucket counts.
type LimitKind int

const (
	LimitWeight LimitKind = iota // request weight
	LimitOrders                  // new orders
	LimitRaw                     // raw requests
)

// Limit is one venue rate limit.
type Limit struct {
	Name   string // "weight/1m", "orders/10s", "orders/1d"; unique within a Budget
	Kind   LimitKind
	Limit  int
	Window time.Duration
	// Scope, when set, limits the bucket to costs with the same Scope: the
	// per-endpoint limits of Bybit ("order/create": 20/s) and OKX ("N per
	// 2 s" per endpoint, or per endpoint and instrument). Empty: every
	// request counts.
	Scope string
	// Rolling counts over the last Window instead of fixed intervals aligned
	// to the epoch (Binance's are fixed; Bybit documents a rolling 1 s).
	Rolling bool
}

// Priority decides who waits when a bucket runs low: background polling may
// not eat the reserve kept for orders and cancels.
type Priority int

const (
	Background Priority = iota
	Interactive
	Trading // order placement and cancels
)

// Cost of one request.
type Cost struct {
	Weight   int
	Orders   int
	Priority Priority
	Scope    string // endpoint key for scoped limits; see Limit.Scope
}

// ErrCostTooLarge is returned (wrapped) when one request costs more than a
// bucket lets its priority use in a whole window: waiting cannot help.
var ErrCostTooLarge = errors.New("request costs more than the rate limit allows")

const (
	defaultReserveFrac = 0.10
	defaultReserveMin  = 5
	defaultGuard       = 250 * time.Millisecond
)

// Budget tracks one account's rate limits locally, reconciled with what the
// venue reports.
//
// Requests are charged before they are sent, so concurrent callers cannot
// all see room for the same last slot. Weight and raw buckets keep a reserve
// that Background callers may not touch, and Interactive callers may touch
// only half of, so order placement and cancels always find room even while
// polling saturates the limit; order buckets have no reserve as only orders
// use them.
//
// Safe for concurrent use. Time is read only through the now clock given to
// NewBudget; waits use time.NewTimer, so tests can run it under synctest.
type Budget struct {
	account string
	now     func() time.Time

	mu          sync.Mutex
	buckets     []*bucket
	reserveFrac float64
	reserveMin  int
	guard       time.Duration
	bannedUntil time.Time
	banReason   string
	waiting     int
}

// NewBudget returns a budget; now is the clock windows align to (the venue's
// estimated server time). A clock that is never ahead of the venue's (such
// as the estimate minus its uncertainty) keeps our windows from opening
// before the venue's do; the guard (SetGuard) covers the other side.
func NewBudget(account string, now func() time.Time, limits ...Limit) *Budget {
	if now == nil {
		now = time.Now
	}
	b := &Budget{
		account:     account,
		now:         now,
		reserveFrac: defaultReserveFrac,
		reserveMin:  defaultReserveMin,
		guard:       defaultGuard,
	}
	b.SetLimits(limits...)
	return b
}

// clock is the budget's now without a monotonic reading: windows are a
// wall-clock notion on the venue's side, and the comparisons must agree.
func (b *Budget) clock() time.Time { return b.now().Round(0) }

// SetReserve sets the share of each weight and raw bucket kept from
// Background callers (Interactive callers keep half of it): frac of the
// limit, but at least minimum, and never more than half the limit.
func (b *Budget) SetReserve(frac float64, minimum int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.reserveFrac = max(frac, 0)
	b.reserveMin = max(minimum, 0)
}

// SetGuard sets how late a request may reach the venue after it was charged
// (transit plus clock error); default 250 ms, capped at a tenth of each
// window. A fixed-window charge this close to the boundary also counts in
// the next window, since the venue may count it there; a rolling charge is
// held for the guard longer.
func (b *Budget) SetGuard(d time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.guard = max(d, 0)
}

// SetLimits replaces the buckets (e.g. from exchange info), keeping usage.
func (b *Budget) SetLimits(limits ...Limit) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.clock()
	old := b.buckets
	b.buckets = nil
	for _, l := range limits {
		b.buckets = append(b.buckets, b.keep(old, l, now))
	}
}

// AddLimit adds one bucket, or replaces the one with the same name keeping
// its usage; for limits learnt late, such as a per-endpoint limit from a
// response header.
func (b *Budget) AddLimit(l Limit) {
	b.mu.Lock()
	defer b.mu.Unlock()
	nb := b.keep(b.buckets, l, b.clock())
	for i, old := range b.buckets {
		if old.Name == l.Name {
			b.buckets[i] = nb
			return
		}
	}
	b.buckets = append(b.buckets, nb)
}

// EnsureLimit adds l unless a bucket of that name exists, whatever its
// limit now: for per-endpoint limits met as requests are first made, which
// the venue's headers may since have corrected (AddLimit).
func (b *Budget) EnsureLimit(l Limit) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, o := range b.buckets {
		if o.Name == l.Name {
			return
		}
	}
	b.buckets = append(b.buckets, b.keep(nil, l, b.clock()))
}

func (b *Budget) keep(old []*bucket, l Limit, now time.Time) *bucket {
	for _, o := range old {
		if o.Name == l.Name && o.Scope == l.Scope && o.Window == l.Window && o.Rolling == l.Rolling {
			o.Limit = l
			return o
		}
	}
	nb := &bucket{Limit: l}
	if l.Window > 0 {
		nb.start = alignStart(now, l.Window)
	}
	return nb
}

// Acquire charges cost before sending, waiting while a bucket is full; it
// fails at once during a ban, or when ctx ends.
//
// During a ban Background callers fail at once with *LocalLimitError; others
// wait for the ban to end only when their ctx deadline falls after it (no
// deadline: fail at once, a ban can last days). A wait that ctx's deadline
// cannot outlast fails at once too, and a wait cut short by ctx fails with
// an error that is both a *LocalLimitError and ctx's error (errors.As and
// errors.Is both work).
func (b *Budget) Acquire(ctx context.Context, c Cost) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		b.mu.Lock()
		now := b.clock()
		var wake time.Time
		var why *LocalLimitError
		if now.Before(b.bannedUntil) {
			why = &LocalLimitError{Account: b.account, Until: b.bannedUntil, Reason: "banned: " + b.banReason}
			dl, ok := ctx.Deadline()
			if c.Priority == Background || !ok || time.Until(dl) <= b.bannedUntil.Sub(now) {
				b.mu.Unlock()
				return why
			}
			wake = b.bannedUntil
		} else {
			w, full, err := b.tryCharge(now, c)
			if err != nil || w.IsZero() {
				b.mu.Unlock()
				return err
			}
			wake = w
			why = &LocalLimitError{Account: b.account, Until: w, Reason: full + " used up"}
		}
		d := wake.Sub(now)
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
			b.mu.Unlock()
			return fmt.Errorf("%w: %w", why, context.DeadlineExceeded)
		}
		b.waiting++
		b.mu.Unlock()

		t := time.NewTimer(d)
		var err error
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			err = fmt.Errorf("%w: %w", why, ctx.Err())
		}
		b.mu.Lock()
		b.waiting--
		b.mu.Unlock()
		if err != nil {
			return err
		}
	}
}

// tryCharge charges every bucket c touches if all have room. Otherwise it
// charges nothing and returns when the fullest bucket next frees up.
func (b *Budget) tryCharge(now time.Time, c Cost) (time.Time, string, error) {
	var wake time.Time
	var full string
	for _, k := range b.buckets {
		a := k.amount(c)
		if a == 0 {
			continue
		}
		k.roll(now)
		allow := b.allowed(k, c.Priority)
		if a > allow {
			return time.Time{}, "", fmt.Errorf("%s: %s costs %d, at most %d per %v: %w",
				b.account, k.Name, a, allow, k.Window, ErrCostTooLarge)
		}
		if ok, w := k.fits(now, a, allow); !ok && w.After(wake) {
			wake, full = w, k.Name
		}
	}
	if !wake.IsZero() {
		return wake, full, nil
	}
	for _, k := range b.buckets {
		if a := k.amount(c); a > 0 {
			k.charge(now, a, b.guardFor(k))
		}
	}
	return time.Time{}, "", nil
}

// allowed is the part of k that callers of priority p may fill.
func (b *Budget) allowed(k *bucket, p Priority) int {
	if k.Kind == LimitOrders || p >= Trading {
		return k.Limit.Limit
	}
	reserve := max(int(math.Ceil(float64(k.Limit.Limit)*b.reserveFrac)), b.reserveMin)
	reserve = min(reserve, k.Limit.Limit/2)
	if p == Interactive {
		reserve /= 2
	}
	return k.Limit.Limit - reserve
}

func (b *Budget) guardFor(k *bucket) time.Duration { return min(b.guard, k.Window/10) }

// Charge counts a request that was sent without Acquire (or whose real cost
// is known only from the reply), even past the limit: the venue counted it.
func (b *Budget) Charge(c Cost) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.clock()
	for _, k := range b.buckets {
		if a := k.amount(c); a > 0 {
			k.roll(now)
			k.charge(now, a, b.guardFor(k))
		}
	}
}

// Observe reconciles a bucket with the venue's own count (e.g. from
// X-MBX-USED-WEIGHT-1M), which includes other processes on the same IP.
// A fixed window's count is taken to be as old as the guard, so a reply
// that left the venue just before a boundary cannot inflate the new
// window; a rolling window's is compared with everything sent until now.
// Use ObserveAt when the count's time is known.
func (b *Budget) Observe(name string, used int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.clock()
	for _, k := range b.buckets {
		if k.Name == name && k.Window > 0 {
			k.roll(now)
			at := now
			if !k.Rolling {
				at = now.Add(-b.guardFor(k))
			}
			k.observe(at, now, used, b.guardFor(k))
		}
	}
}

// ObserveAt reconciles bucket name with the venue's count used as of at (on
// the budget's clock): it covers what was sent until at. Usage only ever
// rises to the venue's count: our own charges for requests still in flight
// are not in it yet. A count from an earlier window is ignored.
func (b *Budget) ObserveAt(name string, used int, at time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.clock()
	at = at.Round(0)
	for _, k := range b.buckets {
		if k.Name == name && k.Window > 0 {
			k.roll(now)
			k.observe(at, now, used, b.guardFor(k))
		}
	}
}

// Ban stops all sending until until. A shorter ban never cuts a longer one.
func (b *Budget) Ban(until time.Time, reason string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	until = until.Round(0)
	if until.After(b.bannedUntil) {
		b.bannedUntil = until
		b.banReason = reason
	}
}

// Snapshot for panes and `vigil check`.
func (b *Budget) Snapshot() BudgetSnapshot {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.clock()
	s := BudgetSnapshot{Account: b.account, Waiting: b.waiting, At: now}
	if now.Before(b.bannedUntil) {
		s.BannedUntil, s.BanReason = b.bannedUntil, b.banReason
	}
	for _, k := range b.buckets {
		if k.Window <= 0 {
			continue
		}
		k.roll(now)
		s.Buckets = append(s.Buckets, Bucket{
			Name: k.Name, Used: k.used(), Limit: k.Limit.Limit, Window: k.Window, ResetAt: k.resetAt(now),
		})
	}
	return s
}

// bucket is one limit's count. A fixed bucket counts in intervals aligned to
// the epoch, as Binance counts per calendar minute; a rolling one keeps a
// log of charges.
type bucket struct {
	Limit
	start time.Time // fixed: start of the current window
	count int       // fixed: charged in the current window
	carry int       // fixed: charged near this window's end, counted in the next as well
	log   []charge  // rolling: charges within the window, oldest first
}

type charge struct {
	at time.Time
	n  int
}

func alignStart(t time.Time, w time.Duration) time.Time {
	r := time.Duration(t.UnixNano() % int64(w))
	if r < 0 {
		r += w
	}
	return t.Add(-r)
}

func (k *bucket) amount(c Cost) int {
	if k.Limit.Limit <= 0 || k.Window <= 0 || (k.Scope != "" && k.Scope != c.Scope) {
		return 0
	}
	switch k.Kind {
	case LimitWeight:
		return max(c.Weight, 0)
	case LimitOrders:
		return max(c.Orders, 0)
	}
	return 1
}

func (k *bucket) roll(now time.Time) {
	if k.Rolling {
		i := 0
		for i < len(k.log) && !k.log[i].at.After(now.Add(-k.Window)) {
			i++
		}
		k.log = slices.Delete(k.log, 0, i)
		return
	}
	start := alignStart(now, k.Window)
	switch {
	case !start.After(k.start):
		// Same window, or our clock moved back: keep counting, erring high.
	case start.Equal(k.start.Add(k.Window)):
		k.start, k.count, k.carry = start, k.carry, 0
	default:
		k.start, k.count, k.carry = start, 0, 0
	}
}

func (k *bucket) used() int {
	if !k.Rolling {
		return k.count
	}
	n := 0
	for _, c := range k.log {
		n += c.n
	}
	return n
}

// fits reports whether a more fits under allow, and if not when to look again.
func (k *bucket) fits(now time.Time, a, allow int) (bool, time.Time) {
	used := k.used()
	if used+a <= allow {
		return true, time.Time{}
	}
	if !k.Rolling {
		return false, k.start.Add(k.Window)
	}
	need := used + a - allow
	for _, c := range k.log {
		need -= c.n
		if need <= 0 {
			return false, c.at.Add(k.Window)
		}
	}
	return false, now.Add(k.Window) // unreachable: a <= allow was checked
}

func (k *bucket) charge(now time.Time, a int, guard time.Duration) {
	if k.Rolling {
		// Held as if it reached the venue at the latest expected moment, so
		// it does not expire here before it does there.
		k.insert(charge{at: now.Add(guard), n: a})
		return
	}
	k.count += a
	if k.start.Add(k.Window).Sub(now) <= guard {
		k.carry += a
	}
}

func (k *bucket) insert(c charge) {
	i := len(k.log)
	for i > 0 && k.log[i-1].at.After(c.at) {
		i--
	}
	k.log = slices.Insert(k.log, i, c)
}

func (k *bucket) observe(at, now time.Time, used int, guard time.Duration) {
	if k.Rolling {
		at = minTime(at, now)
		if !at.After(now.Add(-k.Window)) {
			return
		}
		// The venue's count covers what it received in (at−Window, at];
		// ours is what we sent in that span. A charge is held guard after
		// its sending (see charge), so shift the span to match.
		mine := 0
		for _, c := range k.log {
			if sent := c.at.Add(-guard); sent.After(at.Add(-k.Window)) && !sent.After(at) {
				mine += c.n
			}
		}
		if used > mine {
			k.insert(charge{at: at, n: used - mine})
		}
		return
	}
	switch aw := alignStart(at, k.Window); {
	case aw.Equal(k.start):
		k.count = max(k.count, used)
	case aw.Equal(k.start.Add(k.Window)):
		// The venue is already in our next window: what it counted there
		// is what that window starts with.
		k.carry = max(k.carry, used)
	}
}

func (k *bucket) resetAt(now time.Time) time.Time {
	if !k.Rolling {
		return k.start.Add(k.Window)
	}
	if len(k.log) == 0 {
		return now
	}
	return k.log[0].at.Add(k.Window)
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
