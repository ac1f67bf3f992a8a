package deribit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/rest"
)

// num is a number Deribit sends as a JSON number (or, in a few places,
// a string): kept as text so no float ever holds money.
type num string

func (n *num) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "null" {
		s = ""
	}
	*n = num(s)
	return nil
}

// dec reads n into f, zero when absent; a word where a number belongs
// ("market_price") reads as zero too, since that is what it means.
func (n num) dec(f decimals, name string) decimal.Decimal {
	s := string(n)
	if s == "" || s[0] >= 'a' && s[0] <= 'z' {
		return decimal.Zero
	}
	return f.Decimal(name, s)
}

// decimals collects what went wrong reading a reply's numbers
// (rest.Fields, or fields for replies that are not orders or rules).
type decimals interface {
	Decimal(name, s string) decimal.Decimal
}

// fields is rest.Fields for a reply that is neither an order nor rules.
type fields struct{ errs []error }

func (f *fields) Decimal(name, s string) decimal.Decimal {
	v, err := rest.Decimal(s)
	if err != nil {
		f.errs = append(f.errs, fmt.Errorf("%s %q: %w", name, s, err))
	}
	return v
}

func (f *fields) err() error { return errors.Join(f.errs...) }

// wireInstrument is one of public/get_instruments' results.
type wireInstrument struct {
	Name             string `json:"instrument_name"`
	Kind             string `json:"kind"`
	SettlementPeriod string `json:"settlement_period"`
	InstrumentType   string `json:"instrument_type"` // linear, reversed
	Base             string `json:"base_currency"`
	Quote            string `json:"quote_currency"`
	Settle           string `json:"settlement_currency"`
	ContractSize     num    `json:"contract_size"`
	MinTradeAmount   num    `json:"min_trade_amount"`
	TickSize         num    `json:"tick_size"`
	IsActive         bool   `json:"is_active"`
}

// rules reads an instrument. An inverse ("reversed") contract is entered
// in contracts of contract_size USD each (sent as contracts), so its
// notional is contracts × contract size whatever the price; a linear one,
// and an option, in the base coin (sent as amount), in steps of the
// contract size.
func (w wireInstrument) rules() (exchange.SymbolRules, error) {
	var f rest.Fields
	cs := w.ContractSize.dec(&f, "contract_size")
	minAmt := w.MinTradeAmount.dec(&f, "min_trade_amount")
	r := exchange.SymbolRules{
		Symbol: w.Name, Base: w.Base, Quote: w.Quote, Trading: w.IsActive,
		TickSize: w.TickSize.dec(&f, "tick_size"), Settle: w.Settle,
	}
	switch {
	case w.Kind == "future" && w.SettlementPeriod == "perpetual":
		r.Kind = exchange.KindPerpetual
	case w.Kind == "future":
		r.Kind = exchange.KindFuture
	case w.Kind == "option":
		r.Kind = exchange.KindOption
	case w.Kind == "spot":
		r.Kind = exchange.KindSpot
	default:
		return r, fmt.Errorf("deribit: instrument %s: kind %q", w.Name, w.Kind)
	}
	if w.InstrumentType == "reversed" && cs.IsPositive() {
		r.Unit, r.ContractSize = exchange.UnitQuote, cs
		r.StepSize = decimal.NewFromInt(1)
		r.MinQty = decimal.Max(minAmt.Div(cs).Ceil(), decimal.NewFromInt(1))
	} else {
		r.Unit = exchange.UnitBase
		r.StepSize = cs
		if !cs.IsPositive() || r.Kind == exchange.KindOption {
			r.StepSize = minAmt
		}
		r.MinQty = minAmt
	}
	r.MarketMinQty = r.MinQty
	if err := f.Rules(&r); err != nil {
		return r, fmt.Errorf("deribit: instrument %s: %w", w.Name, err)
	}
	return r, nil
}

// loadRules reads every active instrument of every currency.
func (c *Client) loadRules(ctx context.Context) ([]exchange.SymbolRules, error) {
	var list []wireInstrument
	r := call("public/get_instruments")
	r.params.Add("currency", "any")
	r.params.Add("expired", "false")
	r.cost = c.credits.request(exchange.Interactive)
	if err := c.do(ctx, r, &list); err != nil {
		return nil, err
	}
	list = slices.DeleteFunc(list, func(w wireInstrument) bool { return w.Kind == "future_combo" || w.Kind == "option_combo" })
	return rest.RulesOf(list, wireInstrument.rules)
}

func unlisted(symbol string) error {
	return fmt.Errorf("deribit: no instrument %q (Deribit names them BTC-PERPETUAL, BTC_USDC-PERPETUAL, BTC-27MAR26)", symbol)
}

// Rules returns an instrument's rules.
func (c *Client) Rules(ctx context.Context, symbol string) (exchange.SymbolRules, error) {
	return c.instruments.Rules(ctx, symbol)
}

// Symbols lists the instruments.
func (c *Client) Symbols(ctx context.Context) ([]string, error) { return c.instruments.Symbols(ctx) }

// scale is what one unit of vigil's quantity is in Deribit's amount:
// the contract size of an inverse contract, 1 otherwise (and for an
// instrument not in the book).
func (c *Client) scale(symbol string) decimal.Decimal {
	if r, ok := c.instruments.Book.Get(symbol); ok && r.Inverse() {
		return r.ContractSize
	}
	return decimal.NewFromInt(1)
}

// currencies are the settlement currencies of the instruments listed,
// the currency every by-currency method asks for.
func (c *Client) currencies(ctx context.Context) ([]string, error) {
	syms, err := c.instruments.Symbols(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, s := range syms {
		r, _ := c.instruments.Book.Get(s)
		if cur := r.SettleCurrency(); cur != "" && !slices.Contains(out, cur) {
			out = append(out, cur)
		}
	}
	slices.Sort(out)
	return out, nil
}
