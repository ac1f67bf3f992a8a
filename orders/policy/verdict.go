// Package policy is what every front end applies and only renders: the
// pre-trade verdict on an order and the risks of an API key. It imports
// nothing but exchange types, so panes may use it without a store or a
// client.
package policy

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/vigil-trade/vigil/exchange"
)

// RuleOrder names a violation of the order's own shape (no symbol, no
// side) rather than of a symbol rule.
const RuleOrder = "ORDER"

// Order is what a verdict judges: an order on an account, and what the
// caller knows about the market and the account's funds.
type Order struct {
	Info exchange.AccountInfo
	// Rules are the symbol's; a zero Symbol: not known, and then only the
	// order's shape and positive values are checked.
	Rules exchange.SymbolRules
	Req   exchange.OrderRequest
	// Ref is the price a market order is valued at; zero: unknown.
	Ref decimal.Decimal
	// Balances are the account's free and locked assets; nil: unknown, and
	// then nobody is warned about funds.
	Balances []exchange.Balance
}

// Verdict is the pre-trade check of one order on one account: the order
// form, the cockpit's confirmation, `vigil order place` and the desk's own
// resends all apply this one, so none can let through what another stops.
type Verdict struct {
	// Locked says why the account takes no orders at all (mainnet orders
	// switched off); "" when it does.
	Locked string
	// Violations are the rules the order breaks; each Nearest is taken
	// from Fix.
	Violations []exchange.Violation
	// Fix is the nearest order that breaks no rule (Fixable), with every
	// suggested value applied at once.
	Fix     exchange.OrderRequest
	Fixable bool
	// Notional is the order's value in Quote (exchange.SymbolRules.Notional;
	// a market order at Ref), meaningful when Known.
	Notional decimal.Decimal
	Known    bool
	Quote    string
	// Short says what the order needs against what is free when that is
	// less ("needs 61.7 USDT, 50 USDT free"); "" when enough or unknown. A
	// warning to confirm, not a refusal: the venue holds the ledger.
	Short string
	// Confirm lists why a person must confirm the order before it leaves;
	// they confirm by typing Typed, the symbol.
	Confirm []string
	Typed   string
}

// Refused reports whether nothing may send the order, confirmed or not.
func (v Verdict) Refused() bool { return v.Locked != "" || len(v.Violations) > 0 }

// Confirmed reports whether typed is the confirmation the verdict asks for:
// the symbol, in any case, and nothing else ("yes" is what a hand types
// without reading). An order that needs none is confirmed by anything.
func (v Verdict) Confirmed(typed string) bool {
	return len(v.Confirm) == 0 || TypedMatches(v.Typed, typed)
}

// TypedMatches is the one rule for a typed confirmation: what was typed,
// trimmed, is want in any case. want "" matches nothing.
func TypedMatches(want, typed string) bool {
	return want != "" && strings.EqualFold(strings.TrimSpace(typed), want)
}

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

// Judge is the verdict on o.
func Judge(o Order) Verdict {
	req, rules := o.Req, o.Rules
	v := Verdict{Locked: Lock(o.Info), Quote: rules.Quote, Typed: req.Symbol}
	price := req.Price
	if req.Type == exchange.MarketOrder {
		price = o.Ref
	}
	// An inverse contract's value does not depend on the price.
	if price.IsPositive() || (rules.Inverse() && rules.Symbol != "") {
		v.Notional, v.Known = rules.Notional(req.Qty, price), true
	}
	v.Violations = shape(req)
	if rules.Symbol == "" {
		// Without the symbol's rules only what every venue refuses is
		// checked here; the venue judges the rest.
		v.Violations = append(v.Violations, positive(req)...)
	} else {
		v.Violations = append(v.Violations, rules.Check(req, o.Ref)...)
		v.Fix, v.Fixable = rules.Nearest(req, o.Ref)
		v.Short = short(o, price)
	}
	v.Confirm = confirmations(o.Info, v)
	return v
}

// shape is what is wrong with an order before any symbol rule applies.
func shape(req exchange.OrderRequest) []exchange.Violation {
	var out []exchange.Violation
	if req.Symbol == "" {
		out = append(out, exchange.Violation{Rule: RuleOrder, Field: "symbol", Msg: "no symbol"})
	}
	if req.Side != exchange.Buy && req.Side != exchange.Sell {
		out = append(out, exchange.Violation{Rule: RuleOrder, Field: "side", Msg: "side must be BUY or SELL"})
	}
	if req.Type != exchange.LimitOrder && req.Type != exchange.MarketOrder {
		out = append(out, exchange.Violation{Rule: RuleOrder, Field: "type", Msg: "type must be LIMIT or MARKET"})
	}
	return out
}

// positive is the one rule every venue has: a positive quantity, and a
// positive price for a limit order.
func positive(req exchange.OrderRequest) []exchange.Violation {
	var out []exchange.Violation
	if !req.Qty.IsPositive() {
		out = append(out, exchange.Violation{Rule: exchange.RuleQty, Field: "qty", Msg: "quantity must be positive"})
	}
	if req.Type == exchange.LimitOrder && !req.Price.IsPositive() {
		out = append(out, exchange.Violation{Rule: exchange.RulePrice, Field: "price", Msg: "a limit order needs a positive price"})
	}
	return out
}

// confirmations lists why an order needs a person's confirmation: mainnet,
// a value above (or unknown against) the account's max_order_notional, and
// funds short of what it needs.
func confirmations(info exchange.AccountInfo, v Verdict) []string {
	var whys []string
	if info.Network == exchange.Mainnet {
		whys = append(whys, "MAINNET: this trades real money")
	}
	if limit := info.MaxOrderNotional; limit.IsPositive() {
		switch {
		case !v.Known:
			whys = append(whys, "the order's value is unknown and this account's limit is "+limit.String())
		case v.Notional.GreaterThan(limit):
			n := v.Notional.String()
			if v.Quote != "" {
				n += " " + v.Quote
			}
			whys = append(whys, fmt.Sprintf("notional %s is above this account's limit %s", n, limit))
		}
	}
	if v.Short != "" {
		whys = append(whys, "funds short: "+v.Short+"; the venue may reject it")
	}
	return whys
}

// short says what a spot order needs against what is free, when the
// balances are known and it needs more: a buy spends quote (its notional),
// a sell spends base. A contract's cost is margin, which depends on a
// leverage vigil does not know: no warning rather than a wrong one.
func short(o Order, price decimal.Decimal) string {
	rules, req := o.Rules, o.Req
	if o.Balances == nil || rules.Derivative() || req.Qty.Sign() <= 0 {
		return ""
	}
	asset, need := rules.Base, rules.BaseQty(req.Qty, price)
	if req.Side == exchange.Buy {
		if price.Sign() <= 0 {
			return ""
		}
		asset, need = rules.Quote, rules.Notional(req.Qty, price)
	}
	if asset == "" {
		return ""
	}
	free := decimal.Zero
	for _, b := range o.Balances {
		if strings.EqualFold(b.Asset, asset) {
			free = b.Free
		}
	}
	if !need.GreaterThan(free) {
		return ""
	}
	return fmt.Sprintf("needs %s %s, %s %s free", need, asset, free, asset)
}
