package exchange

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// ClockConfig configures a Clock.
type ClockConfig struct {
	Account     string
	AheadLimit  time.Duration    // venue's future tolerance (Binance, Bybit: 1s; OKX: 30s); 0: 1 s
	BehindLimit time.Duration    // recvWindow (OKX: 30s); 0: 5 s, Binance's default recvWindow
	Window      int              // samples kept for the filter; 0: default
	Now         func() time.Time // local clock; nil: time.Now
	// ResyncEvery is the scheduled re-sync period; 0: default.
	ResyncEvery time.Duration
	// Resolution is the granularity of the venue's server time (1 ms for a
	// millisecond timestamp, 1 s for Kraken's REST time); 0: 1 ms.
	Resolution time.Duration
	// LocalStamps: what the venue checks against its clock is this
	// machine's own time (a nonce of local milliseconds), not Stamp. The
	// headroom is then what the raw local clock leaves, Stamp is local
	// now, and Danger says when that clock is too far off.
	LocalStamps bool
}

const (
	defaultClockWindow = 32
	defaultResyncEvery = 60 * time.Second
	defaultAheadLimit  = time.Second
	defaultBehindLimit = 5 * time.Second
	defaultResolution  = time.Millisecond
	defaultSyncSamples = 8
	clockRecentLen     = 30
	clockMaxPoints     = 64
	stampSafety        = 50 * time.Millisecond
	minDriftSpan       = 5 * time.Minute
	stepSlack          = 50 * time.Millisecond
	assumedDriftRate   = 20e-6  // an undisciplined quartz clock: ±20 ppm, 72 ms/h
	stepDriftRate      = 200e-6 // a drift this fast is a step, not a drift
	minBatch           = 4
)

// clockSample is one probe: local send and receive times around the server's
// stamp. The true offset lies in [offset-rtt/2, offset+rtt/2] whatever the
// split of the round trip, which is why the lowest-RTT samples are the ones
// to trust.
type clockSample struct {
	mid    time.Time // local midpoint of t0 and t1
	offset time.Duration
	rtt    time.Duration
}

// driftPoint is one batch's best sample, kept much longer than the window so
// a drift of tens of ms per hour can be fitted.
type driftPoint struct {
	t      time.Time
	offset time.Duration
	unc    time.Duration
}

// Clock estimates the offset between this machine and one venue's server.
//
// It keeps a window of recent samples and trusts the one with the least
// uncertainty (RTT/2 grown by the drift since it was taken), as NTP's clock
// filter does: queueing delays only ever lengthen a leg, so the quickest
// round trip carries the least asymmetric jitter. A per-batch best sample is
// also kept for a weighted least-squares drift fit; once the drift is known
// the estimate is extrapolated to now. Safe for concurrent use; reads time
// only through cfg.Now.
type Clock struct {
	cfg ClockConfig

	mu        sync.Mutex
	samples   []clockSample // oldest first, at most cfg.Window
	batch     int           // samples added since the last drift point
	points    []driftPoint
	slope     float64 // d(offset)/d(local time); valid when driftKnown
	driftOK   bool
	recent    []time.Duration
	lastSync  time.Time
	invalid   bool
	fresh     bool // the next sample starts a new window
	err       string
	invReason string
	est       estCache

	// usable is whether a sample was taken since the last Invalidate; it is
	// what Ready waits for. Written under mu, read without it so the signed
	// request path pays no lock for the common case.
	usable atomic.Bool
	flight *readyFlight // Ready's probe in progress; nil when none
}

// readyFlight is Ready's one probe in progress: callers arriving while it
// runs wait for it instead of probing too.
type readyFlight struct {
	done chan struct{}
	err  error
	// abandoned: the prober's own ctx ended, so err says nothing about the
	// venue and a waiter with time left probes itself.
	abandoned bool
}

// estCache keeps what estimate would otherwise redo on every read: the
// window's median RTT and, usually, which sample wins. The budget and the
// stamp read the clock several times per request, and a scan plus a sort of
// the window each time showed up in the request path's profile. Anything that
// changes the samples or the drift fit drops it.
type estCache struct {
	ok  bool
	rtt time.Duration // median RTT of the window
	// best wins for every now at or after after. Uncertainties grow at the
	// same rate for every sample once all are in the past, so the order is
	// fixed but for the nanosecond each truncation may add; pinned is false
	// when the runner-up is closer than that and the window must be scanned.
	best    int
	pinned  bool
	after   time.Time
	mono    bool // whether after carries a monotonic reading; see monoOf
	scratch []time.Duration
}

