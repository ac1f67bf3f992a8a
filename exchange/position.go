package exchange

import (
	"context"
	"time"

	"github.com/shopspring/decimal"
)

// Position is an open derivatives position as the venue reports it. Size
// is signed (negative: short) and in the venue's own unit for the
// instrument (contracts, USD, or the base coin: Unit says which), so what
// the pane shows is what the venue's own screen shows; Notional is the
// position's value in the settlement or quote currency the venue reports,
// beside it.
type Position struct {
	Account string
	Symbol  string
	Kind    InstrumentKind
	Size    decimal.Decimal
	Unit    string // "contracts", "USD", "BTC"…
	// Entry, Mark and Liquidation are prices; Liquidation is zero when the
	// venue gives none (no risk of it, or cross margin it does not price).
	Entry, Mark, Liquidation decimal.Decimal
	// PnL is unrealised profit and loss, in Settle.
	PnL      decimal.Decimal
	Settle   string
	Notional decimal.Decimal // in NotionalIn
	// NotionalIn is the currency of Notional ("USD").
	NotionalIn string
	Leverage   decimal.Decimal // zero: not given
	Time       time.Time       // as of, by the venue's clock when it says
}

// Side is long or short by the sign of Size.
func (p Position) Side() string {
	switch p.Size.Sign() {
	case 1:
		return "long"
	case -1:
		return "short"
	}
	return "flat"
}

// PositionsReader is a venue that holds positions: the positions pane and
// `vigil check` list what it returns. A spot venue does not implement it,
// and the pane shows only when some account does.
type PositionsReader interface {
	// Positions lists the account's open positions (size not zero).
	Positions(ctx context.Context) ([]Position, error)
}
