package orders

import (
	"context"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/vigil-trade/vigil/exchange"
)

// Verdict is the pre-trade check of one order on one account: what `vigil
// order place`, the cockpit and the desk's own resends all apply, so a
// resend is held to exactly what a fresh place would be held to under the
// configuration as it stands.
type Verdict struct {
	// Locked says why the account takes no orders at all (mainnet orders
	// switched off); "" when it does.
	Locked string
	// Violations are the symbol rules the order breaks.
	Violations []exchange.Violation
	// Notional is price × qty (a market order at the reference price),
	// meaningful when Known.
	Notional decimal.Decimal
	Known    bool
	// Confirm lists why a person must confirm the order before it leaves.
	Confirm []string
}

// Refused reports whether nothing may send the order, confirmed or not.
func (v Verdict) Refused() bool { return v.Locked != "" || len(v.Violations) > 0 }

// Why is the verdict in one line, for logs and journal reasons.
func (v Verdict) Why() string {
	var parts []string
	if v.Locked != "" {
		parts = append(parts, v.Locked)
	}
	for _, x := range v.Violations {
		parts = append(parts, x.String())
	}
	parts = append(parts, v.Confirm...)
	return strings.Join(parts, "; ")
}

// Lock says why an account takes no orders at all, or "".
func Lock(info exchange.AccountInfo) string {
	if info.Network == exchange.Mainnet && !info.AllowMainnet {
		return fmt.Sprintf("%s is a MAINNET account and mainnet orders are off for it (allow_mainnet_orders = false)", info.Name)
	}
	return ""
}

// Confirmations lists why an order of this value on this account needs a
// person's confirmation: mainnet, or a value above (or unknown against) the
// account's max_order_notional.
func Confirmations(info exchange.AccountInfo, notional decimal.Decimal, known bool, quote string) []string {
	var whys []string
	if info.Network == exchange.Mainnet {
		whys = append(whys, "MAINNET: this trades real money")
	}
	if limit := info.MaxOrderNotional; limit.IsPositive() {
		switch {
		case !known:
			whys = append(whys, "the order's value is unknown and this account's limit is "+limit.String())
		case notional.GreaterThan(limit):
			v := notional.String()
			if quote != "" {
				v += " " + quote
			}
			whys = append(whys, fmt.Sprintf("notional %s is above this account's limit %s", v, limit))
		}
	}
	return whys
}

// Check judges req on the account described by info against the symbol's
// rules; ref is the price a market order is valued at (zero: unknown).
func Check(info exchange.AccountInfo, rules exchange.SymbolRules, req exchange.OrderRequest, ref decimal.Decimal) Verdict {
	v := Verdict{Locked: Lock(info)}
	price := req.Price
	if req.Type == exchange.MarketOrder {
		price = ref
	}
	if price.IsPositive() {
		v.Notional, v.Known = price.Mul(req.Qty), true
	}
	v.Violations = rules.Check(req, ref)
	v.Confirm = Confirmations(info, v.Notional, v.Known, rules.Quote)
	return v
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