// monoOf reports whether t carries a monotonic clock reading. Sub and Before
// use it only when both sides carry one, so the pinned winner holds only for
// times read from the same kind of clock as the samples.
func monoOf(t time.Time) bool { return t != t.Round(0) }

// pinSlack is how much closer than this the runner-up may be before the
// winner is no longer pinned: truncating each uncertainty to whole
// nanoseconds may move a difference by under 1 ns either way.
const pinSlack = 3 * time.Nanosecond

// NewClock returns an estimator with no samples.
func NewClock(cfg ClockConfig) *Clock {
	if cfg.AheadLimit <= 0 {
		cfg.AheadLimit = defaultAheadLimit
	}
	if cfg.BehindLimit <= 0 {
		cfg.BehindLimit = defaultBehindLimit
	}
	if cfg.Window <= 0 {
		cfg.Window = defaultClockWindow
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.ResyncEvery <= 0 {
		cfg.ResyncEvery = defaultResyncEvery
	}
	if cfg.Resolution <= 0 {
		cfg.Resolution = defaultResolution
	}
	return &Clock{cfg: cfg}
}

// Add records one sample: t0 before sending, server time from the reply, t1 after.
// Samples added one by one (e.g. from a time field on every response) are
// grouped into batches of a quarter window for the drift fit; Sync closes its
// own batch.
func (c *Clock) Add(t0, server, t1 time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.add(t0, server, t1) && c.batch >= max(minBatch, c.cfg.Window/4) {
		c.closeBatch()
	}
}

func (c *Clock) add(t0, server, t1 time.Time) bool {
	rtt := t1.Sub(t0)
	if rtt < 0 || server.IsZero() {
		return false // local clock stepped back mid-probe, or no server time
	}
	if c.fresh {
		c.samples = c.samples[:0]
		c.batch = 0
		c.fresh = false
	}
	mid := t0.Add(rtt / 2)
	c.samples = append(c.samples, clockSample{mid: mid, offset: server.Sub(mid), rtt: rtt})
	if over := len(c.samples) - c.cfg.Window; over > 0 {
		c.samples = slices.Delete(c.samples, 0, over)
	}
	c.batch++
	c.est.ok = false
	c.usable.Store(true)
	if t1.After(c.lastSync) {
		c.lastSync = t1
	}
	return true
}

// closeBatch turns the batch's best sample into a drift point. A point
// inconsistent with the history beyond anything drift explains is a step of
// the local clock (NTP fixed it, the user set it): history and older samples
// are dropped so stale low-RTT samples cannot pin the estimate.
func (c *Clock) closeBatch() {
	n := min(c.batch, len(c.samples))
	c.batch = 0
	if n == 0 {
		return
	}
	batch := c.samples[len(c.samples)-n:]
	best := batch[0]
	for _, s := range batch[1:] {
		if s.rtt <= best.rtt {
			best = s
		}
	}
	p := driftPoint{t: best.mid, offset: best.offset, unc: best.rtt/2 + c.cfg.Resolution}
	if len(c.points) > 0 {
		last := c.points[len(c.points)-1]
		pred := last.offset
		if c.driftOK {
			pred = c.fitAt(p.t)
		}
		dt := absDur(p.t.Sub(last.t))
		allowed := p.unc + last.unc + stepSlack + time.Duration(stepDriftRate*float64(dt))
		if absDur(p.offset-pred) > allowed {
			c.points = c.points[:0]
			c.samples = slices.Delete(c.samples, 0, len(c.samples)-n)
		}
	}
	c.points = append(c.points, p)
	if over := len(c.points) - clockMaxPoints; over > 0 {
		c.points = slices.Delete(c.points, 0, over)
	}
	c.fit()
	c.invalid = false
	c.invReason = ""
	c.recent = append(c.recent, c.estimate(c.cfg.Now()).offset)
	if over := len(c.recent) - clockRecentLen; over > 0 {
		c.recent = slices.Delete(c.recent, 0, over)
	}
}

// fit is a least-squares line through the drift points, each weighted by
// 1/uncertainty² so batches that met a congested network count for little.
func (c *Clock) fit() {
	c.est.ok = false
	c.driftOK = false
	c.slope = 0
	if len(c.points) < 2 || c.points[len(c.points)-1].t.Sub(c.points[0].t) < minDriftSpan {
		return
	}
	t0 := c.points[0].t
	var sw, sx, sy float64
	for _, p := range c.points {
		w := 1 / sq(float64(p.unc))
		sw += w
		sx += w * float64(p.t.Sub(t0))
		sy += w * float64(p.offset)
	}
	mx, my := sx/sw, sy/sw
	var sxy, sxx float64
	for _, p := range c.points {
		w := 1 / sq(float64(p.unc))
		dx := float64(p.t.Sub(t0)) - mx
		sxy += w * dx * (float64(p.offset) - my)
		sxx += w * dx * dx
	}
	if sxx == 0 {
		return
	}
	c.slope = sxy / sxx
	c.driftOK = true
}

// fitAt is the fitted offset at local time t.
func (c *Clock) fitAt(t time.Time) time.Duration {
	t0 := c.points[0].t
	var sw, sx, sy float64
	for _, p := range c.points {
		w := 1 / sq(float64(p.unc))
		sw += w
		sx += w * float64(p.t.Sub(t0))
		sy += w * float64(p.offset)
	}
	x := float64(t.Sub(t0))
	return time.Duration(sy/sw + c.slope*(x-sx/sw))
}

type clockEstimate struct {
	ok     bool
	offset time.Duration
	unc    time.Duration
	rtt    time.Duration // median round trip of the window: a typical request's
}

// estimate picks the window sample with the least uncertainty at now: its
// RTT/2, the server's resolution, and what drift may have added since. With
// a fitted drift the sample is carried forward along it.
func (c *Clock) estimate(now time.Time) clockEstimate {
	if len(c.samples) == 0 {
		return clockEstimate{}
	}
	if !c.est.ok {
		c.cacheEstimate()
	}
	var e clockEstimate
	if c.est.pinned && monoOf(now) == c.est.mono && !now.Before(c.est.after) {
		e = c.sampleEstimate(c.samples[c.est.best], now)
	} else {
		e = c.scan(now)
	}
	e.rtt = c.est.rtt
	return e
}

// scan evaluates every sample at now; the last of equals wins.
func (c *Clock) scan(now time.Time) clockEstimate {
	var e clockEstimate
	for i, s := range c.samples {
		se := c.sampleEstimate(s, now)
		if i > 0 && se.unc > e.unc {
			continue
		}
		e = se
	}
	return e
}

// sampleEstimate is one sample's offset and uncertainty carried to now.
func (c *Clock) sampleEstimate(s clockSample, now time.Time) clockEstimate {
	rate := assumedDriftRate
	if c.driftOK {
		rate = math.Abs(c.slope)
	}
	age := max(now.Sub(s.mid), 0)
	e := clockEstimate{ok: true, offset: s.offset, unc: s.rtt/2 + c.cfg.Resolution + time.Duration(rate*float64(age))}
	if c.driftOK {
		e.offset += time.Duration(c.slope * float64(age))
	}
	return e
}

// cacheEstimate fills c.est for the current samples and fit: the median RTT,
// and the winner as of the latest sample, pinned when no other sample comes
// within pinSlack of it there.
func (c *Clock) cacheEstimate() {
	est := &c.est
	est.scratch = est.scratch[:0]
	for _, s := range c.samples {
		est.scratch = append(est.scratch, s.rtt)
	}
	slices.Sort(est.scratch)
	est.rtt = est.scratch[len(est.scratch)/2]

	ref := c.samples[0].mid
	est.mono = monoOf(ref)
	est.pinned = true
	for _, s := range c.samples[1:] {
		if monoOf(s.mid) != est.mono {
			est.pinned = false // Sub would mix clocks across samples
		}
		if s.mid.After(ref) {
			ref = s.mid
		}
	}
	est.after = ref
	est.best = 0
	best := c.sampleEstimate(c.samples[0], ref)
	for i, s := range c.samples[1:] {
		if se := c.sampleEstimate(s, ref); se.unc <= best.unc {
			est.best, best = i+1, se
		}
	}
	for i, s := range c.samples {
		if i != est.best && c.sampleEstimate(s, ref).unc-best.unc < pinSlack {
			est.pinned = false
		}
	}
	est.ok = true
}

// lag is how far behind the estimated server time a stamp is placed: enough
// to absorb the estimate's uncertainty plus a safety margin on the side the
// venue punishes at once (ahead), but never more than half the recvWindow,
// which the request's transit also spends.
func (c *Clock) lag(e clockEstimate) time.Duration {
	if c.cfg.LocalStamps {
		// Local now = server now − offset.
		return e.offset
	}
	l := max(e.unc+stampSafety, c.cfg.AheadLimit/10)
	return min(l, c.cfg.BehindLimit/2)
}

// Offset is the current estimate of server minus local.
func (c *Clock) Offset() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.estimate(c.cfg.Now()).offset
}

