package coinbase

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/rest"
)

// Rate limits: private endpoints 30 requests a second per user, public 10
// a second per IP (Advanced Trade's rate-limit page; the current pages
// leave the figures out). Each answer to a private request carries
// x-ratelimit-limit, -remaining and -reset (named in the official SDK),
// which the "reported" bucket follows once Coinbase sends them.
const (
	privatePerSecond = 30
	publicPerSecond  = 10

	bucketPrivate  = "private/1s"
	bucketPublic   = "public/1s"
	bucketReported = "reported"

	scopePrivate = "private"
	scopePublic  = "public"
)

type rates struct {
	*exchange.Budget
	now func() time.Time
}

func newRates(account string, now func() time.Time) *rates {
	b := exchange.NewBudget(account, now,
		exchange.Limit{Name: bucketPrivate, Kind: exchange.LimitRaw, Limit: privatePerSecond, Window: time.Second, Rolling: true, Scope: scopePrivate},
		exchange.Limit{Name: bucketPublic, Kind: exchange.LimitRaw, Limit: publicPerSecond, Window: time.Second, Rolling: true, Scope: scopePublic},
	)
	return &rates{Budget: b, now: now}
}

func (r *rates) private(p exchange.Priority) exchange.Cost {
	return exchange.Cost{Weight: 1, Priority: p, Scope: scopePrivate}
}

func (r *rates) public() exchange.Cost {
	return exchange.Cost{Weight: 1, Priority: exchange.Background, Scope: scopePublic}
}

// Rate headers, as the SDK names them.
const (
	HeaderLimit     = "x-ratelimit-limit"
	HeaderRemaining = "x-ratelimit-remaining"
	HeaderReset     = "x-ratelimit-reset"
)

// observe reads the x-ratelimit-* headers into the reported bucket.
func (r *rates) observe(req *rest.Request, h http.Header, charged time.Time) {
	rem, err := strconv.Atoi(strings.TrimSpace(h.Get(HeaderRemaining)))
	if err != nil || rem < 0 {
		return
	}
	limit, _ := strconv.Atoi(strings.TrimSpace(h.Get(HeaderLimit)))
	if limit <= 0 {
		limit = privatePerSecond
	}
	// A trickle of one a second once spent, should the venue name no
	// reset: its window is a second.
	r.EnsureLimit(exchange.Limit{Name: bucketReported, Kind: exchange.LimitRaw, Limit: limit, Shape: exchange.ShapeReported, Window: time.Second, Scope: scopePrivate})
	r.Report(bucketReported, rem, limit, ResetTime(h.Get(HeaderReset), charged), charged)
}

// ResetTime reads x-ratelimit-reset: Unix seconds (or milliseconds), or
// seconds from now when small, as venues that send the header write it;
// zero when absent or unreadable.
func ResetTime(v string, now time.Time) time.Time {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 {
		return time.Time{}
	}
	switch {
	case f > 1e12:
		return time.UnixMilli(int64(f))
	case f > 1e8:
		return time.Unix(0, int64(f*1e9))
	case f > 3600:
		return time.Time{}
	}
	return now.Add(time.Duration(f * float64(time.Second)))
}
