package okxtest

import (
	"net/http"
	"time"
)

// Limits are the per-endpoint request budgets, each "N requests per 2
// seconds" as OKX states them. Public endpoints count per IP, private ones
// per UID, trading ones per UID and instrument.
type Limits struct {
	Window        time.Duration // 2 s
	Time          int           // GET /api/v5/public/time, per IP
	Instruments   int           // GET /api/v5/public/instruments, per IP and instType
	Ticker        int           // GET /api/v5/market/ticker, per IP
	Balance       int           // GET /api/v5/account/balance, per UID
	Config        int           // GET /api/v5/account/config, per UID
	Place         int           // POST /api/v5/trade/order, per UID and instId
	BatchPlace    int           // POST /api/v5/trade/batch-orders, orders per UID and instId
	Cancel        int           // POST /api/v5/trade/cancel-order, per UID and instId
	GetOrder      int           // GET /api/v5/trade/order, per UID and instId
	OrdersPending int           // GET /api/v5/trade/orders-pending, per UID
}

// DefaultLimits are the values the OKX docs show.
func DefaultLimits() Limits {
	return Limits{
		Window: 2 * time.Second,
		Time:   10, Instruments: 20, Ticker: 20,
		Balance: 10, Config: 5,
		Place: 60, BatchPlace: 300, Cancel: 60, GetOrder: 60, OrdersPending: 60,
	}
}

const codeRateLimit = "50011"

func rateLimited() *wireErr {
	return &wireErr{status: http.StatusTooManyRequests, code: codeRateLimit,
		msg: "Rate limit reached. Please refer to API documentation and throttle requests accordingly."}
}

// charge counts the request against its bucket; batch orders count once
// per order against each instrument's bucket.
func (s *Server) charge(q *call) *wireErr {
	if q.rt.limit == nil {
		return nil
	}
	limit := q.rt.limit(s.limits)
	if limit <= 0 {
		return nil
	}
	if ok, _, _ := s.windows.Take(q.now, limit, s.limits.Window, q.rt.bucket(q)...); !ok {
		return rateLimited()
	}
	return nil
}
