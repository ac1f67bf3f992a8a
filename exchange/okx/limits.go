package okx

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vigil-trade/vigil/exchange"
)

// endpoint is one REST endpoint with its own OKX rate limit. OKX states every
// limit as "N requests per 2 seconds", counted per IP for public endpoints,
// per UID for private ones and per UID+instrument for order entry. It sends no
// usage headers, so the only count is ours.
type endpoint struct {
	name     string // bucket name shown in the budgets pane
	limit    int
	perInst  bool // counted per instrument (place, cancel)
	priority exchange.Priority
	orders   int // new orders charged (place only)
}

const window = 2 * time.Second

var (
	epTime        = endpoint{name: "time", limit: 10, priority: exchange.Background}
	epInstruments = endpoint{name: "instruments", limit: 20, priority: exchange.Background}
	epTicker      = endpoint{name: "ticker", limit: 20, priority: exchange.Interactive}
	epBalance     = endpoint{name: "balance", limit: 10, priority: exchange.Background}
	epConfig      = endpoint{name: "config", limit: 5, priority: exchange.Background}
	epPlace       = endpoint{name: "place", limit: 60, perInst: true, priority: exchange.Trading, orders: 1}
	epCancel      = endpoint{name: "cancel", limit: 60, perInst: true, priority: exchange.Trading}
	epQuery       = endpoint{name: "order", limit: 60, priority: exchange.Interactive}
	epPending     = endpoint{name: "orders-pending", limit: 60, priority: exchange.Background}
)

// budgeter is what the client needs from a rate budget; *exchange.Budget
// satisfies it, and tests substitute a recorder.
type budgeter interface {
	Acquire(ctx context.Context, c exchange.Cost) error
	Observe(name string, used int)
	Ban(until time.Time, reason string)
	Snapshot() exchange.BudgetSnapshot
}

// rates keeps one budget per scope (endpoint, or endpoint+instrument), because
// exchange.Budget charges every bucket it holds on each Acquire and OKX's
// buckets are independent of each other. When exchange.Limit/Cost gain a
// Scope field this collapses into one Budget with scoped limits.
type rates struct {
	account string
	now     func() time.Time
	newB    func(account string, now func() time.Time, limits ...exchange.Limit) budgeter

	mu        sync.Mutex
	scopes    map[string]budgeter
	banUntil  time.Time
	banReason string
}

func newRates(account string, now func() time.Time) *rates {
	return &rates{
		account: account,
		now:     now,
		newB: func(account string, now func() time.Time, limits ...exchange.Limit) budgeter {
			return exchange.NewBudget(account, now, limits...)
		},
		scopes: map[string]budgeter{},
	}
}

func scopeName(ep endpoint, inst string) string {
	if ep.perInst && inst != "" {
		return ep.name + " " + inst
	}
	return ep.name
}

func (r *rates) budget(ep endpoint, inst string) budgeter {
	name := scopeName(ep, inst)
	r.mu.Lock()
	defer r.mu.Unlock()
	b, ok := r.scopes[name]
	if !ok {
		kind := exchange.LimitRaw
		if ep.orders > 0 {
			kind = exchange.LimitOrders
		}
		// OKX does not say whether its windows are fixed or rolling; a
		// rolling count is never more permissive than the venue's, where a
		// fixed one lets a full burst each side of a boundary through
		// within one 2 s span.
		b = r.newB(r.account, r.now, exchange.Limit{Name: name + "/2s", Kind: kind, Limit: ep.limit, Window: window, Rolling: true})
		if r.now().Before(r.banUntil) {
			b.Ban(r.banUntil, r.banReason)
		}
		r.scopes[name] = b
	}
	return b
}

// acquire charges one request to ep's bucket before it is sent, at the
// priority ctx carries (the cockpit's pollers mark theirs Background), or
// ep's own when it carries none.
func (r *rates) acquire(ctx context.Context, ep endpoint, inst string) error {
	return r.budget(ep, inst).Acquire(ctx, exchange.Cost{Weight: 1, Orders: ep.orders, Priority: exchange.PriorityOf(ctx, ep.priority)})
}

// ban stops every scope: OKX's 50011 on one endpoint usually means the
// account is being throttled, and a second refusal only extends it.
func (r *rates) ban(until time.Time, reason string) {
	r.mu.Lock()
	if until.After(r.banUntil) {
		r.banUntil, r.banReason = until, reason
	}
	all := make([]budgeter, 0, len(r.scopes))
	for _, b := range r.scopes {
		all = append(all, b)
	}
	r.mu.Unlock()
	for _, b := range all {
		b.Ban(until, reason)
	}
}

// snapshot merges the scopes into one view, buckets sorted by name.
func (r *rates) snapshot() exchange.BudgetSnapshot {
	r.mu.Lock()
	all := make([]budgeter, 0, len(r.scopes))
	for _, b := range r.scopes {
		all = append(all, b)
	}
	s := exchange.BudgetSnapshot{Account: r.account, BannedUntil: r.banUntil, BanReason: r.banReason, At: r.now()}
	r.mu.Unlock()
	for _, b := range all {
		bs := b.Snapshot()
		s.Buckets = append(s.Buckets, bs.Buckets...)
		s.Waiting += bs.Waiting
		if bs.BannedUntil.After(s.BannedUntil) {
			s.BannedUntil, s.BanReason = bs.BannedUntil, bs.BanReason
		}
	}
	slices.SortFunc(s.Buckets, func(a, b exchange.Bucket) int { return strings.Compare(a.Name, b.Name) })
	return s
}
