package okx

import (
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

// rates is the account's budget: one scoped bucket per endpoint, or per
// endpoint and instrument, added when a request first meets it (OKX's
// buckets are independent of each other).
type rates struct {
	*exchange.Budget
}

func newRates(account string, now func() time.Time) *rates {
	return &rates{exchange.NewBudget(account, now)}
}

func scopeName(ep endpoint, inst string) string {
	if ep.perInst && inst != "" {
		return ep.name + " " + inst
	}
	return ep.name
}

// cost is one request to ep's bucket, charged before it is sent at the
// priority ctx carries (the cockpit's pollers mark theirs Background), or
// ep's own when it carries none. The bucket is added on first use.
func (r *rates) cost(ep endpoint, inst string) exchange.Cost {
	scope := scopeName(ep, inst)
	kind := exchange.LimitRaw
	if ep.orders > 0 {
		kind = exchange.LimitOrders
	}
	// OKX does not say whether its windows are fixed or rolling; a rolling
	// count is never more permissive than the venue's, where a fixed one
	// lets a full burst each side of a boundary through within one 2 s
	// span.
	r.EnsureLimit(exchange.Limit{Name: scope + "/2s", Kind: kind, Limit: ep.limit, Window: window, Scope: scope, Rolling: true})
	return exchange.Cost{Weight: 1, Orders: ep.orders, Priority: ep.priority, Scope: scope}
}
