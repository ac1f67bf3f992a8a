package exchange

import (
	"fmt"
	"math/big"

	"github.com/shopspring/decimal"
)

// InstrumentKind is what a symbol trades. The zero value reads as spot, so
// rules decoded before kinds existed keep their meaning.
type InstrumentKind string

const (
	KindSpot      InstrumentKind = "spot"
	KindPerpetual InstrumentKind = "perpetual"
	KindFuture    InstrumentKind = "future"
	KindOption    InstrumentKind = "option"
)

// QtyUnit is what an order's quantity counts. The zero value reads as base.
type QtyUnit string

const (
	// UnitBase: the quantity is an amount of the base asset (spot, and
	// linear contracts a venue sizes in coin).
	UnitBase QtyUnit = "base"
	// UnitContracts: the quantity counts contracts of ContractSize base
	// each (linear: the value moves with the price).
	UnitContracts QtyUnit = "contracts"
	// UnitQuote: the quantity counts contracts of ContractSize quote each,
	// usually USD (inverse: the value in quote is fixed, the amount of the
	// settle coin it stands for moves with the price).
	UnitQuote QtyUnit = "quote"
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
	// MinNotional and MaxNotional bound Notional, in the quote currency.
	MinNotional decimal.Decimal
	MaxNotional decimal.Decimal
	// NotionalAppliesToMarket mirrors the venue flag; market orders use a
	// reference price for the check.
	NotionalAppliesToMarket bool
	PriceDecimals           int32 // digits the venue accepts; derived from TickSize
	QtyDecimals             int32

	Kind InstrumentKind // "": spot
	Unit QtyUnit        // "": base
	// ContractSize is what one unit of quantity stands for: base for a
	// linear contract, quote for an inverse one. Zero reads as 1.
	ContractSize decimal.Decimal
	// Settle is the currency margin and profit settle in; "" reads as the
	// quote for spot and linear contracts and the base for inverse ones.
	Settle string
}

// InstrumentKind is the kind, spot when the venue did not say.
func (r SymbolRules) InstrumentKind() InstrumentKind {
	if r.Kind == "" {
		return KindSpot
	}
	return r.Kind
}

// Derivative reports whether the symbol trades contracts, not the asset:
// what an order costs then depends on margin, not on its value.
func (r SymbolRules) Derivative() bool { return r.InstrumentKind() != KindSpot }

// Inverse reports whether one unit of quantity is worth a fixed amount of
// quote (and settles in the base).
func (r SymbolRules) Inverse() bool { return r.Unit == UnitQuote }

// SettleCurrency is the currency the symbol settles in.
func (r SymbolRules) SettleCurrency() string {
	switch {
	case r.Settle != "":
		return r.Settle
	case r.Inverse():
		return r.Base
	}
	return r.Quote
}

func (r SymbolRules) contractSize() decimal.Decimal {
	if r.ContractSize.Sign() > 0 {
		return r.ContractSize
	}
	return decimal.NewFromInt(1)
}

// Notional is what qty at price is worth in the quote currency: qty ×
// contract size × price for spot and linear contracts, qty × contract size
// for inverse ones (their value in quote does not move with the price).
// Every guard values an order with it: the symbol's notional bounds, the
// account's max_order_notional and the funds a buy needs.
func (r SymbolRules) Notional(qty, price decimal.Decimal) decimal.Decimal {
	if r.Inverse() {
		return qty.Mul(r.contractSize())
	}
	return qty.Mul(r.contractSize()).Mul(price)
}

// BaseQty is how much of the base asset qty at price stands for: qty ×
// contract size, or for an inverse contract its quote value over the price
// (zero when the price is not positive).
func (r SymbolRules) BaseQty(qty, price decimal.Decimal) decimal.Decimal {
	if !r.Inverse() {
		return qty.Mul(r.contractSize())
	}
	if price.Sign() <= 0 {
		return decimal.Zero
	}
	return qty.Mul(r.contractSize()).DivRound(price, 16)
}

// notionalPerUnit is Notional of one unit of quantity: Notional is linear
// in qty, so bounds on it are bounds on qty.
func (r SymbolRules) notionalPerUnit(price decimal.Decimal) decimal.Decimal {
	return r.Notional(decimal.NewFromInt(1), price)
}

