package exchange

import (
	"context"
	"time"
)

// STUB: API contract; the implementation replaces these bodies.

// LimitKind says what a bucket counts.
type LimitKind int

const (
	LimitWeight LimitKind = iota // request weight
	LimitOrders                  // new orders
	LimitRaw                     // raw requests
)

// Limit is one venue rate limit.
type Limit struct {
	Name   string // "weight/1m", "orders/10s", "orders/1d"
	Kind   LimitKind
	Limit  int
	Window time.Duration
}

// Priority decides who waits when a bucket runs low: background polling may
// not eat the reserve kept for orders and cancels.
type Priority int

const (
	Background Priority = iota
	Interactive
	Trading // order placement and cancels
)

// Cost of one request.
type Cost struct {
	Weight   int
	Orders   int
	Priority Priority
}

// Budget tracks one account's rate limits locally, reconciled with what the
// venue reports.
type Budget struct{}

// NewBudget returns a budget; now is the clock windows align to (the venue's
// estimated server time).
func NewBudget(account string, now func() time.Time, limits ...Limit) *Budget { return &Budget{} }

// SetLimits replaces the buckets (e.g. from exchange info), keeping usage.
func (b *Budget) SetLimits(limits ...Limit) {}

// Acquire charges cost before sending, waiting while a bucket is full; it
// fails at once during a ban, or when ctx ends.
func (b *Budget) Acquire(ctx context.Context, c Cost) error { return nil }

// Observe reconciles a bucket with the venue's own count (e.g. from
// X-MBX-USED-WEIGHT-1M), which includes other processes on the same IP.
func (b *Budget) Observe(name string, used int) {}

// Ban stops all sending until until.
func (b *Budget) Ban(until time.Time, reason string) {}

// Snapshot for panes and `vigil check`.
func (b *Budget) Snapshot() BudgetSnapshot { return BudgetSnapshot{} }