// ServerNow is local now corrected by the offset.
func (c *Clock) ServerNow() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.cfg.Now()
	return now.Add(c.estimate(now).offset)
}

// Stamp is the timestamp to put on a request sent now, placed so the venue's
// asymmetric window holds with margin.
func (c *Clock) Stamp() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.cfg.Now()
	e := c.estimate(now)
	return now.Add(e.offset - c.lag(e))
}

// Snapshot for panes and `vigil check`.
//
// Headroom is how wrong the estimate may still be, beyond its stated
// uncertainty, before the venue refuses a stamp taken now:
//
//	HeadroomAhead  = AheadLimit − (Stamp − ServerNow) − Uncertainty
//	               = AheadLimit + lag − Uncertainty
//	  the venue's true clock may be this much further behind our estimate
//	  before a stamp reaches server+AheadLimit ("1000ms ahead" rejections).
//	HeadroomBehind = BehindLimit − (ServerNow − Stamp) − Uncertainty − RTT
//	               = BehindLimit − lag − Uncertainty − RTT
//	  the venue's true clock may be this much further ahead of our estimate
//	  before a stamp, aged further by the request's transit (bounded by the
//	  median RTT), falls outside recvWindow.
//
// Danger is set when not synced, when this machine is ahead of the venue by
// more than AheadLimit − lag (a client stamping with the raw local clock
// would be refused), or when either headroom is below 25% of its limit.
func (c *Clock) Snapshot() ClockSnapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.cfg.Now()
	e := c.estimate(now)
	lag := c.lag(e)
	s := ClockSnapshot{
		Account:        c.cfg.Account,
		Synced:         e.ok && !c.invalid,
		Offset:         e.offset,
		Uncertainty:    e.unc,
		RTT:            e.rtt,
		LastSync:       c.lastSync,
		AheadLimit:     c.cfg.AheadLimit,
		BehindLimit:    c.cfg.BehindLimit,
		HeadroomAhead:  c.cfg.AheadLimit + lag - e.unc,
		HeadroomBehind: c.cfg.BehindLimit - lag - e.unc - e.rtt,
		Recent:         slices.Clone(c.recent),
		Samples:        len(c.samples),
		Err:            c.err,
		LocalStamps:    c.cfg.LocalStamps,
	}
	if c.driftOK {
		s.DriftPerHr = time.Duration(c.slope * float64(time.Hour))
		s.DriftKnown = true
	}
	if c.invReason != "" {
		s.Err = "invalidated: " + c.invReason
		if c.err != "" {
			s.Err += "; " + c.err
		}
	}
	s.Danger = !s.Synced ||
		-e.offset > c.cfg.AheadLimit-lag ||
		s.HeadroomAhead < c.cfg.AheadLimit/4 ||
		s.HeadroomBehind < c.cfg.BehindLimit/4
	return s
}

