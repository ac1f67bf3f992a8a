// Package fakevenue is a small in-memory venue for the order desk's tests:
// Binance's client-id rules (unique among open orders only), faults that
// lose an answer after the order was taken, and an HTTP face so a separate
// process can trade against it and be killed mid-request.
//
// It is deliberately not exchange/sim: the desk's tests need only the
// order-id bookkeeping, and they must count every order ever created per
// client id, which is the property under test.
package fakevenue

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vigil-trade/vigil/exchange"
)

// Fault is what goes wrong with one request.
type Fault int

const (
	None Fault = iota
	// LoseRequest: the request never reaches the matching engine, but the
	// caller cannot tell (a 5xx / timeout after sending).
	LoseRequest
	// LoseResponse: the venue takes the order or cancel, then the answer is
	// lost.
	LoseResponse
	// Refuse: a pre-send failure (local limit, dial error): nothing left.
	Refuse
)

// Exchange holds every order ever created.
type Exchange struct {
	mu     sync.Mutex
	orders []*exchange.Order
	nextID uint64
	now    func() time.Time

	// Fault, when set, picks the fault for each request; op is "place",
	// "cancel" or "query".
	Fault func(op, clientID string) Fault
	// Hidden, when set, says whether a Query should not yet see an order
	// the venue has taken (the matching engine has not settled).
	Hidden  func(clientID string, queries int) bool
	queries map[string]int
}

// New returns an empty exchange; now stamps orders (nil: time.Now).
func New(now func() time.Time) *Exchange {
	if now == nil {
		now = time.Now
	}
	return &Exchange{now: now, nextID: 1 << 53, queries: map[string]int{}}
}

func (x *Exchange) fault(op, id string) Fault {
	if x.Fault == nil {
		return None
	}
	return x.Fault(op, id)
}

// ErrLost is the transport failure a lost request or answer looks like.
var ErrLost = errors.New("connection reset by peer")

