// Package sim is a venue-neutral simulated exchange: symbols with trading
// rules and a walking reference price, accounts with a ledger, limit and
// market orders filled by a synthetic counterparty, a per-account event feed,
// a server clock with skew and drift, latency and scheduled faults.
//
// Venue fakes (exchange/<venue>/<venue>test) translate their wire protocol
// into calls on an *Exchange and its answers back into the venue's shapes; sim
// itself knows no venue's names, codes or JSON.
//
// Everything random is drawn from generators seeded by WithSeed, so a test
// that drives the exchange from one goroutine sees the same prices, fills and
// faults on every run.
package sim

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"time"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
)

// DefaultOrderIDStart is above 2^53 so that clients which decode order ids
// as plain JSON numbers (IEEE doubles) lose precision and fail tests.
const DefaultOrderIDStart uint64 = 1<<53 + 1

// DefaultEventBuffer is the per-subscription channel capacity.
const DefaultEventBuffer = 4096

// Option configures an Exchange.
type Option func(*config)

type config struct {
	seed         uint64
	now          func() time.Time
	orderIDStart uint64
	tradeIDStart uint64
	maxFill      decimal.Decimal
	feeRate      decimal.Decimal
	eventBuffer  int
}

// WithSeed seeds every random choice (price walk, latency, fault
// probabilities).
func WithSeed(seed uint64) Option { return func(c *config) { c.seed = seed } }

// WithClock sets the base clock the server clock is derived from; nil keeps
// time.Now. Under testing/synctest the default already follows the bubble's
// fake time.
func WithClock(now func() time.Time) Option {
	return func(c *config) {
		if now != nil {
			c.now = now
		}
	}
}

// WithOrderIDStart sets the first order id handed out.
func WithOrderIDStart(id uint64) Option { return func(c *config) { c.orderIDStart = id } }

// WithMaxFill caps how much of one order the synthetic counterparty fills in
// one matching pass (at placement, or per Step for resting orders), so
// partial fills happen. Zero (the default) fills whole orders.
func WithMaxFill(qty decimal.Decimal) Option { return func(c *config) { c.maxFill = qty } }

// WithFeeRate charges this fraction of the received asset on every fill; the
// fee goes to the counterparty. Zero by default.
func WithFeeRate(rate decimal.Decimal) Option { return func(c *config) { c.feeRate = rate } }

// WithEventBuffer sets the capacity of each subscription's channel.
func WithEventBuffer(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.eventBuffer = n
		}
	}
}

// SymbolSpec describes one tradable symbol.
type SymbolSpec struct {
	Rules exchange.SymbolRules
	// Price is the initial reference price.
	Price decimal.Decimal
	// Walk is the largest move of one Step, rounded to the tick; zero: one
	// tick.
	Walk decimal.Decimal
}

type market struct {
	rules exchange.SymbolRules
	price decimal.Decimal
	walk  int64    // in ticks
	open  []*order // resting orders of every account, oldest first
}

// Exchange is a simulated venue. All methods are safe for concurrent use.
type Exchange struct {
	cfg    config
	clock  clock
	faults *Faults
	lat    latency

	mu        sync.Mutex
	walkRand  *rand.Rand
	markets   map[string]*market
	symbols   []string
	accounts  map[string]*account
	nextID    uint64
	nextTrade uint64
	deposited map[string]decimal.Decimal
	counter   map[string]decimal.Decimal // the synthetic counterparty's holdings; may go negative
}

// New returns an exchange with no symbols and no accounts.
func New(opts ...Option) *Exchange {
	cfg := config{
		seed:         1,
		now:          time.Now,
		orderIDStart: DefaultOrderIDStart,
		tradeIDStart: 1_000_000,
		eventBuffer:  DefaultEventBuffer,
	}
	for _, o := range opts {
		o(&cfg)
	}
	x := &Exchange{
		cfg:       cfg,
		walkRand:  rand.New(rand.NewPCG(cfg.seed, 0x5eed0001)),
		markets:   map[string]*market{},
		accounts:  map[string]*account{},
		nextID:    cfg.orderIDStart,
		nextTrade: cfg.tradeIDStart,
		deposited: map[string]decimal.Decimal{},
		counter:   map[string]decimal.Decimal{},
	}
	x.clock.init(cfg.now)
	x.faults = newFaults(cfg.seed)
	x.lat.init(cfg.seed)
	return x
}

// Faults is the exchange's fault schedule, consulted by venue fakes.
func (x *Exchange) Faults() *Faults { return x.faults }

