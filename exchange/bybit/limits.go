package bybit

import (
	"net/http"
	"strconv"
	"time"

	"github.com/vigil-trade/vigil/exchange"
)

// endpoint is one REST endpoint with its own Bybit limit: per UID, per
// endpoint, rolling 1 s. Bybit reports usage in headers on every reply, so
// the local count is reconciled after each call.
type endpoint struct {
	name     string
	limit    int // per second; 0: only the IP limit applies (public data)
	priority exchange.Priority
	orders   int
}

var (
	epTime        = endpoint{name: "market/time", priority: exchange.Background}
	epInstruments = endpoint{name: "instruments-info", priority: exchange.Background}
	epTickers     = endpoint{name: "tickers", priority: exchange.Interactive}
	epWallet      = endpoint{name: "wallet-balance", limit: 50, priority: exchange.Background}
	epQueryAPI    = endpoint{name: "query-api", limit: 10, priority: exchange.Background}
	epCreate      = endpoint{name: "order/create", limit: 20, priority: exchange.Trading, orders: 1}
	epCancel      = endpoint{name: "order/cancel", limit: 20, priority: exchange.Trading}
	epRealtime    = endpoint{name: "order/realtime", limit: 50, priority: exchange.Interactive}
	epHistory     = endpoint{name: "order/history", limit: 50, priority: exchange.Interactive}
)

// ipScope is the host-wide limit: 600 requests per 5 s per IP; past it Bybit
// answers HTTP 403 and bans the IP for at least 10 minutes.
const (
	ipScope     = "ip"
	ipLimit     = 600
	ipWindow    = 5 * time.Second
	window      = time.Second
	banAfter403 = 10 * time.Minute
)

// rates is the account's budget: the IP bucket every request counts in,
// and one scoped bucket per limited endpoint, added when a request first
// meets it.
type rates struct {
	*exchange.Budget
}

func newRates(account string, now func() time.Time) *rates {
	return &rates{exchange.NewBudget(account, now,
		exchange.Limit{Name: bucketName(ipScope, ipWindow), Kind: exchange.LimitRaw, Limit: ipLimit, Window: ipWindow})}
}

func bucketName(scope string, w time.Duration) string {
	if w == ipWindow {
		return scope + "/5s"
	}
	return scope + "/1s"
}

// endpointLimit is ep's bucket at limit requests per rolling second.
func endpointLimit(ep endpoint, limit int) exchange.Limit {
	kind := exchange.LimitRaw
	if ep.orders > 0 {
		kind = exchange.LimitOrders
	}
	return exchange.Limit{Name: bucketName(ep.name, window), Kind: kind, Limit: limit, Window: window, Scope: ep.name, Rolling: true}
}

// cost charges the IP bucket and ep's own (added on first use), at the
// priority ctx carries (the cockpit's pollers mark theirs Background), or
// ep's own when it carries none.
func (r *rates) cost(ep endpoint) exchange.Cost {
	if ep.limit > 0 {
		r.EnsureLimit(endpointLimit(ep, ep.limit))
	}
	return exchange.Cost{Weight: 1, Orders: ep.orders, Priority: ep.priority, Scope: ep.name}
}

// limitHeaders is Bybit's view of one endpoint's bucket after a reply.
type limitHeaders struct {
	limit, remaining int
	reset            time.Time // when the bucket refills; equals now unless limited
	ok               bool
}

func parseLimitHeaders(h http.Header) limitHeaders {
	lim, err1 := strconv.Atoi(h.Get("X-Bapi-Limit"))
	rem, err2 := strconv.Atoi(h.Get("X-Bapi-Limit-Status"))
	if err1 != nil || err2 != nil || lim <= 0 {
		return limitHeaders{}
	}
	lh := limitHeaders{limit: lim, remaining: rem, ok: true}
	if ms, err := strconv.ParseInt(h.Get("X-Bapi-Limit-Reset-Timestamp"), 10, 64); err == nil && ms > 0 {
		lh.reset = time.UnixMilli(ms)
	}
	return lh
}

// observe reconciles ep's bucket with the venue's count as of charged
// (when this request was charged), which includes other programs using the
// same key. The venue's limit (VIP upgrades, demo defaults) replaces ours.
func (r *rates) observe(ep endpoint, lh limitHeaders, charged time.Time) {
	if !lh.ok {
		return
	}
	l := endpointLimit(ep, lh.limit)
	r.AddLimit(l) // keeps the usage; a no-op when the limit is unchanged
	r.ObserveAt(l.Name, max(lh.limit-lh.remaining, 0), charged)
}
