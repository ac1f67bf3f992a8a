package exchange

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"
)

// ScopedBudget is what Scopes holds for one scope; *Budget satisfies it,
// and tests substitute a recorder.
type ScopedBudget interface {
	Acquire(ctx context.Context, c Cost) error
	Observe(name string, used int)
	SetLimits(limits ...Limit)
	Ban(until time.Time, reason string)
	Snapshot() BudgetSnapshot
}

// Scopes keeps one budget per scope (an endpoint, an endpoint and
// instrument, the IP) for venues whose limits are independent of each
// other, as OKX's and Bybit's are: a Budget charges every bucket it holds
// on each Acquire, so independent buckets need budgets of their own. A ban
// covers every scope, present and future; Snapshot merges them into the
// one view the budgets pane shows.
type Scopes struct {
	account string
	now     func() time.Time
	// New builds a scope's budget (default NewBudget).
	New func(account string, now func() time.Time, limits ...Limit) ScopedBudget

	mu        sync.Mutex
	scopes    map[string]ScopedBudget
	banUntil  time.Time
	banReason string
}

// NewScopes returns an empty set of scopes for account on the clock now
// (the venue's, so windows turn when the venue's do).
func NewScopes(account string, now func() time.Time) *Scopes {
	return &Scopes{
		account: account,
		now:     now,
		New: func(account string, now func() time.Time, limits ...Limit) ScopedBudget {
			return NewBudget(account, now, limits...)
		},
		scopes: map[string]ScopedBudget{},
	}
}

// Get returns scope's budget, creating it with limits, under any ban in
// force, when there is none yet; created says which.
func (s *Scopes) Get(scope string, limits ...Limit) (b ScopedBudget, created bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b, ok := s.scopes[scope]; ok {
		return b, false
	}
	b = s.New(s.account, s.now, limits...)
	if s.now().Before(s.banUntil) {
		b.Ban(s.banUntil, s.banReason)
	}
	s.scopes[scope] = b
	return b, true
}

// Ban stops every scope until until; a shorter ban never cuts a longer one.
func (s *Scopes) Ban(until time.Time, reason string) {
	s.mu.Lock()
	if until.After(s.banUntil) {
		s.banUntil, s.banReason = until, reason
	}
	all := s.all()
	s.mu.Unlock()
	for _, b := range all {
		b.Ban(until, reason)
	}
}

// Snapshot merges the scopes into one view, buckets sorted by name.
func (s *Scopes) Snapshot() BudgetSnapshot {
	s.mu.Lock()
	all := s.all()
	snap := BudgetSnapshot{Account: s.account, At: s.now()}
	if snap.At.Before(s.banUntil) {
		snap.BannedUntil, snap.BanReason = s.banUntil, s.banReason
	}
	s.mu.Unlock()
	for _, b := range all {
		bs := b.Snapshot()
		snap.Buckets = append(snap.Buckets, bs.Buckets...)
		snap.Waiting += bs.Waiting
		if bs.BannedUntil.After(snap.BannedUntil) {
			snap.BannedUntil, snap.BanReason = bs.BannedUntil, bs.BanReason
		}
	}
	slices.SortFunc(snap.Buckets, func(a, b Bucket) int { return strings.Compare(a.Name, b.Name) })
	return snap
}

// all lists the scopes' budgets; s.mu is held.
func (s *Scopes) all() []ScopedBudget {
	all := make([]ScopedBudget, 0, len(s.scopes))
	for _, b := range s.scopes {
		all = append(all, b)
	}
	return all
}
