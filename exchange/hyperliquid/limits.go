package hyperliquid

import (
	"time"

	"github.com/vigil-trade/vigil/exchange"
)

// Bucket names.
const (
	// weightBucket is the per-IP REST weight: 1200 a minute.
	weightBucket = "weight/1m"
	// actionsBucket is the per-address allowance of actions: 10 000 plus
	// one per USDC traded, read from userRateLimit; spent, one more every
	// 10 s.
	actionsBucket = "actions"
)

func newBudget(account string, now func() time.Time) *exchange.Budget {
	return exchange.NewBudget(account, now,
		exchange.Limit{Name: weightBucket, Kind: exchange.LimitWeight, Limit: 1200, Window: time.Minute, Rolling: true},
		exchange.Limit{Name: actionsBucket, Kind: exchange.LimitOrders, Limit: 10000, Shape: exchange.ShapeReported, Window: 10 * time.Second},
	)
}

// infoWeight is an /info request's weight (gitbook rate-limits page).
func infoWeight(typ string) int {
	switch typ {
	case "l2Book", "allMids", "clearinghouseState", "orderStatus", "spotClearinghouseState", "exchangeStatus":
		return 2
	case "userRole":
		return 60
	}
	return 20
}