// Invalidate marks the estimate stale after a timestamp rejection so the next
// NeedsSync is true at once. The next sample starts a new window: whatever
// made the venue refuse us, the old samples are suspect.
func (c *Clock) Invalidate(reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.invalid = true
	c.fresh = true
	c.invReason = reason
	c.usable.Store(false)
}

// Ready returns nil once the clock has a usable sample: one taken since the
// last Invalidate. Until then a stamp would be the raw local clock (or an
// estimate the venue just refused), which a venue whose clock is a second
// off refuses, so every signed request and stream login calls Ready first.
// Without a usable sample Ready takes one with probe, quick enough for a
// first request; the full Sync follows from whoever schedules it. Callers
// arriving while a probe runs wait for it rather than sending their own.
// The error is the probe's, or ctx's when it ends first.
//
// An invalidated clock counts as not ready: the samples behind a refused
// stamp would stamp the next request, or the next login, just as wrongly,
// and a stream login that was refused has no retry of its own that
// re-syncs first.
func (c *Clock) Ready(ctx context.Context, probe func(context.Context) (time.Time, error)) error {
	for {
		if c.usable.Load() {
			return nil
		}
		c.mu.Lock()
		if c.usable.Load() {
			c.mu.Unlock()
			return nil
		}
		f := c.flight
		if f == nil {
			f = &readyFlight{done: make(chan struct{})}
			c.flight = f
			c.mu.Unlock()
			err := c.probeOnce(ctx, probe)
			c.mu.Lock()
			c.flight = nil
			f.err, f.abandoned = err, ctx.Err() != nil
			c.mu.Unlock()
			close(f.done)
			if err != nil {
				return err
			}
			continue // a refusal may have invalidated the new sample already
		}
		c.mu.Unlock()
		select {
		case <-f.done:
		case <-ctx.Done():
			return ctx.Err()
		}
		if f.err != nil && !f.abandoned && !c.usable.Load() {
			return f.err
		}
	}
}

