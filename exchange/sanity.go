package exchange

import (
	"errors"
	"fmt"

	"github.com/shopspring/decimal"
)

// CheckOrder reports what makes o unusable as a venue's account of an
// order: an order no id can match, or a negative amount, which no venue
// sends and which the blotter, the journal and the notional guards would
// take at face value. Decoders refuse such replies rather than pass on a
// zero-value or nonsense order as a success.
func CheckOrder(o Order) error {
	if o.OrderID == "" && o.ClientID == "" {
		return errors.New("order has neither an order id nor a client id")
	}
	for _, f := range []struct {
		name string
		v    decimal.Decimal
	}{{"price", o.Price}, {"quantity", o.Qty}, {"filled quantity", o.Filled}, {"filled quote quantity", o.QuoteFilled}} {
		if f.v.IsNegative() {
			return fmt.Errorf("order %q/%q has a negative %s (%s)", o.OrderID, o.ClientID, f.name, f.v)
		}
	}
	return nil
}

// CheckRules reports what makes r unusable for rounding and guarding
// orders: a negative bound or step, or a minimum above its maximum (a zero
// bound is disabled, as on the venues).
func CheckRules(r SymbolRules) error {
	for _, f := range []struct {
		name     string
		min, max decimal.Decimal
	}{
		{"price", r.MinPrice, r.MaxPrice},
		{"quantity", r.MinQty, r.MaxQty},
		{"market quantity", r.MarketMinQty, r.MarketMaxQty},
		{"notional", r.MinNotional, r.MaxNotional},
		{"tick size", r.TickSize, decimal.Zero},
		{"step size", r.StepSize, decimal.Zero},
		{"market step size", r.MarketStep, decimal.Zero},
		{"contract size", r.ContractSize, decimal.Zero},
	} {
		switch {
		case f.min.IsNegative() || f.max.IsNegative():
			return fmt.Errorf("%s: negative %s bound", r.Symbol, f.name)
		case f.max.IsPositive() && f.min.GreaterThan(f.max):
			return fmt.Errorf("%s: minimum %s %s above its maximum %s", r.Symbol, f.name, f.min, f.max)
		}
	}
	switch r.Kind {
	case "", KindSpot, KindPerpetual, KindFuture, KindOption:
	default:
		return fmt.Errorf("%s: unknown instrument kind %q", r.Symbol, r.Kind)
	}
	switch r.Unit {
	case "", UnitBase, UnitContracts, UnitQuote:
	default:
		return fmt.Errorf("%s: unknown quantity unit %q", r.Symbol, r.Unit)
	}
	return nil
}
