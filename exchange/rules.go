package exchange

import (
	"fmt"

	"github.com/shopspring/decimal"
)

// SymbolRules are the trading rules of one symbol, all decimal. A zero bound
// is disabled, as on the venues.
type SymbolRules struct {
	Symbol       string
	Base, Quote  string
	Trading      bool
	TickSize     decimal.Decimal
	MinPrice     decimal.Decimal
	MaxPrice     decimal.Decimal
	StepSize     decimal.Decimal
	MinQty       decimal.Decimal
	MaxQty       decimal.Decimal
	MarketStep   decimal.Decimal // zero: same as StepSize
	MarketMinQty decimal.Decimal
	MarketMaxQty decimal.Decimal
	MinNotional  decimal.Decimal
	MaxNotional  decimal.Decimal
	// NotionalAppliesToMarket mirrors the venue flag; market orders use a
	// reference price for the check.
	NotionalAppliesToMarket bool
	PriceDecimals           int32 // digits the venue accepts; derived from TickSize
	QtyDecimals             int32
}

// Violation is one symbol rule an order would break, found before sending so
// the user sees a fix instead of a venue error code.
type Violation struct {
	Rule  string // RulePrice, RuleTick, RuleQty, RuleStep, RuleNotional, RuleStatus
	Field string // "price", "qty", "notional" or "symbol"
	Msg   string
	// Nearest is the closest value that passes the rule, zero when none can.
	// For a notional violation it is a quantity (the order's price kept), as
	// changing the size is what the user usually wants.
	Nearest decimal.Decimal
}

func (v Violation) String() string { return v.Field + ": " + v.Msg }

// DecimalsOf returns the digits after the point that step needs: 0.01000 → 2,
// 1 → 0, 10 → 0. Zero and negative steps give 0.
func DecimalsOf(step decimal.Decimal) int32 {
	if step.Sign() <= 0 {
		return 0
	}
	if e := step.Normalize().Exponent(); e < 0 {
		return -e
	}
	return 0
}

// fallbackDecimals is used to print or round when a symbol publishes neither
// a step nor a digit count: enough for every venue's smallest unit (satoshi).
const fallbackDecimals = 8

// priceDecimals is how many digits a price may carry: the tick's digits when
// there is a tick (an aligned price never needs more), else the published
// count, else -1 for "no limit known".
func (r SymbolRules) priceDecimals() int32 {
	return digitsAllowed(r.TickSize, r.PriceDecimals)
}

// digitsAllowed prefers the step's digits and lets a published, smaller
// digit count win, since the venue rejects on precision before it checks the
// step.
func digitsAllowed(step decimal.Decimal, published int32) int32 {
	if step.Sign() > 0 {
		d := DecimalsOf(step)
		if published > 0 && published < d {
			return published
		}
		return d
	}
	if published > 0 {
		return published
	}
	return -1
}

func (r SymbolRules) qtyDecimals(step decimal.Decimal) int32 {
	return digitsAllowed(step, r.QtyDecimals)
}

// FormatPrice prints d with the symbol's price digits, never in exponent
// notation. It rounds half away from zero to those digits: Check first, so
// a misaligned price is reported rather than silently moved.
func (r SymbolRules) FormatPrice(d decimal.Decimal) string {
	return formatFixed(d, r.priceDecimals())
}

// FormatQty prints d with the symbol's quantity digits (limit-order step).
func (r SymbolRules) FormatQty(d decimal.Decimal) string {
	return formatFixed(d, r.qtyDecimals(r.StepSize))
}

func formatFixed(d decimal.Decimal, places int32) string {
	if places < 0 {
		// No rule known: print exactly what we hold, without trailing zeros.
		places = 0
		if e := d.Normalize().Exponent(); e < 0 {
			places = -e
		}
	}
	return d.StringFixed(places)
}