// probeOnce takes one sample for Ready. It does not close a batch: one
// sample is not a drift point, and an invalidated clock stays unsynced in
// the snapshot until a full Sync.
func (c *Clock) probeOnce(ctx context.Context, probe func(context.Context) (time.Time, error)) error {
	// Every signed request waits on this probe, orders included: it must
	// not queue behind background work in the budget.
	pctx := WithPriority(ctx, Interactive)
	t0 := c.cfg.Now()
	server, err := probe(pctx)
	t1 := c.cfg.Now()
	if err == nil {
		c.mu.Lock()
		if !c.add(t0, server, t1) {
			err = errors.New("unusable sample (no server time or local clock stepped back)")
		}
		c.mu.Unlock()
	}
	if err != nil {
		c.SetError(fmt.Errorf("no sample yet: %w", err))
	}
	return err
}

// ClockUnknownError is returned, without sending anything, by a signed
// request or stream login when the venue's clock has no usable sample and
// the probe for one failed.
type ClockUnknownError struct {
	Venue string
	Err   error
}

func (e *ClockUnknownError) Error() string {
	return "clock of " + e.Venue + " unknown: " + e.Err.Error()
}

func (e *ClockUnknownError) Unwrap() error { return e.Err }

// NeedsSync reports whether a scheduled or forced re-sync is due.
func (c *Clock) NeedsSync() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.samples) == 0 || c.invalid ||
		c.cfg.Now().Sub(c.lastSync) >= c.cfg.ResyncEvery
}

// SetError records the last sync error for the snapshot; nil clears it.
func (c *Clock) SetError(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err == nil {
		c.err = ""
		return
	}
	c.err = err.Error()
}

// Sync takes n samples with probe (which returns the venue's server time)
// and adds them. Samples are taken one after another, never in parallel, so
// they do not queue behind each other and inflate each other's RTT. It fails
// only when every sample failed; partial failures are recorded for the
// snapshot. n <= 0 takes 8.
func (c *Clock) Sync(ctx context.Context, n int, probe func(context.Context) (time.Time, error)) error {
	if n <= 0 {
		n = defaultSyncSamples
	}
	var (
		lastErr    error
		ok, failed int
	)
	for range n {
		if err := ctx.Err(); err != nil {
			if ok == 0 {
				lastErr = err
			}
			break
		}
		t0 := c.cfg.Now()
		server, err := probe(ctx)
		t1 := c.cfg.Now()
		if err != nil {
			lastErr = err
			failed++
			continue
		}
		c.mu.Lock()
		if c.add(t0, server, t1) {
			ok++
		} else {
			failed++
			lastErr = errors.New("unusable sample (no server time or local clock stepped back)")
		}
		c.mu.Unlock()
	}
	c.mu.Lock()
	if ok > 0 {
		c.closeBatch()
	}
	c.mu.Unlock()
	switch {
	case ok == 0:
		err := fmt.Errorf("clock sync %s: no usable sample: %w", c.cfg.Account, lastErr)
		c.SetError(err)
		return err
	case failed > 0:
		c.SetError(fmt.Errorf("%d of %d samples failed: %w", failed, n, lastErr))
	default:
		c.SetError(nil)
	}
	return nil
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

func sq(x float64) float64 { return x * x }
