package exchange

import (
	"context"

	"github.com/shopspring/decimal"
)

// Quote is a symbol's top of book and last trade, as the venue last said.
// A zero field is one the venue did not give.
type Quote struct {
	Symbol   string
	Bid, Ask decimal.Decimal
	Last     decimal.Decimal
}

// Quoter is implemented by venues that can say a symbol's best bid, best
// ask and last price in one request; the order form shows them. A venue
// without it gives only LastPrice.
type Quoter interface {
	Quote(ctx context.Context, symbol string) (Quote, error)
}