// Check reports every rule req breaks. refPrice is the reference price used
// for the notional of market orders; zero skips that check.
func (r SymbolRules) Check(req OrderRequest, refPrice decimal.Decimal) []Violation {
	var out []Violation
	if !r.Trading {
		out = append(out, Violation{Rule: RuleStatus, Field: "symbol",
			Msg: r.Symbol + " is not trading"})
	}
	market := req.Type == MarketOrder
	if !market {
		out = append(out, r.checkPrice(req.Price)...)
	}
	step, minQ, maxQ := r.StepSize, r.MinQty, r.MaxQty
	if market {
		if r.MarketStep.Sign() > 0 {
			step = r.MarketStep
		}
		if r.MarketMinQty.Sign() > 0 {
			minQ = r.MarketMinQty
		}
		if r.MarketMaxQty.Sign() > 0 {
			maxQ = r.MarketMaxQty
		}
	}
	out = append(out, r.checkQty(req.Qty, step, minQ, maxQ)...)

	price := req.Price
	if market {
		if !r.NotionalAppliesToMarket {
			return out
		}
		price = refPrice
	}
	if price.Sign() > 0 && req.Qty.Sign() > 0 {
		out = append(out, r.checkNotional(price, req.Qty, step)...)
	}
	return out
}

func (r SymbolRules) checkPrice(p decimal.Decimal) []Violation {
	tick := r.TickSize
	lo, hi := alignedBounds(r.MinPrice, r.MaxPrice, tick)
	if p.Sign() <= 0 {
		return []Violation{{Rule: RulePrice, Field: "price",
			Msg: "price must be positive", Nearest: positiveFloor(lo, tick)}}
	}
	var out []Violation
	if r.MinPrice.Sign() > 0 && p.LessThan(r.MinPrice) {
		out = append(out, Violation{Rule: RulePrice, Field: "price",
			Msg:     fmt.Sprintf("price %s below minimum %s", p, r.FormatPrice(r.MinPrice)),
			Nearest: lo})
	}
	if r.MaxPrice.Sign() > 0 && p.GreaterThan(r.MaxPrice) {
		out = append(out, Violation{Rule: RulePrice, Field: "price",
			Msg:     fmt.Sprintf("price %s above maximum %s", p, r.FormatPrice(r.MaxPrice)),
			Nearest: hi})
	}
	if tick.Sign() > 0 {
		if !p.Mod(tick).IsZero() {
			n := clamp(roundToStep(p, tick), lo, hi)
			if n.Sign() <= 0 {
				n = positiveFloor(lo, tick)
			}
			out = append(out, Violation{Rule: RuleTick, Field: "price",
				Msg:     fmt.Sprintf("price %s is not a multiple of the tick %s", p, r.FormatPrice(tick)),
				Nearest: n})
		} else if r.PriceDecimals > 0 && DecimalsOf(p) > r.PriceDecimals {
			out = append(out, Violation{Rule: RuleTick, Field: "price",
				Msg:     fmt.Sprintf("price %s has %d decimals, at most %d allowed", p, DecimalsOf(p), r.PriceDecimals),
				Nearest: clamp(p.Round(r.PriceDecimals), lo, hi)})
		}
	} else if d := r.priceDecimals(); d >= 0 && DecimalsOf(p) > d {
		out = append(out, Violation{Rule: RuleTick, Field: "price",
			Msg:     fmt.Sprintf("price %s has %d decimals, at most %d allowed", p, DecimalsOf(p), d),
			Nearest: clamp(p.Round(d), lo, hi)})
	}
	return out
}

func (r SymbolRules) checkQty(q, step, minQ, maxQ decimal.Decimal) []Violation {
	lo, hi := alignedBounds(minQ, maxQ, step)
	if q.Sign() <= 0 {
		return []Violation{{Rule: RuleQty, Field: "qty",
			Msg: "quantity must be positive", Nearest: positiveFloor(lo, step)}}
	}
	var out []Violation
	if minQ.Sign() > 0 && q.LessThan(minQ) {
		out = append(out, Violation{Rule: RuleQty, Field: "qty",
			Msg:     fmt.Sprintf("quantity %s below minimum %s", q, formatFixed(minQ, r.qtyDecimals(step))),
			Nearest: lo})
	}
	if maxQ.Sign() > 0 && q.GreaterThan(maxQ) {
		out = append(out, Violation{Rule: RuleQty, Field: "qty",
			Msg:     fmt.Sprintf("quantity %s above maximum %s", q, formatFixed(maxQ, r.qtyDecimals(step))),
			Nearest: hi})
	}
	if step.Sign() > 0 {
		if !q.Mod(step).IsZero() {
			n := clamp(roundToStep(q, step), lo, hi)
			if n.Sign() <= 0 {
				n = positiveFloor(lo, step)
			}
			out = append(out, Violation{Rule: RuleStep, Field: "qty",
				Msg:     fmt.Sprintf("quantity %s is not a multiple of the step %s", q, formatFixed(step, DecimalsOf(step))),
				Nearest: n})
		} else if r.QtyDecimals > 0 && DecimalsOf(q) > r.QtyDecimals {
			// A venue may publish fewer digits than its step implies; it
			// then rejects on precision even though the step rule passes.
			out = append(out, Violation{Rule: RuleStep, Field: "qty",
				Msg:     fmt.Sprintf("quantity %s has %d decimals, at most %d allowed", q, DecimalsOf(q), r.QtyDecimals),
				Nearest: clamp(q.RoundDown(r.QtyDecimals), lo, hi)})
		}
	} else if d := r.qtyDecimals(step); d >= 0 && DecimalsOf(q) > d {
		out = append(out, Violation{Rule: RuleStep, Field: "qty",
			Msg:     fmt.Sprintf("quantity %s has %d decimals, at most %d allowed", q, DecimalsOf(q), d),
			Nearest: clamp(q.RoundDown(d), lo, hi)})
	}
	return out
}