// Place takes an order: LIMIT rests as NEW, MARKET fills at once.
func (x *Exchange) Place(req exchange.OrderRequest) (exchange.Order, error) {
	f := x.fault("place", req.ClientID)
	switch f {
	case Refuse:
		return exchange.Order{}, &exchange.LocalLimitError{Account: "fake", Reason: "refused before sending"}
	case LoseRequest:
		return exchange.Order{}, &exchange.AmbiguousError{Op: "place", Err: ErrLost}
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if req.ClientID == "" {
		return exchange.Order{}, &exchange.APIError{Venue: "fake", HTTPStatus: 400, Code: "-1102", Msg: "newClientOrderId required", Kind: exchange.KindBadRequest}
	}
	if req.Qty.Sign() <= 0 {
		return exchange.Order{}, &exchange.APIError{Venue: "fake", HTTPStatus: 400, Code: "-1013", Msg: "Filter failure: LOT_SIZE", Kind: exchange.KindFilter}
	}
	for _, o := range x.orders {
		if o.ClientID == req.ClientID && o.Status.Open() {
			return exchange.Order{}, &exchange.APIError{Venue: "fake", HTTPStatus: 400, Code: "-2010", Msg: "Duplicate order sent.", Kind: exchange.KindDuplicate}
		}
	}
	now := x.now()
	o := &exchange.Order{
		Symbol: req.Symbol, Side: req.Side, Type: req.Type, TIF: req.TIF,
		Price: req.Price, Qty: req.Qty, Filled: decimal.Zero,
		Status: exchange.StatusNew, ClientID: req.ClientID,
		OrderID: strconv.FormatUint(x.nextID, 10), Created: now, Updated: now,
	}
	x.nextID++
	if req.Type == exchange.MarketOrder {
		o.Status, o.Filled = exchange.StatusFilled, req.Qty
	}
	x.orders = append(x.orders, o)
	if f == LoseResponse {
		return exchange.Order{}, &exchange.AmbiguousError{Op: "place", Err: ErrLost}
	}
	return *o, nil
}

// find returns the newest order matching ref, as Binance answers a query by
// a reused client id with the latest order.
func (x *Exchange) find(ref exchange.OrderRef) *exchange.Order {
	for i := len(x.orders) - 1; i >= 0; i-- {
		o := x.orders[i]
		if (ref.ClientID != "" && o.ClientID == ref.ClientID) || (ref.ClientID == "" && ref.OrderID != "" && o.OrderID == ref.OrderID) {
			return o
		}
	}
	return nil
}

// Query looks an order up by client id or order id.
func (x *Exchange) Query(ref exchange.OrderRef) (exchange.Order, error) {
	if x.fault("query", ref.ClientID) == LoseResponse {
		return exchange.Order{}, fmt.Errorf("query: %w", ErrLost)
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	o := x.find(ref)
	if o == nil {
		return exchange.Order{}, exchange.ErrOrderNotFound
	}
	x.queries[o.ClientID]++
	if x.Hidden != nil && x.Hidden(o.ClientID, x.queries[o.ClientID]) {
		return exchange.Order{}, exchange.ErrOrderNotFound
	}
	return *o, nil
}

// Cancel cancels an open order.
func (x *Exchange) Cancel(ref exchange.OrderRef) (exchange.Order, error) {
	f := x.fault("cancel", ref.ClientID)
	switch f {
	case Refuse:
		return exchange.Order{}, &exchange.LocalLimitError{Account: "fake", Reason: "refused before sending"}
	case LoseRequest:
		return exchange.Order{}, &exchange.AmbiguousError{Op: "cancel", Err: ErrLost}
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	o := x.find(ref)
	if o == nil || !o.Status.Open() {
		return exchange.Order{}, &exchange.APIError{Venue: "fake", HTTPStatus: 400, Code: "-2011", Msg: "Unknown order sent.", Kind: exchange.KindNotFound}
	}
	o.Status, o.Updated = exchange.StatusCanceled, x.now()
	if f == LoseResponse {
		return exchange.Order{}, &exchange.AmbiguousError{Op: "cancel", Err: ErrLost}
	}
	return *o, nil
}

// Fill fills an open order completely, as a trade on the book would.
func (x *Exchange) Fill(clientID string) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	o := x.find(exchange.OrderRef{ClientID: clientID})
	if o == nil || !o.Status.Open() {
		return false
	}
	o.Status, o.Filled, o.Updated = exchange.StatusFilled, o.Qty, x.now()
	return true
}

// Orders returns a copy of every order ever created, oldest first.
func (x *Exchange) Orders() []exchange.Order {
	x.mu.Lock()
	defer x.mu.Unlock()
	out := make([]exchange.Order, len(x.orders))
	for i, o := range x.orders {
		out[i] = *o
	}
	return out
}

// Open lists open orders of a symbol ("" for all).
func (x *Exchange) Open(symbol string) []exchange.Order {
	var out []exchange.Order
	for _, o := range x.Orders() {
		if o.Status.Open() && (symbol == "" || o.Symbol == symbol) {
			out = append(out, o)
		}
	}
	return out
}

// Venue is an exchange.Venue over an Exchange, in process.
type Venue struct {
	X       *Exchange
	Account string
}

var _ exchange.Venue = (*Venue)(nil)

func (v *Venue) Info() exchange.AccountInfo {
	return exchange.AccountInfo{Name: v.Account, Venue: "fake", Network: exchange.Testnet}
}
func (v *Venue) SyncClock(context.Context) error { return nil }
func (v *Venue) Clock() exchange.ClockSnapshot   { return exchange.ClockSnapshot{Account: v.Account} }
func (v *Venue) Budget() exchange.BudgetSnapshot { return exchange.BudgetSnapshot{Account: v.Account} }
func (v *Venue) KeyInfo(context.Context) (exchange.KeyInfo, error) {
	return exchange.KeyInfo{}, nil
}
func (v *Venue) Balances(context.Context) ([]exchange.Balance, error) { return nil, nil }
func (v *Venue) Rules(_ context.Context, symbol string) (exchange.SymbolRules, error) {
	return exchange.SymbolRules{Symbol: symbol, Trading: true}, nil
}
func (v *Venue) Symbols(context.Context) ([]string, error) { return []string{"BTCUSDT"}, nil }
func (v *Venue) LastPrice(context.Context, string) (decimal.Decimal, error) {
	return decimal.NewFromInt(60000), nil
}

func (v *Venue) Place(ctx context.Context, req exchange.OrderRequest) (exchange.Order, error) {
	if err := ctx.Err(); err != nil {
		return exchange.Order{}, &exchange.LocalLimitError{Account: v.Account, Reason: err.Error()}
	}
	o, err := v.X.Place(req)
	o.Account = v.Account
	return o, err
}

func (v *Venue) Cancel(ctx context.Context, ref exchange.OrderRef) (exchange.Order, error) {
	if err := ctx.Err(); err != nil {
		return exchange.Order{}, &exchange.LocalLimitError{Account: v.Account, Reason: err.Error()}
	}
	o, err := v.X.Cancel(ref)
	o.Account = v.Account
	return o, err
}

func (v *Venue) Query(ctx context.Context, ref exchange.OrderRef) (exchange.Order, error) {
	if err := ctx.Err(); err != nil {
		return exchange.Order{}, err
	}
	o, err := v.X.Query(ref)
	o.Account = v.Account
	return o, err
}

func (v *Venue) OpenOrders(_ context.Context, symbol string) ([]exchange.Order, error) {
	return v.X.Open(symbol), nil
}
