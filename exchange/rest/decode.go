package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
)

// Marshal encodes v as JSON without HTML escaping: a body must be exactly
// what a reader of the venue's docs would send, and '&' in an id must not
// become \u0026. encoding/json keeps struct field order, so a body is
// deterministic.
func Marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte{'\n'}), nil
}

// Decimal parses a decimal the venue sends as a string; "" (absent) is
// zero.
func Decimal(s string) (decimal.Decimal, error) {
	if s == "" {
		return decimal.Zero, nil
	}
	return decimal.NewFromString(s)
}

// UnixMilli reads milliseconds since the epoch sent as a string; anything
// else, or no time at all, is the zero time.
func UnixMilli(s string) time.Time {
	ms, err := strconv.ParseInt(s, 10, 64)
	if err != nil || ms <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}

// Fields collects what went wrong reading one reply's fields, so a reply is
// refused with every bad field named, not only the first.
type Fields struct{ errs []error }

// Decimal is the named field's value (see Decimal); a bad one is noted and
// reads as zero.
func (f *Fields) Decimal(name, s string) decimal.Decimal {
	v, err := Decimal(s)
	if err != nil {
		f.errs = append(f.errs, fmt.Errorf("%s %q: %w", name, s, err))
	}
	return v
}

// Rules finishes a symbol's rules: judged only when every field decoded
// (exchange.CheckRules), then their decimals taken from the steps.
func (f *Fields) Rules(r *exchange.SymbolRules) error {
	if len(f.errs) == 0 {
		if err := exchange.CheckRules(*r); err != nil {
			f.errs = append(f.errs, err)
		}
	}
	if err := errors.Join(f.errs...); err != nil {
		return err
	}
	r.PriceDecimals = exchange.DecimalsOf(r.TickSize)
	r.QtyDecimals = exchange.DecimalsOf(r.StepSize)
	return nil
}

// Order finishes an order: judged only when every field decoded
// (exchange.CheckOrder).
func (f *Fields) Order(o exchange.Order) error {
	if len(f.errs) == 0 {
		if err := exchange.CheckOrder(o); err != nil {
			f.errs = append(f.errs, err)
		}
	}
	return errors.Join(f.errs...)
}

// Field is one named value of a reply.
type Field struct{ Name, Value string }

// QuoteOf reads a ticker's best bid, best ask and last price: an empty one
// is zero; one that is not a number, negative, or a crossed book is an
// error naming venue and symbol.
func QuoteOf(venue, symbol string, bid, ask, last Field) (exchange.Quote, error) {
	q := exchange.Quote{Symbol: symbol}
	for _, f := range []struct {
		Field
		out *decimal.Decimal
	}{{bid, &q.Bid}, {ask, &q.Ask}, {last, &q.Last}} {
		if f.Value == "" {
			continue
		}
		d, err := decimal.NewFromString(f.Value)
		if err != nil || d.IsNegative() {
			return exchange.Quote{}, fmt.Errorf("%s: ticker %s %s %q: not a price", venue, symbol, f.Name, f.Value)
		}
		*f.out = d
	}
	if q.Bid.IsPositive() && q.Ask.IsPositive() && q.Bid.GreaterThan(q.Ask) {
		return exchange.Quote{}, fmt.Errorf("%s: ticker %s: crossed book: bid %s ask %s", venue, symbol, q.Bid, q.Ask)
	}
	return q, nil
}

// Instruments is a venue's rule book, loaded in one request on first use
// (the lists change rarely, and one call is cheaper than one per symbol).
type Instruments struct {
	Book exchange.RuleBook
	// Load fetches every instrument's rules.
	Load func(context.Context) ([]exchange.SymbolRules, error)
	// Unlisted is the error for a symbol the venue does not list; it may
	// say how the venue spells its symbols.
	Unlisted func(symbol string) error
}

func (in *Instruments) load(ctx context.Context) error {
	if in.Book.Loaded() {
		return nil
	}
	rules, err := in.Load(ctx)
	if err != nil {
		return err
	}
	slices.SortFunc(rules, func(a, b exchange.SymbolRules) int { return strings.Compare(a.Symbol, b.Symbol) })
	in.Book.Set(rules)
	return nil
}

// Rules is symbol's rules.
func (in *Instruments) Rules(ctx context.Context, symbol string) (exchange.SymbolRules, error) {
	if err := in.load(ctx); err != nil {
		return exchange.SymbolRules{}, err
	}
	if r, ok := in.Book.Get(symbol); ok {
		return r, nil
	}
	return exchange.SymbolRules{}, in.Unlisted(symbol)
}

// Symbols lists the trading symbols in order.
func (in *Instruments) Symbols(ctx context.Context) ([]string, error) {
	if err := in.load(ctx); err != nil {
		return nil, err
	}
	return in.Book.Symbols(), nil
}

// RulesOf reads each of a reply's instruments with conv; one that cannot
// be read fails the list, so nothing trades on rules half understood.
func RulesOf[T any](list []T, conv func(T) (exchange.SymbolRules, error)) ([]exchange.SymbolRules, error) {
	rules := make([]exchange.SymbolRules, 0, len(list))
	for _, w := range list {
		r, err := conv(w)
		if err != nil {
			return nil, err
		}
		rules = append(rules, r)
	}
	return rules, nil
}