func (r SymbolRules) checkNotional(price, qty, step decimal.Decimal) []Violation {
	n := price.Mul(qty)
	unit := step
	if unit.Sign() <= 0 {
		d := r.qtyDecimals(step)
		if d < 0 {
			d = fallbackDecimals
		}
		unit = decimal.New(1, -d)
	}
	var out []Violation
	if r.MinNotional.Sign() > 0 && n.LessThan(r.MinNotional) {
		out = append(out, Violation{Rule: RuleNotional, Field: "notional",
			Msg: fmt.Sprintf("order value %s below minimum %s", n, r.MinNotional),
			// the smallest size at this price that reaches the minimum
			Nearest: ceilMultiple(r.MinNotional, price.Mul(unit)).Mul(unit)})
	}
	if r.MaxNotional.Sign() > 0 && n.GreaterThan(r.MaxNotional) {
		out = append(out, Violation{Rule: RuleNotional, Field: "notional",
			Msg:     fmt.Sprintf("order value %s above maximum %s", n, r.MaxNotional),
			Nearest: floorMultiple(r.MaxNotional, price.Mul(unit)).Mul(unit)})
	}
	return out
}

// floorMultiple returns floor(x/unit) exactly, as an integer decimal.
func floorMultiple(x, unit decimal.Decimal) decimal.Decimal {
	q, _ := x.QuoRem(unit, 0)
	return q
}

// ceilMultiple returns ceil(x/unit) exactly, for positive x and unit.
func ceilMultiple(x, unit decimal.Decimal) decimal.Decimal {
	q, r := x.QuoRem(unit, 0)
	if r.Sign() > 0 {
		q = q.Add(decimal.NewFromInt(1))
	}
	return q
}

// roundToStep rounds x to the nearest multiple of step, halves up.
func roundToStep(x, step decimal.Decimal) decimal.Decimal {
	q, r := x.QuoRem(step, 0)
	if r.Add(r).GreaterThanOrEqual(step) {
		q = q.Add(decimal.NewFromInt(1))
	}
	return q.Mul(step)
}

// alignedBounds moves enabled bounds onto the step grid, inward, so a value
// clamped to them still passes the step rule. A zero bound stays zero.
func alignedBounds(lo, hi, step decimal.Decimal) (decimal.Decimal, decimal.Decimal) {
	if step.Sign() <= 0 {
		return lo, hi
	}
	if lo.Sign() > 0 {
		lo = ceilMultiple(lo, step).Mul(step)
	}
	if hi.Sign() > 0 {
		hi = floorMultiple(hi, step).Mul(step)
	}
	return lo, hi
}

// clamp keeps x within enabled bounds (zero disables a bound).
func clamp(x, lo, hi decimal.Decimal) decimal.Decimal {
	if lo.Sign() > 0 && x.LessThan(lo) {
		x = lo
	}
	if hi.Sign() > 0 && x.GreaterThan(hi) {
		x = hi
	}
	return x
}

// positiveFloor is the smallest valid positive value: the aligned minimum, or
// one step when there is no minimum, or zero when neither is known.
func positiveFloor(lo, step decimal.Decimal) decimal.Decimal {
	if lo.Sign() > 0 {
		return lo
	}
	if step.Sign() > 0 {
		return step
	}
	return decimal.Zero
}
