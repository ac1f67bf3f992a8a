package exchange

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/bits"
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

// Shape is how a venue counts a limit down and back up.
type Shape uint8

const (
	// ShapeWindow counts in windows of Limit.Window, fixed or rolling.
	ShapeWindow Shape = iota
	// ShapeDecay is a counter that each request raises by its cost and
	// that falls by Rate per second; the venue refuses a request that
	// would take it past Limit.
	ShapeDecay
	// ShapeCredits is a balance of Limit credits that each request spends
	// and that refills by Rate per second up to Limit. Running dry may cost
	// more than a refusal (a venue may end the session), so Background
	// callers stop at a reserve well above zero (Limit.Reserve; default a
	// quarter of the cap). Counted as credits spent, Limit minus balance:
	// the same arithmetic as ShapeDecay.
	ShapeCredits
	// ShapeReported is an allowance the venue reports with its answers
	// (remaining, limit, reset: Budget.Report). Nothing is modelled between
	// reports beyond our own charges and the reset the venue named.
	ShapeReported
)

func (s Shape) String() string {
	switch s {
	case ShapeDecay:
		return "decay"
	case ShapeCredits:
		return "credits"
	case ShapeReported:
		return "reported"
	}
	return "window"
}

// Limit is one venue rate limit.
type Limit struct {
	Name  string // "weight/1m", "orders/10s", "orders/1d"; unique within a Budget
	Kind  LimitKind
	Limit int // most a window, counter or credit pool holds
	// Window of a ShapeWindow limit. Of a ShapeReported one: when the
	// venue names no reset, how long after the last request one more may
	// go once the allowance is spent (a venue's trickle, such as one
	// request per 10 s); 0: none until the venue reports again.
	Window time.Duration
	Shape  Shape
	// Rate is how many units a ShapeDecay counter falls, or a
	// ShapeCredits pool refills, per second. A count of requests, not
	// money: a float is exact enough, and the budget rounds it down.
	Rate float64
	// Reserve, when above zero, is what Background callers leave of this
	// limit (Interactive callers leave half of it) in place of the
	// budget's default (SetReserve); it applies to order limits too.
	Reserve int
	// Scope, when set, limits the bucket to costs with the same Scope:
	// per-endpoint limits ("order/create": 20/s), per endpoint and
	// instrument ("N per 2 s"), or a per-pair order counter. Empty: every
	// request counts.
	Scope string
	// Rolling counts over the last Window instead of fixed intervals aligned
	// to the epoch (some venues count per calendar minute, others document
	// a rolling 1 s).
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

// ErrAllowanceSpent is returned (wrapped) when a venue-reported allowance
// is used up and nothing says when it comes back (no reset, no trickle), or
// a counter that never decays is full: only the venue's next report helps.
var ErrAllowanceSpent = errors.New("allowance used up, and the venue named no time it comes back")

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
// use them. A credit pool keeps a quarter of its cap from Background callers
// whatever it counts, since running dry may cost the session.
//
// A bucket has a Shape: a fixed or rolling window, a decaying counter,
// credits that refill, or an allowance the venue reports. Every shape
// answers the same questions (Acquire, Wait, Snapshot); each has its way
// of hearing from the venue (ObserveAt, ObserveLevel, Report).
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
		if o.Name != l.Name || o.Scope != l.Scope || o.Shape != l.Shape {
			continue
		}
		if l.Shape == ShapeWindow && (o.Window != l.Window || o.Rolling != l.Rolling) {
			continue
		}
		if l.Shape == ShapeReported && l.Limit <= 0 {
			l.Limit = o.Limit.Limit // the venue's, from its last report
		}
		if l.Shape == ShapeDecay || l.Shape == ShapeCredits {
			// The level so far fell at the old rate.
			o.settle(now)
			o.decayTo(now, o.rateMicro())
		}
		o.Limit = l
		return o
	}
	nb := &bucket{Limit: l, at: now}
	if l.Shape == ShapeWindow && l.Window > 0 {
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

// Wait is how long a request of cost c would wait for room if sent now (0:
// it would go at once), charging nothing: for a caller that would rather do
// something else than wait. A ban counts as a wait until it ends. The
// errors are Acquire's: waiting cannot help.
func (b *Budget) Wait(c Cost) (time.Duration, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.clock()
	if now.Before(b.bannedUntil) {
		return b.bannedUntil.Sub(now), nil
	}
	wake, _, err := b.room(now, c)
	if err != nil || wake.IsZero() {
		return 0, err
	}
	return wake.Sub(now), nil
}

// tryCharge charges every bucket c touches if all have room. Otherwise it
// charges nothing and returns when the fullest bucket next frees up.
func (b *Budget) tryCharge(now time.Time, c Cost) (time.Time, string, error) {
	wake, full, err := b.room(now, c)
	if err != nil || !wake.IsZero() {
		return wake, full, err
	}
	for _, k := range b.buckets {
		if a := k.amount(c); a > 0 {
			k.charge(now, a, b.guardFor(k))
		}
	}
	return time.Time{}, "", nil
}

// room is when every bucket c touches has room for it: zero if now.
func (b *Budget) room(now time.Time, c Cost) (time.Time, string, error) {
	var wake time.Time
	var full string
	for _, k := range b.buckets {
		a := k.amount(c)
		if a == 0 || !k.active() {
			continue
		}
		k.roll(now, b.guardFor(k))
		allow := b.allowed(k, c.Priority)
		if a > allow {
			return time.Time{}, "", fmt.Errorf("%s: %s costs %d, at most %d %s: %w",
				b.account, k.Name, a, allow, k.per(), ErrCostTooLarge)
		}
		ok, w := k.fits(now, a, allow, b.guardFor(k))
		if !ok && w.IsZero() {
			return time.Time{}, "", fmt.Errorf("%s: %s: %w", b.account, k.Name, ErrAllowanceSpent)
		}
		if !ok && w.After(wake) {
			wake, full = w, k.Name
		}
	}
	return wake, full, nil
}

// allowed is the part of k that callers of priority p may fill.
func (b *Budget) allowed(k *bucket, p Priority) int {
	if p >= Trading {
		return k.Limit.Limit
	}
	var reserve int
	switch {
	case k.Reserve > 0:
		reserve = k.Reserve
	case k.Shape == ShapeCredits:
		reserve = k.Limit.Limit / 4
	case k.Kind == LimitOrders:
		return k.Limit.Limit
	default:
		reserve = max(int(math.Ceil(float64(k.Limit.Limit)*b.reserveFrac)), b.reserveMin)
	}
	reserve = min(reserve, k.Limit.Limit/2)
	if p == Interactive {
		reserve /= 2
	}
	return k.Limit.Limit - reserve
}

func (b *Budget) guardFor(k *bucket) time.Duration {
	if k.Shape == ShapeWindow {
		return min(b.guard, k.Window/10)
	}
	return b.guard
}

// Charge counts a request that was sent without Acquire (or whose real cost
// is known only from the reply), even past the limit: the venue counted it.
func (b *Budget) Charge(c Cost) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.clock()
	for _, k := range b.buckets {
		if a := k.amount(c); a > 0 {
			k.roll(now, b.guardFor(k))
			k.charge(now, a, b.guardFor(k))
		}
	}
}

