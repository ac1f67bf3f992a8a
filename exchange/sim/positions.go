package sim

import (
	"sort"

	"github.com/shopspring/decimal"

	"github.com/vigil-trade/vigil/exchange"
)

// Position is an account's net position in a derivative symbol: what its
// fills add up to. The sim keeps no margin: a derivative's fills move the
// ledger as spot fills do, and its position is read from the fills, so a
// fake reports what a venue would (size, entry) without a margin engine.
type Position struct {
	Symbol string
	Size   decimal.Decimal // signed, in the symbol's quantity
	// Entry is the average price of the fills that opened and added to
	// the position (see Positions).
	Entry decimal.Decimal
}

// Positions are account's net positions in derivative symbols, flat ones
// left out, by symbol. Each order's fills count at their average price,
// in the order the orders were made: a fill that adds to a position moves
// its entry to the average, one that reduces it leaves the entry (as
// venues keep it), and one that turns it opens the rest at its price.
func (x *Exchange) Positions(account string) []Position {
	net := map[string]*Position{}
	for _, o := range x.Orders(account) {
		r, ok := x.Symbol(o.Symbol)
		if !ok || !r.Derivative() || !o.Filled.IsPositive() {
			continue
		}
		p := net[o.Symbol]
		if p == nil {
			p = &Position{Symbol: o.Symbol}
			net[o.Symbol] = p
		}
		// An average is shown two digits finer than the tick, as venues
		// show one; 8 places read as noise ("64999.07692308").
		places := exchange.DecimalsOf(r.TickSize) + 2
		qty, price := o.Filled, o.QuoteFilled.DivRound(o.Filled, places)
		if o.Side == exchange.Sell {
			qty = qty.Neg()
		}
		switch next := p.Size.Add(qty); {
		case p.Size.IsZero() || p.Size.Sign() == qty.Sign():
			p.Entry = p.Entry.Mul(p.Size.Abs()).Add(price.Mul(qty.Abs())).DivRound(next.Abs(), places)
			p.Size = next
		case next.IsZero() || next.Sign() == p.Size.Sign():
			p.Size = next
		default:
			p.Size, p.Entry = next, price
		}
	}
	var out []Position
	for _, p := range net {
		if !p.Size.IsZero() {
			out = append(out, *p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Symbol < out[j].Symbol })
	return out
}
