package views

import (
	"time"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
)

// Messages from ui/ to panes. Each carries its account; panes keep the
// newest per account and ignore what they do not show.

// TickMsg is the only way time reaches a pane.
type TickMsg struct{ Now time.Time }

// AccountsMsg lists the configured accounts, in display order.
type AccountsMsg struct{ Accounts []exchange.AccountInfo }

// KeyInfoMsg is the result of a key audit.
type KeyInfoMsg struct {
	Account string
	Info    exchange.KeyInfo
	Err     error
}

// ClockMsg is a clock estimator snapshot.
type ClockMsg struct{ Snapshot exchange.ClockSnapshot }

// BudgetMsg is a rate budget snapshot.
type BudgetMsg struct{ Snapshot exchange.BudgetSnapshot }

// BalancesMsg replaces an account's balances.
type BalancesMsg struct {
	Account  string
	Balances []exchange.Balance
	At       time.Time // when they were known to be current
	// Every is how often the source refreshes them (a poll, or a live
	// stream's audit); zero: unknown. They are STALE past twice that, and
	// never before StaleAfter.
	Every time.Duration
	// Polled says the venue pushes no balances: they are read over REST
	// every Every, and the pane says so.
	Polled bool
	Err    error
}

// OrdersMsg replaces the known orders of an account (journal history,
// REST snapshot). Events after it update rows by client id.
type OrdersMsg struct {
	Account string
	Orders  []exchange.Order
}

// OrderEventMsg is one change to one order, delivered in order.
type OrderEventMsg struct{ Event exchange.OrderEvent }

// RulesMsg carries a symbol's rules for order-entry validation.
type RulesMsg struct {
	Account   string
	Rules     exchange.SymbolRules
	LastPrice decimal.Decimal
}

// SymbolsMsg lists an account's tradable symbols.
type SymbolsMsg struct {
	Account string
	Symbols []string
}

// Level of an event-log line.
type Level int

const (
	LevelInfo Level = iota
	LevelWarn
	LevelError
)

// LogMsg is one line for the event log.
type LogMsg struct {
	Time    time.Time
	Level   Level
	Account string
	Text    string
	Advice  string
}

// OrderGateMsg closes order entry for an account for a reason outside the
// form (the journal still holds orders the venue has not confirmed), or
// opens it again with an empty Closed.
type OrderGateMsg struct {
	Account string
	Closed  string
}

// StreamState of an account's private stream.
type StreamMsg struct {
	Account   string
	State     string // "live", "reconnecting", "down", "off"
	Since     time.Time
	Attempt   int
	RetryAt   time.Time
	LastEvent time.Time
	Drops     int // times lost after being live (exchange.StreamStatus.Drops)
}

// Intents from panes to ui/. ui confirms, checks budgets, journals and calls
// the venue; panes never do.

// SubmitOrder asks ui to confirm and place an order. Ref and Balances are
// what the form judged it with (the price a market order is valued at; the
// account's balances, nil when unknown): ui judges it again with them.
type SubmitOrder struct {
	Account  string
	Req      exchange.OrderRequest
	Ref      decimal.Decimal
	Balances []exchange.Balance
}

// CancelOrder asks ui to cancel one order.
type CancelOrder struct {
	Account string
	Ref     exchange.OrderRef
	Order   exchange.Order // as the blotter shows it, so the dialog can say side, qty and price; may be zero
}

// CancelAll asks ui to cancel every open order of an account. Open is how
// many the blotter shows open for it (0: not known).
type CancelAll struct {
	Account string
	Open    int
}

// ResyncClock asks ui to re-sync an account's clock now (or all, when empty).
type ResyncClock struct{ Account string }

// NeedRules asks ui to fetch a symbol's rules for order entry.
type NeedRules struct {
	Account string
	Symbol  string
}
