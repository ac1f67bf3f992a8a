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

type window struct{ times []time.Time }

// take records a request at now unless limit requests already fall within
// per; it returns what is left and when the oldest request leaves the
// window.
func (w *window) take(now time.Time, limit int, per time.Duration) (ok bool, left int, reset time.Time) {
	cut := 0
	for cut < len(w.times) && !w.times[cut].After(now.Add(-per)) {
		cut++
	}
	w.times = w.times[cut:]
	if len(w.times) >= limit {
		return false, 0, w.times[0].Add(per)
	}
	w.times = append(w.times, now)
	return true, limit - len(w.times), now
}

// charge counts an authenticated request against its UID's bucket and sets
// the X-Bapi-Limit headers, which Bybit sends on every private response.
func (s *Server) charge(q *call, rp *reply) *wireErr {
	if q.rt.limit == nil {
		return nil
	}
	limit := q.rt.limit(s.limits)
	key := strconv.FormatInt(q.uid, 10) + "|" + q.rt.op
	s.mu.Lock()
	w, ok := s.windows[key]
	if !ok {
		w = &window{}
		s.windows[key] = w
	}
	allowed, left, reset := w.take(q.now, limit, s.limits.Window)
	s.mu.Unlock()
	rp.header.Set("X-Bapi-Limit", strconv.Itoa(limit))
	rp.header.Set("X-Bapi-Limit-Status", strconv.Itoa(left))
	rp.header.Set("X-Bapi-Limit-Reset-Timestamp", strconv.FormatInt(reset.UnixMilli(), 10))
	if !allowed {
		return fail(codeRateLimit, msgRateLimit)
	}
	return nil
}
