// Package metrics turns what the feed learns about each account (clock,
// key, budgets, stream, balances, the order journal) into Prometheus
// series, for `vigil watch`. It holds the latest snapshot per account and
// builds the series when scraped, so ages and times to expiry are as of the
// scrape, and an idle account costs nothing between scrapes.
//
// Labels are account and venue (the config's names), plus bucket for rate
// budgets, asset for opt-in balances and outcome for requests: sets bounded
// by the config, never by the traffic. Nothing here carries a secret or a
// key id.
package metrics

import (
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vigil-trade/vigil/exchange"
)

// Options configure a Collector.
type Options struct {
	// Balances exports the accounts' balances: they say how much money a
	// machine controls, so only when the config asks (metrics_balances).
	Balances bool
	Now      func() time.Time
}

// Collector is a prometheus.Collector over the accounts' latest snapshots.
// Its setters are safe for concurrent use and never block on a scrape for
// longer than a copy.
type Collector struct {
	opts Options

	mu       sync.Mutex
	accounts map[string]*account

	reqs     *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

type account struct {
	name, venue string
	keyCreated  time.Time // from the vault: the fallback when the venue does not say

	clock  *exchange.ClockSnapshot
	key    *exchange.KeyInfo
	keyErr bool
	keyAt  time.Time
	budget *exchange.BudgetSnapshot
	stream *exchange.StreamStatus
	drops  float64
	// lastDrops is the supervisor's Drops last seen.
	lastDrops int
	balances  []exchange.Balance
	balErr    bool
	// positions: nil until a venue that holds positions reports (a spot
	// venue never does); sizes are not exported, only how many and how
	// close each is to liquidation.
	positions []exchange.Position
	posErr    bool
	orders    *Orders
	selfTest  *bool // nil: the venue ships no signer self-test

	reconcile Reconciled
}

// Orders is what the order journal holds for an account that is not final.
type Orders struct {
	Open    int // resting on the book, as last learnt
	Unknown int // sent, fate not yet learnt (UNKNOWN, PENDING, SENT)
	// OldestUnknown is when the oldest of those was asked for; zero when
	// there is none.
	OldestUnknown time.Time
}

// Reconciled are the running totals of an account's journal
// reconciliations.
type Reconciled struct {
	Passes, Failures float64
	Resolved, Gone   float64
	NotPlaced        float64
	Held             int // in doubt after the last pass, left for a front end that may send
	LastSuccess      time.Time
}

// New returns a collector with no accounts.
func New(opts Options) *Collector {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Collector{
		opts:     opts,
		accounts: map[string]*account{},
		reqs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigil_http_requests_total",
			Help: "HTTP requests sent to venues, by venue and outcome (ok, client_error, rate_limited, server_error, error).",
		}, []string{"venue", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "vigil_http_request_duration_seconds",
			Help:    "Time from sending a request to a venue to its reply's headers, by venue and outcome.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"venue", "outcome"}),
	}
}

// AddAccount declares an account, so its series exist from the first
// scrape. keyCreated is when the vault says the key was made (zero:
// unknown).
func (c *Collector) AddAccount(name, venue string, keyCreated time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.accounts[name]; !ok {
		c.accounts[name] = &account{name: name, venue: venue, keyCreated: keyCreated}
	}
}

// with runs fn on a declared account; news about another is dropped.
func (c *Collector) with(name string, fn func(*account)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if a, ok := c.accounts[name]; ok {
		fn(a)
	}
}

// Clock records an account's clock snapshot.
func (c *Collector) Clock(name string, s exchange.ClockSnapshot) {
	s.Recent = nil // not exported; not kept
	c.with(name, func(a *account) { a.clock = &s })
}

// Key records an account's key audit; err is a failed audit, which keeps
// the last facts learnt.
func (c *Collector) Key(name string, info exchange.KeyInfo, err error) {
	c.with(name, func(a *account) {
		a.keyErr = err != nil
		if err != nil {
			return
		}
		info.IPs, info.Notes, info.AccountUID = nil, nil, ""
		a.key = &info
		a.keyAt = info.CheckedAt
		if a.keyAt.IsZero() {
			a.keyAt = c.opts.Now()
		}
	})
}

// Budget records an account's rate budget snapshot.
func (c *Collector) Budget(name string, b exchange.BudgetSnapshot) {
	b.Buckets = slices.Clone(b.Buckets)
	c.with(name, func(a *account) { a.budget = &b })
}

// Stream records an account's private stream status. Every move from live
// to not live counts as a drop; an account without a stream never calls it.
func (c *Collector) Stream(name string, st exchange.StreamStatus) {
	c.with(name, func(a *account) {
		// The supervisor's own count, not the transitions seen here: a
		// reconnect within one flush of the feed's bridge arrives as live,
		// then live again. A restarted feed's supervisor counts from zero
		// again; the counter only ever grows.
		if st.Drops > a.lastDrops {
			a.drops += float64(st.Drops - a.lastDrops)
		}
		a.lastDrops = st.Drops
		st.Err = ""
		a.stream = &st
	})
}

// Balances records an account's balances; err keeps the last ones.
func (c *Collector) Balances(name string, bals []exchange.Balance, err error) {
	if !c.opts.Balances {
		return
	}
	bals = slices.Clone(bals)
	c.with(name, func(a *account) {
		a.balErr = err != nil
		if err == nil {
			a.balances = bals
		}
	})
}

// Positions records an account's open positions; err keeps the last ones.
func (c *Collector) Positions(name string, pos []exchange.Position, err error) {
	pos = slices.Clone(pos)
	c.with(name, func(a *account) {
		a.posErr = err != nil
		if err == nil {
			if pos == nil {
				pos = []exchange.Position{}
			}
			a.positions = pos
		}
	})
}

// SignerSelfTest records the outcome of the venue's signer self-test for
// an account; a venue without one never calls it.
func (c *Collector) SignerSelfTest(name string, passed bool) {
	c.with(name, func(a *account) { a.selfTest = &passed })
}

// Orders records what the journal holds for an account.
func (c *Collector) Orders(name string, o Orders) {
	c.with(name, func(a *account) { a.orders = &o })
}

// Reconcile records one reconciliation pass of an account's journal: how
// many orders it resolved, marked gone or found never placed, how many it
// left in doubt; err is a failed pass.
func (c *Collector) Reconcile(name string, resolved, gone, notPlaced, held int, err error) {
	c.with(name, func(a *account) {
		r := &a.reconcile
		r.Passes++
		r.Resolved += float64(resolved)
		r.Gone += float64(gone)
		r.NotPlaced += float64(notPlaced)
		r.Held = held
		if err != nil {
			r.Failures++
			return
		}
		r.LastSuccess = c.opts.Now()
	})
}

// Transport counts and times every request that goes through next (nil:
// http.DefaultTransport), labelled with the venue venueOf names for it
// ("" counts as "unknown"). WebSocket handshakes are not requests a
// budget counts, and are left out.
func (c *Collector) Transport(next http.RoundTripper, venueOf func(*http.Request) string) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return &transport{next: next, venueOf: venueOf, c: c}
}

type transport struct {
	next    http.RoundTripper
	venueOf func(*http.Request) string
	c       *Collector
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Header.Get("Upgrade") != "" {
		return t.next.RoundTrip(req)
	}
	start := time.Now()
	resp, err := t.next.RoundTrip(req)
	venue := t.venueOf(req)
	if venue == "" {
		venue = "unknown"
	}
	outcome := Outcome(resp, err)
	t.c.reqs.WithLabelValues(venue, outcome).Inc()
	t.c.duration.WithLabelValues(venue, outcome).Observe(time.Since(start).Seconds())
	return resp, err
}

// Outcome classes a reply for the request metrics.
func Outcome(resp *http.Response, err error) string {
	switch {
	case err != nil || resp == nil:
		return "error"
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusTeapot:
		return "rate_limited"
	case resp.StatusCode >= 500:
		return "server_error"
	case resp.StatusCode >= 400:
		return "client_error"
	}
	return "ok"
}
