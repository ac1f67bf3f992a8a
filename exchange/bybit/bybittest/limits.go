package bybittest

import (
	"strconv"
	"time"
)

// Limits are the per-UID, per-endpoint budgets over a rolling second, as the
// Bybit docs state them for spot.
type Limits struct {
	Window        time.Duration // 1 s
	Create        int           // POST /v5/order/create (spot)
	Cancel        int           // POST /v5/order/cancel (spot)
	Realtime      int           // GET /v5/order/realtime
	History       int           // GET /v5/order/history
	WalletBalance int           // GET /v5/account/wallet-balance
	QueryAPI      int           // GET /v5/user/query-api
}

// DefaultLimits are the values the Bybit docs show.
func DefaultLimits() Limits {
	return Limits{Window: time.Second, Create: 20, Cancel: 20, Realtime: 50, History: 50, WalletBalance: 50, QueryAPI: 10}
}

const (
	codeRateLimit = 10006
	msgRateLimit  = "Too many visits!"
)

// charge counts an authenticated request against its UID's bucket and sets
// the X-Bapi-Limit headers, which Bybit sends on every private response.
func (s *Server) charge(q *call, rp *reply) *wireErr {
	if q.rt.limit == nil {
		return nil
	}
	limit := q.rt.limit(s.limits)
	key := strconv.FormatInt(q.uid, 10) + "|" + q.rt.op
	allowed, left, reset := s.windows.Take(q.now, limit, s.limits.Window, key)
	rp.Header.Set("X-Bapi-Limit", strconv.Itoa(limit))
	rp.Header.Set("X-Bapi-Limit-Status", strconv.Itoa(left))
	rp.Header.Set("X-Bapi-Limit-Reset-Timestamp", strconv.FormatInt(reset.UnixMilli(), 10))
	if !allowed {
		return fail(codeRateLimit, msgRateLimit)
	}
	return nil
}
