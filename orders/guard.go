package orders

import (
	"context"
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/orders/policy"
)

// Verdict is the pre-trade check of one order on one account, the one
// defined in orders/policy: `vigil order place`, the cockpit and the desk's
// own resends all apply it, so a resend is held to exactly what a fresh
// place would be held to under the configuration as it stands.
type Verdict = policy.Verdict

// Lock says why an account takes no orders at all, or "".
func Lock(info exchange.AccountInfo) string { return policy.Lock(info) }

// Check judges req on the account described by info against the symbol's
// rules; ref is the price a market order is valued at (zero: unknown).
// Balances are not known here: a resend warns about nobody's funds.
func Check(info exchange.AccountInfo, rules exchange.SymbolRules, req exchange.OrderRequest, ref decimal.Decimal) Verdict {
	return policy.Judge(policy.Order{Info: info, Rules: rules, Req: req, Ref: ref})
}

// CheckWith fetches what Check needs from the venue (the symbol's rules
// and, for a market order, the last price) and checks req against the
// venue's account as configured now.
func CheckWith(ctx context.Context, v exchange.Venue, req exchange.OrderRequest) (Verdict, error) {
	rules, err := v.Rules(ctx, req.Symbol)
	if err != nil {
		return Verdict{}, fmt.Errorf("reading %s's rules: %w", req.Symbol, err)
	}
	ref := req.Price
	if req.Type == exchange.MarketOrder {
		ref = decimal.Zero
		if px, err := v.LastPrice(ctx, req.Symbol); err == nil {
			ref = px
		}
	}
	return Check(v.Info(), rules, req, ref), nil
}