// AddSymbol lists a symbol. Rules need Symbol, Base, Quote and a positive
// TickSize and StepSize. PriceDecimals and QtyDecimals default to 8: they are
// the digits a venue accepts on the wire, not the tick.
func (x *Exchange) AddSymbol(s SymbolSpec) error {
	r := s.Rules
	if r.Symbol == "" || r.Base == "" || r.Quote == "" {
		return fmt.Errorf("sim: symbol needs Symbol, Base and Quote")
	}
	if !r.TickSize.IsPositive() || !r.StepSize.IsPositive() {
		return fmt.Errorf("sim: %s: TickSize and StepSize must be positive", r.Symbol)
	}
	if !s.Price.IsPositive() {
		return fmt.Errorf("sim: %s: initial price must be positive", r.Symbol)
	}
	if r.PriceDecimals == 0 {
		r.PriceDecimals = 8
	}
	if r.QtyDecimals == 0 {
		r.QtyDecimals = 8
	}
	walk := s.Walk.Div(r.TickSize).IntPart()
	if walk < 1 {
		walk = 1
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if _, dup := x.markets[r.Symbol]; dup {
		return fmt.Errorf("sim: symbol %s already listed", r.Symbol)
	}
	x.markets[r.Symbol] = &market{rules: r, price: roundToTick(s.Price, r.TickSize), walk: walk}
	x.symbols = append(x.symbols, r.Symbol)
	return nil
}

// Symbol returns a symbol's rules.
func (x *Exchange) Symbol(name string) (exchange.SymbolRules, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	m, ok := x.markets[name]
	if !ok {
		return exchange.SymbolRules{}, false
	}
	return m.rules, true
}

// Symbols returns every symbol's rules in listing order.
func (x *Exchange) Symbols() []exchange.SymbolRules {
	x.mu.Lock()
	defer x.mu.Unlock()
	out := make([]exchange.SymbolRules, 0, len(x.symbols))
	for _, s := range x.symbols {
		out = append(out, x.markets[s].rules)
	}
	return out
}

// SetTrading halts or resumes a symbol; halted symbols reject new orders.
func (x *Exchange) SetTrading(symbol string, on bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if m, ok := x.markets[symbol]; ok {
		m.rules.Trading = on
	}
}

// Price is a symbol's current reference price.
func (x *Exchange) Price(symbol string) (decimal.Decimal, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	m, ok := x.markets[symbol]
	if !ok {
		return decimal.Zero, false
	}
	return m.price, true
}

// SetPrice moves a symbol's price (rounded to the tick) and fills the resting
// orders it crosses.
func (x *Exchange) SetPrice(symbol string, p decimal.Decimal) {
	x.mu.Lock()
	defer x.mu.Unlock()
	m, ok := x.markets[symbol]
	if !ok || !p.IsPositive() {
		return
	}
	m.price = roundToTick(p, m.rules.TickSize)
	x.matchRestingLocked(m)
}

// Step advances every symbol's random walk by one move and fills the resting
// orders the new prices cross.
func (x *Exchange) Step() {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, s := range x.symbols {
		m := x.markets[s]
		n := x.walkRand.Int64N(2*m.walk+1) - m.walk
		p := m.price.Add(m.rules.TickSize.Mul(decimal.NewFromInt(n)))
		floor := m.rules.MinPrice
		if !floor.IsPositive() {
			floor = m.rules.TickSize
		}
		if p.LessThan(floor) {
			p = floor
		}
		if m.rules.MaxPrice.IsPositive() && p.GreaterThan(m.rules.MaxPrice) {
			p = m.rules.MaxPrice
		}
		m.price = p
	}
	for _, s := range x.symbols {
		x.matchRestingLocked(x.markets[s])
	}
}

// Run calls Step every interval until ctx ends; for the demo.
func (x *Exchange) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			x.Step()
		}
	}
}

// Accounts lists account names, sorted.
func (x *Exchange) Accounts() []string {
	x.mu.Lock()
	defer x.mu.Unlock()
	out := make([]string, 0, len(x.accounts))
	for n := range x.accounts {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// AddAccount creates an empty account; placing, depositing and subscribing
// also create accounts on first use.
func (x *Exchange) AddAccount(name string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.accountLocked(name)
}

func (x *Exchange) accountLocked(name string) *account {
	a, ok := x.accounts[name]
	if !ok {
		a = newAccount(name)
		x.accounts[name] = a
	}
	return a
}

func roundToTick(p, tick decimal.Decimal) decimal.Decimal {
	return p.Div(tick).Round(0).Mul(tick)
}

// FeeRate is the fraction of the received asset charged per fill.
func (x *Exchange) FeeRate() decimal.Decimal { return x.cfg.feeRate }
