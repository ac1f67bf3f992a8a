package exchange

import (
	"slices"
	"sync"
)

// RuleBook is a venue client's cache of symbol rules, loaded in one call
// (the lists change rarely and one call is cheaper than one per symbol).
// It is safe for concurrent use; the zero value is empty and not loaded.
type RuleBook struct {
	mu      sync.Mutex
	loaded  bool
	rules   map[string]SymbolRules
	symbols []string // the trading ones, in the order given to Set
}

// Loaded reports whether Set has been called since the last Reset.
func (b *RuleBook) Loaded() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.loaded
}

// Set replaces the book with rs.
func (b *RuleBook) Set(rs []SymbolRules) {
	rules := make(map[string]SymbolRules, len(rs))
	var symbols []string
	for _, r := range rs {
		rules[r.Symbol] = r
		if r.Trading {
			symbols = append(symbols, r.Symbol)
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.rules, b.symbols, b.loaded = rules, symbols, true
}

// Reset empties the book; the next use loads it again.
func (b *RuleBook) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.rules, b.symbols, b.loaded = nil, nil, false
}

// Get returns symbol's rules, if the book has them.
func (b *RuleBook) Get(symbol string) (SymbolRules, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	r, ok := b.rules[symbol]
	return r, ok
}

// Symbols lists the trading symbols; the slice is the caller's.
func (b *RuleBook) Symbols() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.symbols)
}