// Violation is one symbol rule an order would break, found before sending so
// the user sees a fix instead of a venue error code.
type Violation struct {
	Rule  string // RulePrice, RuleTick, RuleQty, RuleStep, RuleNotional, RuleStatus
	Field string // "price", "qty", "notional" or "symbol"
	Msg   string
	// Nearest is this field's value in the nearest order that breaks no
	// rule at all (see SymbolRules.Nearest), zero when there is none: a
	// fix for one rule never breaks another. For a notional violation it
	// is a quantity, as changing the size is what the user usually wants.
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

// qtyRules are the quantity step and bounds an order type is held to.
func (r SymbolRules) qtyRules(market bool) (step, minQ, maxQ decimal.Decimal) {
	step, minQ, maxQ = r.StepSize, r.MinQty, r.MaxQty
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
	return step, minQ, maxQ
}

// valuedAt is the price an order's notional is judged at, zero when the
// notional rules do not apply to it (a market order without a reference
// price, or on a venue that does not apply them to market orders).
func (r SymbolRules) valuedAt(req OrderRequest, refPrice decimal.Decimal) decimal.Decimal {
	if req.Type != MarketOrder {
		return req.Price
	}
	if !r.NotionalAppliesToMarket || refPrice.Sign() <= 0 {
		return decimal.Zero
	}
	return refPrice
}

// Nearest is the order closest to req that breaks none of the symbol's
// price, quantity and value rules together: the price onto the tick within
// its bounds, then the quantity onto its step within both the quantity
// bounds and the quantities whose value, at that price, is within the
// notional bounds. A quantity fixed for one rule alone can break another
// (0.00001 BTC at 60000 raised to 0.000017 for a 1 USDT minimum value is
// still below a 0.000048 minimum quantity); this one cannot. ok is false
// when no order passes: the bounds leave nothing at that price, or the
// symbol is not trading (whose values are still fixed). An order that
// already passes comes back unchanged.
func (r SymbolRules) Nearest(req OrderRequest, refPrice decimal.Decimal) (OrderRequest, bool) {
	fix, ok := req, r.Trading
	if req.Type != MarketOrder {
		p, pok := r.priceSpan().nearest(req.Price, true)
		fix.Price, ok = p, ok && pok
		if !pok {
			// No price passes, so no value can be judged: the quantity
			// is fixed against its own rules alone.
			q, _ := r.qtySpan(false, decimal.Zero).nearest(req.Qty, false)
			fix.Qty = q
			return fix, false
		}
	}
	q, qok := r.qtySpan(req.Type == MarketOrder, r.valuedAt(fix, refPrice)).nearest(req.Qty, false)
	fix.Qty = q
	return fix, ok && qok
}

// span is the values one rule set allows on one axis: multiples of unit
// (none when zero) from lo (none when zero) up to hi (when hasHi).
type span struct {
	lo, hi, unit decimal.Decimal
	hasHi        bool
}

// grid is the unit a value must be a multiple of: the step, made coarser
// when the venue publishes fewer digits than the step has (the value must
// then satisfy both), 10^-digits without a step, zero when nothing is known.
func grid(step decimal.Decimal, published int32) decimal.Decimal {
	switch {
	case step.Sign() > 0 && published > 0 && DecimalsOf(step) > published:
		return lcm(step, decimal.New(1, -published))
	case step.Sign() > 0:
		return step
	case published > 0:
		return decimal.New(1, -published)
	}
	return decimal.Zero
}

// lcm is the least common multiple of two positive decimals.
func lcm(a, b decimal.Decimal) decimal.Decimal {
	e := min(a.Exponent(), b.Exponent())
	ai, bi := a.Shift(-e).BigInt(), b.Shift(-e).BigInt()
	g := new(big.Int).GCD(nil, nil, ai, bi)
	return decimal.NewFromBigInt(new(big.Int).Mul(new(big.Int).Div(ai, g), bi), e)
}

func (r SymbolRules) priceSpan() span {
	s := span{unit: grid(r.TickSize, r.PriceDecimals)}
	s.atLeast(r.MinPrice)
	s.atMost(r.MaxPrice)
	return s
}

// qtySpan is the quantities an order may have; with a positive price the
// notional bounds, valued at it, narrow them.
func (r SymbolRules) qtySpan(market bool, price decimal.Decimal) span {
	step, minQ, maxQ := r.qtyRules(market)
	s := span{unit: grid(step, r.QtyDecimals)}
	s.atLeast(minQ)
	s.atMost(maxQ)
	if price.Sign() > 0 {
		if u := r.notionalPerUnit(price); u.Sign() > 0 {
			s.atLeast(s.quotient(r.MinNotional, u, true))
			if r.MaxNotional.Sign() > 0 {
				// Not atMost: a bound that rounds to zero allows nothing.
				s.capAt(s.quotient(r.MaxNotional, u, false))
			}
		}
	}
	return s
}

// noGridDigits is how finely a bound is placed when no grid is known: far
// below any venue's unit, so the rounding never decides a verdict.
const noGridDigits = 16

// quotient is x/u as a bound: rounded up to the grid (or to noGridDigits)
// for a lower bound, down for an upper one; zero when x is.
func (s span) quotient(x, u decimal.Decimal, up bool) decimal.Decimal {
	if x.Sign() <= 0 {
		return decimal.Zero
	}
	if s.unit.Sign() > 0 {
		if up {
			return ceilMultiple(x, u.Mul(s.unit)).Mul(s.unit)
		}
		return floorMultiple(x, u.Mul(s.unit)).Mul(s.unit)
	}
	unit := decimal.New(1, -noGridDigits)
	if up {
		return ceilMultiple(x, u.Mul(unit)).Mul(unit)
	}
	return floorMultiple(x, u.Mul(unit)).Mul(unit)
}

// atLeast raises the lower bound to v (on the grid, upward); zero: none.
func (s *span) atLeast(v decimal.Decimal) {
	if v.Sign() <= 0 {
		return
	}
	if s.unit.Sign() > 0 {
		v = ceilMultiple(v, s.unit).Mul(s.unit)
	}
	if v.GreaterThan(s.lo) {
		s.lo = v
	}
}

// atMost lowers the upper bound to v (on the grid, downward); zero: none.
func (s *span) atMost(v decimal.Decimal) {
	if v.Sign() > 0 {
		s.capAt(v)
	}
}

// capAt lowers the upper bound to v, on the grid, downward.
func (s *span) capAt(v decimal.Decimal) {
	if s.unit.Sign() > 0 {
		v = floorMultiple(v, s.unit).Mul(s.unit)
	}
	if !s.hasHi || v.LessThan(s.hi) {
		s.hi, s.hasHi = v, true
	}
}

// smallest is the least positive value allowed, ok false when there is
// none or it cannot be named (no grid and no minimum).
func (s span) smallest() (decimal.Decimal, bool) {
	v := s.lo
	if v.Sign() <= 0 {
		v = s.unit
	}
	if v.Sign() <= 0 || (s.hasHi && v.GreaterThan(s.hi)) {
		return decimal.Zero, false
	}
	return v, true
}

// allows reports whether x is on the grid and within the bounds.
func (s span) allows(x decimal.Decimal) bool {
	return x.Sign() > 0 && (s.unit.Sign() <= 0 || x.Mod(s.unit).IsZero()) &&
		!x.LessThan(s.lo) && (!s.hasHi || !x.GreaterThan(s.hi))
}

// nearest is the allowed value closest to x, ties upward when up; ok false
// when the span allows nothing positive.
func (s span) nearest(x decimal.Decimal, up bool) (decimal.Decimal, bool) {
	if s.hasHi && s.lo.GreaterThan(s.hi) {
		return decimal.Zero, false
	}
	if x.Sign() <= 0 {
		return s.smallest()
	}
	if s.allows(x) {
		return x, true // as typed, trailing zeros and all
	}
	n := x
	if s.unit.Sign() > 0 {
		n = roundToStep(x, s.unit, up)
	}
	if n.LessThan(s.lo) {
		n = s.lo
	}
	if s.hasHi && n.GreaterThan(s.hi) {
		n = s.hi
	}
	if n.Sign() <= 0 {
		return s.smallest()
	}
	return n, true
}

// Check reports every rule req breaks. refPrice is the reference price used
// for the notional of market orders; zero skips that check. Each
// violation's Nearest comes from Nearest: taken together they pass.
func (r SymbolRules) Check(req OrderRequest, refPrice decimal.Decimal) []Violation {
	fix, _ := r.Nearest(req, refPrice)
	var out []Violation
	if !r.Trading {
		out = append(out, Violation{Rule: RuleStatus, Field: "symbol",
			Msg: r.Symbol + " is not trading"})
	}
	market := req.Type == MarketOrder
	if !market {
		out = append(out, r.checkPrice(req.Price, fix.Price)...)
	}
	step, minQ, maxQ := r.qtyRules(market)
	out = append(out, r.checkQty(req.Qty, step, minQ, maxQ, fix.Qty)...)
	if price := r.valuedAt(req, refPrice); price.Sign() > 0 && req.Qty.Sign() > 0 {
		out = append(out, r.checkNotional(price, req.Qty, fix.Qty)...)
	}
	return out
}

func (r SymbolRules) checkPrice(p, near decimal.Decimal) []Violation {
	tick := r.TickSize
	if p.Sign() <= 0 {
		return []Violation{{Rule: RulePrice, Field: "price", Msg: "price must be positive", Nearest: near}}
	}
	var out []Violation
	if r.MinPrice.Sign() > 0 && p.LessThan(r.MinPrice) {
		out = append(out, Violation{Rule: RulePrice, Field: "price",
			Msg: fmt.Sprintf("price %s below minimum %s", p, r.FormatPrice(r.MinPrice)), Nearest: near})
	}
	if r.MaxPrice.Sign() > 0 && p.GreaterThan(r.MaxPrice) {
		out = append(out, Violation{Rule: RulePrice, Field: "price",
			Msg: fmt.Sprintf("price %s above maximum %s", p, r.FormatPrice(r.MaxPrice)), Nearest: near})
	}
	switch d := r.priceDecimals(); {
	case tick.Sign() > 0 && !p.Mod(tick).IsZero():
		out = append(out, Violation{Rule: RuleTick, Field: "price",
			Msg: fmt.Sprintf("price %s is not a multiple of the tick %s", p, r.FormatPrice(tick)), Nearest: near})
	case d >= 0 && DecimalsOf(p) > d:
		out = append(out, Violation{Rule: RuleTick, Field: "price",
			Msg: fmt.Sprintf("price %s has %d decimals, at most %d allowed", p, DecimalsOf(p), d), Nearest: near})
	}
	return out
}

func (r SymbolRules) checkQty(q, step, minQ, maxQ, near decimal.Decimal) []Violation {
	if q.Sign() <= 0 {
		return []Violation{{Rule: RuleQty, Field: "qty", Msg: "quantity must be positive", Nearest: near}}
	}
	var out []Violation
	if minQ.Sign() > 0 && q.LessThan(minQ) {
		out = append(out, Violation{Rule: RuleQty, Field: "qty",
			Msg: fmt.Sprintf("quantity %s below minimum %s", q, formatFixed(minQ, r.qtyDecimals(step))), Nearest: near})
	}
	if maxQ.Sign() > 0 && q.GreaterThan(maxQ) {
		out = append(out, Violation{Rule: RuleQty, Field: "qty",
			Msg: fmt.Sprintf("quantity %s above maximum %s", q, formatFixed(maxQ, r.qtyDecimals(step))), Nearest: near})
	}
	switch d := r.qtyDecimals(step); {
	case step.Sign() > 0 && !q.Mod(step).IsZero():
		out = append(out, Violation{Rule: RuleStep, Field: "qty",
			Msg: fmt.Sprintf("quantity %s is not a multiple of the step %s", q, formatFixed(step, DecimalsOf(step))), Nearest: near})
	case d >= 0 && DecimalsOf(q) > d:
		// A venue may publish fewer digits than its step implies; it
		// then rejects on precision even though the step rule passes.
		out = append(out, Violation{Rule: RuleStep, Field: "qty",
			Msg: fmt.Sprintf("quantity %s has %d decimals, at most %d allowed", q, DecimalsOf(q), d), Nearest: near})
	}
	return out
}

func (r SymbolRules) checkNotional(price, qty, near decimal.Decimal) []Violation {
	n := r.Notional(qty, price)
	var out []Violation
	if r.MinNotional.Sign() > 0 && n.LessThan(r.MinNotional) {
		out = append(out, Violation{Rule: RuleNotional, Field: "notional",
			Msg: fmt.Sprintf("order value %s below minimum %s", n, r.MinNotional), Nearest: near})
	}
	if r.MaxNotional.Sign() > 0 && n.GreaterThan(r.MaxNotional) {
		out = append(out, Violation{Rule: RuleNotional, Field: "notional",
			Msg: fmt.Sprintf("order value %s above maximum %s", n, r.MaxNotional), Nearest: near})
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

// roundToStep rounds x to the nearest multiple of step; a half goes up when
// up, else down (a quantity halfway is trimmed rather than grown).
func roundToStep(x, step decimal.Decimal, up bool) decimal.Decimal {
	q, r := x.QuoRem(step, 0)
	twice := r.Add(r)
	if twice.GreaterThan(step) || (up && twice.Equal(step)) {
		q = q.Add(decimal.NewFromInt(1))
	}
	return q.Mul(step)
}