// Observe reconciles a bucket with the venue's own count (e.g. from
// a used-weight header), which includes other processes on the same IP.
// A fixed window's count is taken to be as old as the guard, so a reply
// that left the venue just before a boundary cannot inflate the new
// window; a rolling window's is compared with everything sent until now.
// Use ObserveAt when the count's time is known.
func (b *Budget) Observe(name string, used int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.clock()
	for _, k := range b.buckets {
		if k.Name == name && k.Shape == ShapeWindow && k.Window > 0 {
			k.roll(now, b.guardFor(k))
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
		if k.Name == name && k.Shape == ShapeWindow && k.Window > 0 {
			k.roll(now, b.guardFor(k))
			k.observe(at, now, used, b.guardFor(k))
		}
	}
}

// ObserveLevel reconciles a ShapeDecay counter with the level the venue
// reported as of at (on the budget's clock), or a ShapeCredits pool with
// the credits spent (its Limit minus the balance the venue reported). A
// refusal for the limit says the counter is full: report Limit.
//
// The level only ever rises to the venue's: our own charges still in
// flight may be missing from its count, so they stay on top of it (erring
// high until they decay).
func (b *Budget) ObserveLevel(name string, level float64, at time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.clock()
	at = minTime(at.Round(0), now)
	for _, k := range b.buckets {
		if k.Name != name || (k.Shape != ShapeDecay && k.Shape != ShapeCredits) {
			continue
		}
		k.roll(now, b.guardFor(k))
		r := k.rateMicro()
		k.decayTo(now, r)
		k.level = max(k.level, decayed(toMicro(level), r, now.Sub(at)))
	}
}

// Report takes a ShapeReported allowance from the venue's answer: remaining
// of limit, renewed at reset (zero: the venue did not say), counted as of
// at on the budget's clock. Pass for at when the request whose answer
// carries the count was sent: the venue counted no earlier, and our
// charges sent within the guard before it may be missing from its count,
// so they stay on top of it. A limit of 0 keeps the one known. A name the
// budget has no ShapeReported bucket for is ignored (add one with
// EnsureLimit first).
func (b *Budget) Report(name string, remaining, limit int, reset, at time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.clock()
	at = minTime(at.Round(0), now)
	for _, k := range b.buckets {
		if k.Name != name || k.Shape != ShapeReported {
			continue
		}
		if limit > 0 {
			k.Limit.Limit = limit
		}
		k.roll(now, b.guardFor(k))
		k.reported(now, at, max(k.Limit.Limit-remaining, 0), reset.Round(0), b.guardFor(k))
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
		if !k.active() {
			continue
		}
		k.roll(now, b.guardFor(k))
		bk := Bucket{Name: k.Name, Used: k.used(now), Limit: k.Limit.Limit, ResetAt: k.resetAt(now), Shape: k.Shape}
		switch k.Shape {
		case ShapeWindow:
			bk.Window = k.Window
		case ShapeDecay, ShapeCredits:
			bk.Rate = k.Rate
		}
		s.Buckets = append(s.Buckets, bk)
	}
	return s
}

// bucket is one limit's count. A fixed window counts in intervals aligned
// to the epoch, as a venue counting per calendar minute does; a rolling
// one keeps a log of charges. A decaying counter (a credit pool is one, counting what
// was spent) keeps a level settled up to a time plus the charges that may
// still be on their way to the venue; a reported allowance keeps the
// venue's count plus our charges since.
type bucket struct {
	Limit
	start time.Time // fixed: start of the current window
	count int       // fixed: charged in the current window
	carry int       // fixed: charged near this window's end, counted in the next as well
	// rolling: charges within the window, oldest first; reported: charges
	// the venue's last count may not hold, at their sending.
	log []charge

	// Decay and credits, in millionths of a unit so that rates such as
	// 2.34/s need no float in the comparisons.
	level   int64     // settled as of at
	at      time.Time //
	pending []charge  // charged, not yet in level: each joins it at its at

	// Reported.
	repUsed int       // the venue's count as of repAt
	repAt   time.Time //
	reset   time.Time // when the venue renews the allowance; zero: not said
	last    time.Time // when the latest request may have reached the venue
}

type charge struct {
	at time.Time
	n  int
}

const micro = 1_000_000

// toMicro rounds up: a level the venue reports is never taken lower.
func toMicro(x float64) int64 {
	if !(x > 0) {
		return 0
	}
	return int64(math.Ceil(min(x*micro, 1<<61)))
}

// rateMicro rounds down: our counter never falls faster than the venue's.
func (k *bucket) rateMicro() int64 {
	if !(k.Rate > 0) {
		return 0
	}
	return int64(min(k.Rate*micro, 1<<61))
}

// decayed is level after falling at rate (millionths per second) for d,
// rounded up.
func decayed(level, rate int64, d time.Duration) int64 {
	if level <= 0 || rate <= 0 || d <= 0 {
		return level
	}
	hi, lo := bits.Mul64(uint64(rate), uint64(d))
	if hi >= uint64(time.Second) {
		return 0
	}
	q, _ := bits.Div64(hi, lo, uint64(time.Second))
	if q >= uint64(level) {
		return 0
	}
	return level - int64(q)
}

// never is a drain time too long to wait for.
const never = time.Duration(1 << 62)

// drainTime is the shortest d with decayed(x, rate, d) <= x-excess.
func drainTime(excess, rate int64) time.Duration {
	if excess <= 0 {
		return 0
	}
	if rate <= 0 {
		return never
	}
	hi, lo := bits.Mul64(uint64(excess), uint64(time.Second))
	if hi >= uint64(rate) {
		return never
	}
	q, r := bits.Div64(hi, lo, uint64(rate))
	if r > 0 {
		q++
	}
	if q >= uint64(never) {
		return never
	}
	return time.Duration(q)
}

func alignStart(t time.Time, w time.Duration) time.Time {
	r := time.Duration(t.UnixNano() % int64(w))
	if r < 0 {
		r += w
	}
	return t.Add(-r)
}

// active: a window needs a length; a reported allowance limits requests
// from the venue's first report of its limit, and counts them before it
// (see amount).
func (k *bucket) active() bool {
	return k.Limit.Limit > 0 && (k.Shape != ShapeWindow || k.Window > 0)
}

func (k *bucket) amount(c Cost) int {
	if !k.active() && k.Shape != ShapeReported || (k.Scope != "" && k.Scope != c.Scope) {
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

// per says what a limit's size is per, for ErrCostTooLarge.
func (k *bucket) per() string {
	switch k.Shape {
	case ShapeDecay:
		return "on the counter"
	case ShapeCredits:
		return "credits at once"
	case ShapeReported:
		return "of the allowance"
	}
	return fmt.Sprintf("per %v", k.Window)
}

func (k *bucket) roll(now time.Time, guard time.Duration) {
	switch k.Shape {
	case ShapeDecay, ShapeCredits:
		k.settle(now)
		return
	case ShapeReported:
		if !k.reset.IsZero() && !now.Before(k.reset) {
			// Renewed: what counts now is what we sent since.
			k.reported(now, k.reset, 0, time.Time{}, guard)
		}
		return
	}
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

// settle moves the charges that have surely reached the venue into the
// level, each decaying only from then on. The level is not brought to now:
// decaying from one anchor rounds once, where decaying at every look would
// round down at each.
func (k *bucket) settle(now time.Time) {
	r := k.rateMicro()
	i := 0
	for ; i < len(k.pending) && !k.pending[i].at.After(now); i++ {
		k.decayTo(k.pending[i].at, r)
		k.level += int64(k.pending[i].n) * micro
	}
	k.pending = slices.Delete(k.pending, 0, i)
}

// levelAt is the settled level at t.
func (k *bucket) levelAt(t time.Time) int64 {
	if !t.After(k.at) {
		return k.level
	}
	return decayed(k.level, k.rateMicro(), t.Sub(k.at))
}

func (k *bucket) decayTo(t time.Time, r int64) {
	if t.After(k.at) {
		k.level = decayed(k.level, r, t.Sub(k.at))
		k.at = t
	}
	// Else our clock moved back: keep the level, erring high.
}

func (k *bucket) pendingMicro() int64 {
	var p int64
	for _, c := range k.pending {
		p += int64(c.n) * micro
	}
	return p
}

func (k *bucket) used(now time.Time) int {
	switch k.Shape {
	case ShapeDecay, ShapeCredits:
		l := k.levelAt(now) + k.pendingMicro()
		return int((l + micro - 1) / micro)
	case ShapeReported:
		n := k.repUsed
		for _, c := range k.log {
			n += c.n
		}
		return n
	}
	if !k.Rolling {
		return k.count
	}
	n := 0
	for _, c := range k.log {
		n += c.n
	}
	return n
}

// fits reports whether a more fits under allow, and if not when to look
// again; no time at all when waiting cannot help.
func (k *bucket) fits(now time.Time, a, allow int, guard time.Duration) (bool, time.Time) {
	switch k.Shape {
	case ShapeDecay, ShapeCredits:
		return k.decayFits(now, a, allow)
	case ShapeReported:
		if k.used(now)+a <= allow {
			return true, time.Time{}
		}
		if !k.reset.IsZero() {
			return false, k.reset
		}
		if k.Window > 0 && allow >= k.Limit.Limit {
			// The venue's trickle, for callers that may spend it all.
			if next := k.last.Add(k.Window); next.After(now) {
				return false, next
			}
			return true, time.Time{}
		}
		return false, time.Time{}
	}
	used := k.used(now)
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

// decayFits finds the first moment the counter, settled as of now, has
// room for a under allow. Between the moments pending charges settle the
// level falls at the rate and the pending sum stays, so each such span
// has a closed form.
func (k *bucket) decayFits(now time.Time, a, allow int) (bool, time.Time) {
	r := k.rateMicro()
	room := int64(allow-a) * micro
	p := k.pendingMicro()
	s, t := k.levelAt(now), now
	for i := 0; ; i++ {
		if s+p <= room {
			if i == 0 {
				return true, time.Time{}
			}
			return false, t
		}
		if target := room - p; target >= 0 {
			if d := drainTime(s-target, r); d < never {
				w := t.Add(d)
				if i == len(k.pending) || !w.After(k.pending[i].at) {
					return false, w
				}
			}
		}
		if i == len(k.pending) {
			return false, time.Time{} // does not decay: waiting cannot help
		}
		c := k.pending[i]
		if c.at.After(t) {
			s = decayed(s, r, c.at.Sub(t))
			t = c.at
		}
		s += int64(c.n) * micro
		p -= int64(c.n) * micro
	}
}

func (k *bucket) charge(now time.Time, a int, guard time.Duration) {
	switch k.Shape {
	case ShapeDecay, ShapeCredits:
		// Counted in full until it has surely reached the venue: the
		// venue's counter cannot have decayed any of it before then.
		k.pending = insertCharge(k.pending, charge{at: now.Add(guard), n: a})
		return
	case ShapeReported:
		k.log = insertCharge(k.log, charge{at: now, n: a})
		if t := now.Add(guard); t.After(k.last) {
			k.last = t
		}
		return
	}
	if k.Rolling {
		// Held as if it reached the venue at the latest expected moment, so
		// it does not expire here before it does there.
		k.log = insertCharge(k.log, charge{at: now.Add(guard), n: a})
		return
	}
	k.count += a
	if k.start.Add(k.Window).Sub(now) <= guard {
		k.carry += a
	}
}

func insertCharge(log []charge, c charge) []charge {
	i := len(log)
	for i > 0 && log[i-1].at.After(c.at) {
		i--
	}
	return slices.Insert(log, i, c)
}

// reported takes the venue's count used as of at. Charges sent more than
// the guard before at are in it; later ones may not be, and stay on top.
func (k *bucket) reported(now, at time.Time, used int, reset time.Time, guard time.Duration) {
	if at.Before(k.repAt) {
		return // an answer older than the one we have
	}
	i := 0
	for i < len(k.log) && !k.log[i].at.After(at.Add(-guard)) {
		i++
	}
	k.log = slices.Delete(k.log, 0, i)
	k.repUsed, k.repAt, k.reset = used, at, time.Time{}
	if reset.After(now) {
		k.reset = reset
	}
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
			k.log = insertCharge(k.log, charge{at: at, n: used - mine})
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
	switch k.Shape {
	case ShapeDecay, ShapeCredits:
		return time.Time{}
	case ShapeReported:
		return k.reset
	}
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
