package binancetest

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/vigil-trade/vigil/exchange/sim/simhttp"
)

// ipState is one IP's weight and ban state. Windows are fixed calendar
// windows of server time, as Binance counts them.
type ipState struct {
	minute     int64
	used       int
	rawWindow  int64
	raw        int
	sapiMinute int64
	sapiUsed   int

	limitedUntil time.Time // a 429 is in force until then
	strikes      int       // requests sent while it was
	bannedUntil  time.Time
	bans         int
}

// orderCount is one account's new-order count.
type orderCount struct {
	window10 int64
	n10      int
	day      int64
	nDay     int
}

func minuteOf(t time.Time) int64 { return t.UnixMilli() / 60_000 }

func (s *Server) ipLocked(ip string) *ipState {
	st, ok := s.ips[ip]
	if !ok {
		st = &ipState{}
		s.ips[ip] = st
	}
	return st
}

// chargeWeight counts the request against its IP and reports whether it was
// refused (rp then holds the 429 or 418).
func (s *Server) chargeWeight(q *call, rp *reply) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.ipLocked(q.ip)
	now := q.now
	w := q.rt.weight(q.params)
	if m := minuteOf(now); st.minute != m {
		st.minute, st.used = m, 0
	}
	if m := minuteOf(now); st.sapiMinute != m {
		st.sapiMinute, st.sapiUsed = m, 0
	}
	if win := simhttp.WindowStart(now, 5*time.Minute).UnixMilli(); st.rawWindow != win {
		st.rawWindow, st.raw = win, 0
	}
	if now.Before(st.bannedUntil) {
		s.bannedLocked(st, rp, now)
		return true
	}
	if q.rt.sapi {
		// /sapi has its own per-IP weight and header.
		st.sapiUsed += w
		rp.Header.Set("X-SAPI-USED-IP-WEIGHT-1M", strconv.Itoa(st.sapiUsed))
		return false
	}
	if now.Before(st.limitedUntil) {
		st.strikes++
		if st.strikes > s.limits.Grace {
			st.bans++
			ban := s.limits.FirstBan << (st.bans - 1)
			if ban > s.limits.MaxBan || ban <= 0 {
				ban = s.limits.MaxBan
			}
			st.bannedUntil = now.Add(ban)
			s.bannedLocked(st, rp, now)
			return true
		}
		s.weightLimitedLocked(st, rp, now)
		return true
	}
	st.used += w
	st.raw++
	rp.Header.Set("X-MBX-USED-WEIGHT-1M", strconv.Itoa(st.used))
	if st.used > s.limits.WeightPerMinute {
		st.limitedUntil = simhttp.WindowStart(now, time.Minute).Add(time.Minute)
		st.strikes = 0
		s.weightLimitedLocked(st, rp, now)
		return true
	}
	if s.limits.RawPer5m > 0 && st.raw > s.limits.RawPer5m {
		st.limitedUntil = simhttp.WindowStart(now, 5*time.Minute).Add(5 * time.Minute)
		st.strikes = 0
		rp.Header.Set("Retry-After", simhttp.RetryAfter(now, st.limitedUntil))
		rp.err(http.StatusTooManyRequests, -1003, fmt.Sprintf("Too many requests; current limit is %d requests per 5 MINUTE.", s.limits.RawPer5m))
		return true
	}
	return false
}

// forceLimit answers 429 as if the IP's weight ran out (FaultRateLimit):
// the rest of the minute counts as a 429 in force, so a client that keeps
// sending is banned.
func (s *Server) forceLimit(q *call, rp *reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.ipLocked(q.ip)
	st.limitedUntil = simhttp.WindowStart(q.now, time.Minute).Add(time.Minute)
	st.strikes = 0
	s.weightLimitedLocked(st, rp, q.now)
}

func (s *Server) weightLimitedLocked(st *ipState, rp *reply, now time.Time) {
	rp.Header.Set("X-MBX-USED-WEIGHT-1M", strconv.Itoa(st.used))
	rp.Header.Set("Retry-After", simhttp.RetryAfter(now, st.limitedUntil))
	rp.err(http.StatusTooManyRequests, -1003, fmt.Sprintf(
		"Too much request weight used; current limit is %d request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.",
		s.limits.WeightPerMinute))
}

func (s *Server) bannedLocked(st *ipState, rp *reply, now time.Time) {
	rp.Header.Set("X-MBX-USED-WEIGHT-1M", strconv.Itoa(st.used))
	rp.Header.Set("Retry-After", simhttp.RetryAfter(now, st.bannedUntil))
	rp.err(http.StatusTeapot, -1003, fmt.Sprintf(
		"Way too much request weight used; IP banned until %d. Please use WebSocket Streams for live updates to avoid bans.",
		st.bannedUntil.UnixMilli()))
}

func (s *Server) orderCountLocked(account string, now time.Time) *orderCount {
	c, ok := s.orders[account]
	if !ok {
		c = &orderCount{}
		s.orders[account] = c
	}
	if w := simhttp.WindowStart(now, 10*time.Second).UnixMilli(); c.window10 != w {
		c.window10, c.n10 = w, 0
	}
	if day := now.UnixMilli() / 86_400_000; c.day != day {
		c.day, c.nDay = day, 0
	}
	return c
}

// chargeOrder counts a new order against the account and reports whether the
// order limits refused it.
func (s *Server) chargeOrder(q *call, rp *reply) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.orderCountLocked(q.account, q.now)
	switch {
	case c.n10+1 > s.limits.OrdersPer10s:
		rp.Header.Set("Retry-After", simhttp.RetryAfter(q.now, simhttp.WindowStart(q.now, 10*time.Second).Add(10*time.Second)))
		rp.err(http.StatusTooManyRequests, -1015, fmt.Sprintf("Too many new orders; current limit is %d orders per TEN_SECOND.", s.limits.OrdersPer10s))
		return true
	case c.nDay+1 > s.limits.OrdersPerDay:
		rp.Header.Set("Retry-After", simhttp.RetryAfter(q.now, simhttp.WindowStart(q.now, 24*time.Hour).Add(24*time.Hour)))
		rp.err(http.StatusTooManyRequests, -1015, fmt.Sprintf("Too many new orders; current limit is %d orders per DAY.", s.limits.OrdersPerDay))
		return true
	}
	c.n10++
	c.nDay++
	return false
}

func (s *Server) orderHeaders(q *call, rp *reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.orderCountLocked(q.account, q.now)
	rp.Header.Set("X-MBX-ORDER-COUNT-10S", strconv.Itoa(c.n10))
	rp.Header.Set("X-MBX-ORDER-COUNT-1D", strconv.Itoa(c.nDay))
}

// OrderCounts is the account's new-order count in the current 10 s window
// and UTC day of server time.
func (s *Server) OrderCounts(account string) (tenSeconds, day int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.orderCountLocked(account, s.sim.Now())
	return c.n10, c.nDay
}
