package exchange

import (
	"context"

	"github.com/shopspring/decimal"
)

// Venue is one configured account on one venue: what the cockpit, `vigil
// check` and `vigil order` use. Implementations live in exchange/<venue>; every
// method that does I/O takes ctx first and is safe for concurrent use.
type Venue interface {
	// Info is static: it does no I/O.
	Info() AccountInfo

	// SyncClock samples the venue's server time and updates the estimator.
	SyncClock(ctx context.Context) error
	// Clock and Budget are snapshots without I/O.
	Clock() ClockSnapshot
	Budget() BudgetSnapshot

	KeyInfo(ctx context.Context) (KeyInfo, error)
	Balances(ctx context.Context) ([]Balance, error)
	// Rules returns a symbol's trading rules, cached after the first call.
	Rules(ctx context.Context, symbol string) (SymbolRules, error)
	// Symbols lists tradable symbols (cached).
	Symbols(ctx context.Context) ([]string, error)
	// LastPrice is a reference price for notional checks of market orders.
	LastPrice(ctx context.Context, symbol string) (decimal.Decimal, error)

	// Place sends an order whose ClientID is already set and journaled.
	// An *AmbiguousError means the venue may or may not have it: resolve
	// with Query, never by sending again.
	Place(ctx context.Context, req OrderRequest) (Order, error)
	Cancel(ctx context.Context, ref OrderRef) (Order, error)
	// Query returns ErrOrderNotFound when the venue has no such order.
	Query(ctx context.Context, ref OrderRef) (Order, error)
	OpenOrders(ctx context.Context, symbol string) ([]Order, error)
}

// Closer is implemented by venues that hold connections.
type Closer interface{ Close() error }
