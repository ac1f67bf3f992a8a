// Package feedtest has an in-memory exchange.Venue for tests of the feed and
// the cockpit: no network, orders rest until cancelled, and any account can
// be made to hang so tests can prove nothing waits on it.
package feedtest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
)

// Venue is an in-memory account. Limit orders rest until cancelled; market
// orders fill at once at the last price.
type Venue struct {
	info exchange.AccountInfo
	now  func() time.Time

	mu       sync.Mutex
	hang     bool
	balances []exchange.Balance
	orders   []exchange.Order
	nextID   int
	rules    map[string]exchange.SymbolRules
	prices   map[string]decimal.Decimal
	clock    exchange.ClockSnapshot
	budget   exchange.BudgetSnapshot
	calls    map[string]int
	inFlight int
	fault    string // a sync that succeeds but lost samples: the snapshot's Err
}

// New returns an account named by info, trading BTCUSDT at price 50000 with
// 1 BTC and 10000 USDT.
func New(info exchange.AccountInfo, now func() time.Time) *Venue {
	if now == nil {
		now = time.Now
	}
	d := decimal.RequireFromString
	return &Venue{
		info: info,
		now:  now,
		balances: []exchange.Balance{
			{Asset: "BTC", Free: d("1"), Locked: decimal.Zero},
			{Asset: "USDT", Free: d("10000"), Locked: decimal.Zero},
		},
		rules: map[string]exchange.SymbolRules{
			"BTCUSDT": {
				Symbol: "BTCUSDT", Base: "BTC", Quote: "USDT", Trading: true,
				TickSize: d("0.01"), StepSize: d("0.00001"), MinQty: d("0.00001"),
				MinNotional: d("5"), PriceDecimals: 2, QtyDecimals: 5,
			},
		},
		prices: map[string]decimal.Decimal{"BTCUSDT": d("50000")},
		budget: exchange.BudgetSnapshot{Account: info.Name},
		calls:  map[string]int{},
	}
}

// SetHang makes every I/O call block until its context ends (true) or
// answer normally again (false).
func (v *Venue) SetHang(h bool) {
	v.mu.Lock()
	v.hang = h
	v.mu.Unlock()
}

// SetBan puts a budget ban in force until until.
func (v *Venue) SetBan(until time.Time, reason string) {
	v.mu.Lock()
	v.budget.BannedUntil, v.budget.BanReason = until, reason
	v.mu.Unlock()
}

// Calls reports how many times op was called.
func (v *Venue) Calls(op string) int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.calls[op]
}

// InFlight reports calls currently blocked in a hang.
func (v *Venue) InFlight() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.inFlight
}

// enter counts op and, when hanging, blocks until ctx ends.
func (v *Venue) enter(ctx context.Context, op string) error {
	v.mu.Lock()
	v.calls[op]++
	hang := v.hang
	if hang {
		v.inFlight++
	}
	v.mu.Unlock()
	if !hang {
		return ctx.Err()
	}
	<-ctx.Done()
	v.mu.Lock()
	v.inFlight--
	v.mu.Unlock()
	return ctx.Err()
}

func (v *Venue) Info() exchange.AccountInfo { return v.info }

func (v *Venue) SyncClock(ctx context.Context) error {
	if err := v.enter(ctx, "SyncClock"); err != nil {
		v.mu.Lock()
		v.clock.Err = err.Error()
		v.mu.Unlock()
		return err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.clock = exchange.ClockSnapshot{
		Account: v.info.Name, Synced: true, Offset: -3 * time.Millisecond,
		Uncertainty: time.Millisecond, RTT: 2 * time.Millisecond, LastSync: v.now(),
		AheadLimit: time.Second, BehindLimit: 5 * time.Second,
		HeadroomAhead: 990 * time.Millisecond, HeadroomBehind: 4990 * time.Millisecond,
		Samples: v.clock.Samples + 1, Err: v.fault,
	}
	return nil
}

// SetSyncFault makes each following clock sync succeed but record text as
// its error, as exchange.Clock does when some samples fail ("" clears it).
func (v *Venue) SetSyncFault(text string) {
	v.mu.Lock()
	v.fault = text
	v.mu.Unlock()
}

func (v *Venue) Clock() exchange.ClockSnapshot {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.clock
}

func (v *Venue) Budget() exchange.BudgetSnapshot {
	v.mu.Lock()
	defer v.mu.Unlock()
	b := v.budget
	b.Buckets = []exchange.Bucket{{Name: "weight/1m", Used: v.calls["Balances"] + v.calls["OpenOrders"], Limit: 6000, Window: time.Minute}}
	b.At = v.now()
	return b
}

func (v *Venue) KeyInfo(ctx context.Context) (exchange.KeyInfo, error) {
	if err := v.enter(ctx, "KeyInfo"); err != nil {
		return exchange.KeyInfo{}, err
	}
	return exchange.KeyInfo{
		Read: exchange.TriYes, Trade: exchange.TriYes, Withdraw: exchange.TriNo,
		IPBound: exchange.TriYes, IPs: []string{"127.0.0.1"}, Source: "memory", CheckedAt: v.now(),
	}, nil
}

func (v *Venue) Balances(ctx context.Context) ([]exchange.Balance, error) {
	if err := v.enter(ctx, "Balances"); err != nil {
		return nil, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	return slices.Clone(v.balances), nil
}

func (v *Venue) Rules(ctx context.Context, symbol string) (exchange.SymbolRules, error) {
	if err := v.enter(ctx, "Rules"); err != nil {
		return exchange.SymbolRules{}, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	r, ok := v.rules[symbol]
	if !ok {
		return r, &exchange.APIError{Venue: "memory", Code: "-1121", Msg: "Invalid symbol.", Kind: exchange.KindBadRequest}
	}
	return r, nil
}

func (v *Venue) Symbols(ctx context.Context) ([]string, error) {
	if err := v.enter(ctx, "Symbols"); err != nil {
		return nil, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	var out []string
	for s := range v.rules {
		out = append(out, s)
	}
	slices.Sort(out)
	return out, nil
}

func (v *Venue) LastPrice(ctx context.Context, symbol string) (decimal.Decimal, error) {
	if err := v.enter(ctx, "LastPrice"); err != nil {
		return decimal.Zero, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.prices[symbol], nil
}

func (v *Venue) Place(ctx context.Context, req exchange.OrderRequest) (exchange.Order, error) {
	if err := v.enter(ctx, "Place"); err != nil {
		return exchange.Order{}, &exchange.AmbiguousError{Op: "place", Err: err}
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if _, ok := v.rules[req.Symbol]; !ok {
		return exchange.Order{}, &exchange.APIError{Venue: "memory", Code: "-1121", Msg: "Invalid symbol.", Kind: exchange.KindBadRequest}
	}
	for _, o := range v.orders {
		if o.ClientID == req.ClientID {
			return exchange.Order{}, &exchange.APIError{Venue: "memory", Code: "-2010", Msg: "Duplicate order sent.", Kind: exchange.KindDuplicate}
		}
	}
	v.nextID++
	now := v.now()
	o := exchange.Order{
		Account: v.info.Name, Symbol: req.Symbol, Side: req.Side, Type: req.Type, TIF: req.TIF,
		Price: req.Price, Qty: req.Qty, Filled: decimal.Zero, QuoteFilled: decimal.Zero,
		Status: exchange.StatusNew, ClientID: req.ClientID, OrderID: fmt.Sprint(1000 + v.nextID),
		Created: now, Updated: now,
	}
	if req.Type == exchange.MarketOrder {
		o.Status, o.Filled = exchange.StatusFilled, req.Qty
		o.QuoteFilled = req.Qty.Mul(v.prices[req.Symbol])
	}
	v.orders = append(v.orders, o)
	return o, nil
}

func (v *Venue) find(ref exchange.OrderRef) int {
	return slices.IndexFunc(v.orders, func(o exchange.Order) bool {
		return (ref.ClientID != "" && o.ClientID == ref.ClientID) || (ref.OrderID != "" && o.OrderID == ref.OrderID)
	})
}

func (v *Venue) Cancel(ctx context.Context, ref exchange.OrderRef) (exchange.Order, error) {
	if err := v.enter(ctx, "Cancel"); err != nil {
		return exchange.Order{}, &exchange.AmbiguousError{Op: "cancel", Err: err}
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	i := v.find(ref)
	if i < 0 || !v.orders[i].Status.Open() {
		return exchange.Order{}, &exchange.APIError{Venue: "memory", Code: "-2011", Msg: "Unknown order sent.", Kind: exchange.KindNotFound}
	}
	v.orders[i].Status = exchange.StatusCanceled
	v.orders[i].Updated = v.now()
	return v.orders[i], nil
}

func (v *Venue) Query(ctx context.Context, ref exchange.OrderRef) (exchange.Order, error) {
	if err := v.enter(ctx, "Query"); err != nil {
		return exchange.Order{}, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	i := v.find(ref)
	if i < 0 {
		return exchange.Order{}, exchange.ErrOrderNotFound
	}
	return v.orders[i], nil
}

func (v *Venue) OpenOrders(ctx context.Context, symbol string) ([]exchange.Order, error) {
	if err := v.enter(ctx, "OpenOrders"); err != nil {
		return nil, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	var out []exchange.Order
	for _, o := range v.orders {
		if o.Status.Open() && (symbol == "" || o.Symbol == symbol) {
			out = append(out, o)
		}
	}
	return out, nil
}

// CancelBehindOurBack cancels an order as another client of the venue would,
// so tests can see the poller notice.
func (v *Venue) CancelBehindOurBack(clientID string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if i := v.find(exchange.OrderRef{ClientID: clientID}); i >= 0 {
		v.orders[i].Status = exchange.StatusCanceled
		v.orders[i].Updated = v.now()
	}
}

var _ exchange.Venue = (*Venue)(nil)
