package sim

import (
	"fmt"
	"strconv"
	"time"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
)

// Error is a rejected operation, venue-neutral: fakes map Kind and Rule to
// their venue's codes.
type Error struct {
	Kind exchange.Kind
	// Rule is the failing symbol rule (exchange.RulePrice, RuleTick, RuleQty,
	// RuleStep, RuleNotional, RuleStatus) for KindFilter, or the offending
	// field ("symbol", "side", "type", "timeInForce", "quantity", "price")
	// for KindBadRequest.
	Rule string
	// Market is set when a quantity rule failed on its market-order variant.
	Market bool
	Msg    string
}

func (e *Error) Error() string {
	if e.Rule != "" {
		return "sim: " + e.Rule + ": " + e.Msg
	}
	return "sim: " + e.Msg
}

// Fill is one execution of an order against the counterparty.
type Fill struct {
	TradeID  uint64
	Price    decimal.Decimal
	Qty      decimal.Decimal
	Fee      decimal.Decimal
	FeeAsset string
	Time     time.Time
	// Maker is set when the order rested on the book before this fill.
	Maker bool
}

type order struct {
	id        uint64
	acct      *account
	o         exchange.Order
	lockAsset string
	lockPrice decimal.Decimal // quote per base locked for a BUY
	locked    decimal.Decimal // still locked for this order
	fills     []Fill
}

func (o *order) remaining() decimal.Decimal { return o.o.Qty.Sub(o.o.Filled) }

// Check validates an order against its symbol's rules without touching any
// account: what a venue's "test order" endpoint does.
func (x *Exchange) Check(req exchange.OrderRequest) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	_, err := x.checkLocked(req)
	return err
}

func (x *Exchange) checkLocked(req exchange.OrderRequest) (*market, error) {
	m, ok := x.markets[req.Symbol]
	if !ok {
		return nil, &Error{Kind: exchange.KindBadRequest, Rule: "symbol", Msg: "unknown symbol " + req.Symbol}
	}
	r := m.rules
	if !r.Trading {
		return nil, &Error{Kind: exchange.KindFilter, Rule: exchange.RuleStatus, Msg: req.Symbol + " is not trading"}
	}
	if req.Side != exchange.Buy && req.Side != exchange.Sell {
		return nil, &Error{Kind: exchange.KindBadRequest, Rule: "side", Msg: "bad side " + string(req.Side)}
	}
	if !req.Qty.IsPositive() {
		return nil, &Error{Kind: exchange.KindBadRequest, Rule: "quantity", Msg: "quantity must be positive"}
	}
	bad := func(rule string, market bool, format string, a ...any) error {
		return &Error{Kind: exchange.KindFilter, Rule: rule, Market: market, Msg: fmt.Sprintf(format, a...)}
	}
	var ref decimal.Decimal
	switch req.Type {
	case exchange.LimitOrder:
		switch req.TIF {
		case exchange.GTC, exchange.IOC, exchange.FOK:
		default:
			return nil, &Error{Kind: exchange.KindBadRequest, Rule: "timeInForce", Msg: "bad time in force " + string(req.TIF)}
		}
		p := req.Price
		if !p.IsPositive() {
			return nil, &Error{Kind: exchange.KindBadRequest, Rule: "price", Msg: "limit price must be positive"}
		}
		if r.MinPrice.IsPositive() && p.LessThan(r.MinPrice) {
			return nil, bad(exchange.RulePrice, false, "price %s below %s", p, r.MinPrice)
		}
		if r.MaxPrice.IsPositive() && p.GreaterThan(r.MaxPrice) {
			return nil, bad(exchange.RulePrice, false, "price %s above %s", p, r.MaxPrice)
		}
		if r.TickSize.IsPositive() && !p.Sub(r.MinPrice).Mod(r.TickSize).IsZero() {
			return nil, bad(exchange.RuleTick, false, "price %s not a multiple of tick %s", p, r.TickSize)
		}
		ref = p
	case exchange.MarketOrder:
		ref = m.price
	default:
		return nil, &Error{Kind: exchange.KindBadRequest, Rule: "type", Msg: "bad order type " + string(req.Type)}
	}
	if err := checkLot(req.Qty, r.MinQty, r.MaxQty, r.StepSize, false); err != nil {
		return nil, err
	}
	if req.Type == exchange.MarketOrder {
		step := r.MarketStep
		if step.IsZero() {
			step = r.StepSize
		}
		if err := checkLot(req.Qty, r.MarketMinQty, r.MarketMaxQty, step, true); err != nil {
			return nil, err
		}
	}
	if req.Type == exchange.LimitOrder || r.NotionalAppliesToMarket {
		n := ref.Mul(req.Qty)
		if r.MinNotional.IsPositive() && n.LessThan(r.MinNotional) {
			return nil, bad(exchange.RuleNotional, req.Type == exchange.MarketOrder, "notional %s below %s", n, r.MinNotional)
		}
		if r.MaxNotional.IsPositive() && n.GreaterThan(r.MaxNotional) {
			return nil, bad(exchange.RuleNotional, req.Type == exchange.MarketOrder, "notional %s above %s", n, r.MaxNotional)
		}
	}
	return m, nil
}

func checkLot(q, minQ, maxQ, step decimal.Decimal, market bool) error {
	switch {
	case minQ.IsPositive() && q.LessThan(minQ):
		return &Error{Kind: exchange.KindFilter, Rule: exchange.RuleQty, Market: market, Msg: fmt.Sprintf("quantity %s below %s", q, minQ)}
	case maxQ.IsPositive() && q.GreaterThan(maxQ):
		return &Error{Kind: exchange.KindFilter, Rule: exchange.RuleQty, Market: market, Msg: fmt.Sprintf("quantity %s above %s", q, maxQ)}
	case step.IsPositive() && !q.Sub(minQ).Mod(step).IsZero():
		return &Error{Kind: exchange.KindFilter, Rule: exchange.RuleStep, Market: market, Msg: fmt.Sprintf("quantity %s not a multiple of step %s", q, step)}
	}
	return nil
}

// Place accepts or rejects an order for account and runs it against the
// counterparty at once: marketable orders fill (up to the max fill) at the
// current price; IOC and market remainders expire; FOK fills whole or
// expires; GTC remainders rest. It returns the order as it stands after that
// first pass and the fills it got.
//
// A rejected order gets no id and is not kept; it still yields a REJECT event
// so that venues whose private streams report rejects can show one.
func (x *Exchange) Place(account string, req exchange.OrderRequest) (exchange.Order, []Fill, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	a := x.accountLocked(account)
	now := x.clock.now()
	reject := func(err error) (exchange.Order, []Fill, error) {
		ro := orderFromRequest(account, req, now)
		ro.Status = exchange.StatusRejected
		ro.Reason = err.Error()
		x.emitOrderLocked(a, exchange.OrderEvent{Account: account, Kind: exchange.EventReject, Order: ro, Time: now}, 0, Fill{})
		return ro, nil, err
	}
	m, err := x.checkLocked(req)
	if err != nil {
		return reject(err)
	}
	if req.ClientID != "" {
		for _, o := range a.byCID[req.ClientID] {
			if o.o.Status.Open() {
				return reject(&Error{Kind: exchange.KindDuplicate, Msg: "client order id " + req.ClientID + " is in use by an open order"})
			}
		}
	}
	o := &order{id: x.nextID, acct: a}
	o.o = orderFromRequest(account, req, now)
	o.o.OrderID = strconv.FormatUint(o.id, 10)
	if o.o.ClientID == "" {
		o.o.ClientID = "sim-" + o.o.OrderID
	}
	if req.Type == exchange.MarketOrder {
		o.o.Price = decimal.Zero
		o.o.TIF = ""
	}
	if req.Side == exchange.Buy {
		o.lockAsset = m.rules.Quote
		o.lockPrice = req.Price
		if req.Type == exchange.MarketOrder {
			o.lockPrice = m.price
		}
		o.locked = req.Qty.Mul(o.lockPrice)
	} else {
		o.lockAsset = m.rules.Base
		o.locked = req.Qty
	}
	if !x.lockLocked(a, o.lockAsset, o.locked) {
		return reject(&Error{Kind: exchange.KindBalance, Msg: fmt.Sprintf("insufficient %s: need %s", o.lockAsset, o.locked)})
	}
	x.nextID++
	a.orders = append(a.orders, o)
	a.byID[o.id] = o
	a.byCID[o.o.ClientID] = append(a.byCID[o.o.ClientID], o)
	x.emitOrderLocked(a, exchange.OrderEvent{Account: account, Kind: exchange.EventAck, Order: o.o, Time: now}, o.id, Fill{})
	x.emitBalancesLocked(a)

	p := m.price
	marketable := req.Type == exchange.MarketOrder ||
		(req.Side == exchange.Buy && req.Price.GreaterThanOrEqual(p)) ||
		(req.Side == exchange.Sell && req.Price.LessThanOrEqual(p))
	var fills []Fill
	switch {
	case req.Type == exchange.LimitOrder && req.TIF == exchange.FOK:
		if marketable && (x.cfg.maxFill.IsZero() || req.Qty.LessThanOrEqual(x.cfg.maxFill)) {
			fills = append(fills, x.fillLocked(m, o, req.Qty, p, false))
		} else {
			x.expireLocked(o, "FOK could not fill in full")
		}
	case req.Type == exchange.MarketOrder || req.TIF == exchange.IOC:
		if marketable {
			fills = append(fills, x.fillLocked(m, o, x.chunk(o), p, false))
		}
		if o.o.Status.Open() {
			x.expireLocked(o, "IOC remainder")
		}
	default:
		if marketable {
			fills = append(fills, x.fillLocked(m, o, x.chunk(o), p, false))
		}
		if o.o.Status.Open() {
			m.open = append(m.open, o)
		}
	}
	return o.o, fills, nil
}

func orderFromRequest(account string, req exchange.OrderRequest, now time.Time) exchange.Order {
	return exchange.Order{
		Account:  account,
		Symbol:   req.Symbol,
		Side:     req.Side,
		Type:     req.Type,
		TIF:      req.TIF,
		Price:    req.Price,
		Qty:      req.Qty,
		Status:   exchange.StatusNew,
		ClientID: req.ClientID,
		Created:  now,
		Updated:  now,
	}
}

func (x *Exchange) chunk(o *order) decimal.Decimal {
	rem := o.remaining()
	if x.cfg.maxFill.IsPositive() && rem.GreaterThan(x.cfg.maxFill) {
		return x.cfg.maxFill
	}
	return rem
}

// fillLocked executes qty of o at price against the counterparty.
func (x *Exchange) fillLocked(m *market, o *order, qty, price decimal.Decimal, maker bool) Fill {
	a := o.acct
	now := x.clock.now()
	base, quote := m.rules.Base, m.rules.Quote
	quoteAmt := qty.Mul(price)
	f := Fill{TradeID: x.nextTrade, Price: price, Qty: qty, Time: now, Maker: maker}
	x.nextTrade++
	if o.o.Side == exchange.Buy {
		reserved := qty.Mul(o.lockPrice)
		x.payLocked(a, quote, quoteAmt, true)
		x.unlockLocked(a, quote, reserved.Sub(quoteAmt))
		o.locked = o.locked.Sub(reserved)
		x.receiveLocked(a, base, qty)
		f.FeeAsset = base
		f.Fee = qty.Mul(x.cfg.feeRate).RoundDown(8)
		if f.Fee.IsPositive() {
			x.payLocked(a, base, f.Fee, false)
		}
	} else {
		x.payLocked(a, base, qty, true)
		o.locked = o.locked.Sub(qty)
		x.receiveLocked(a, quote, quoteAmt)
		f.FeeAsset = quote
		f.Fee = quoteAmt.Mul(x.cfg.feeRate).RoundDown(8)
		if f.Fee.IsPositive() {
			x.payLocked(a, quote, f.Fee, false)
		}
	}
	o.o.Filled = o.o.Filled.Add(qty)
	o.o.QuoteFilled = o.o.QuoteFilled.Add(quoteAmt)
	o.o.Updated = now
	if o.remaining().IsZero() {
		o.o.Status = exchange.StatusFilled
		// A BUY's rounding leftovers (none with exact decimals, but keep the
		// ledger honest) go back to free.
		x.unlockLocked(a, o.lockAsset, o.locked)
		o.locked = decimal.Zero
	} else {
		o.o.Status = exchange.StatusPartiallyFilled
	}
	o.fills = append(o.fills, f)
	x.emitOrderLocked(a, exchange.OrderEvent{
		Account: a.name, Kind: exchange.EventFill, Order: o.o,
		LastQty: qty, LastPrice: price, TradeID: strconv.FormatUint(f.TradeID, 10), Time: now,
	}, o.id, f)
	x.emitBalancesLocked(a)
	return f
}

func (x *Exchange) expireLocked(o *order, reason string) {
	x.closeLocked(o, exchange.StatusExpired, exchange.EventExpire, reason)
}

func (x *Exchange) closeLocked(o *order, st exchange.OrderStatus, kind exchange.EventKind, reason string) {
	now := x.clock.now()
	x.unlockLocked(o.acct, o.lockAsset, o.locked)
	o.locked = decimal.Zero
	o.o.Status = st
	o.o.Reason = reason
	o.o.Updated = now
	if m, ok := x.markets[o.o.Symbol]; ok {
		for i, r := range m.open {
			if r == o {
				m.open = append(m.open[:i:i], m.open[i+1:]...)
				break
			}
		}
	}
	x.emitOrderLocked(o.acct, exchange.OrderEvent{Account: o.acct.name, Kind: kind, Order: o.o, Time: now}, o.id, Fill{})
	x.emitBalancesLocked(o.acct)
}

// matchRestingLocked fills resting orders the current price crosses, oldest
// first, one chunk each.
func (x *Exchange) matchRestingLocked(m *market) {
	p := m.price
	open := append([]*order(nil), m.open...)
	for _, o := range open {
		crossed := (o.o.Side == exchange.Buy && p.LessThanOrEqual(o.o.Price)) ||
			(o.o.Side == exchange.Sell && p.GreaterThanOrEqual(o.o.Price))
		if !crossed {
			continue
		}
		// A resting order is the maker: it trades at its own price.
		x.fillLocked(m, o, x.chunk(o), o.o.Price, true)
		if !o.o.Status.Open() {
			x.dropOpenLocked(m, o)
		}
	}
}

func (x *Exchange) dropOpenLocked(m *market, o *order) {
	for i, r := range m.open {
		if r == o {
			m.open = append(m.open[:i:i], m.open[i+1:]...)
			return
		}
	}
}

func notFound(format string, a ...any) error {
	return &Error{Kind: exchange.KindNotFound, Msg: fmt.Sprintf(format, a...)}
}

// Cancel cancels an open order by id. An unknown or already final order is a
// KindNotFound error.
func (x *Exchange) Cancel(account string, id uint64) (exchange.Order, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	a, ok := x.accounts[account]
	if !ok {
		return exchange.Order{}, notFound("no order %d", id)
	}
	o, ok := a.byID[id]
	if !ok {
		return exchange.Order{}, notFound("no order %d", id)
	}
	return x.cancelLocked(o)
}

// CancelByClientID cancels the open order with this client id.
func (x *Exchange) CancelByClientID(account, clientID string) (exchange.Order, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	a, ok := x.accounts[account]
	if !ok {
		return exchange.Order{}, notFound("no order %q", clientID)
	}
	list := a.byCID[clientID]
	for i := len(list) - 1; i >= 0; i-- {
		if list[i].o.Status.Open() {
			return x.cancelLocked(list[i])
		}
	}
	return exchange.Order{}, notFound("no open order %q", clientID)
}

func (x *Exchange) cancelLocked(o *order) (exchange.Order, error) {
	if !o.o.Status.Open() {
		return o.o, notFound("order %d is %s", o.id, o.o.Status)
	}
	x.closeLocked(o, exchange.StatusCanceled, exchange.EventCancel, "canceled by user")
	return o.o, nil
}

// OrderByID looks an order up by id, open or not.
func (x *Exchange) OrderByID(account string, id uint64) (exchange.Order, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if a, ok := x.accounts[account]; ok {
		if o, ok := a.byID[id]; ok {
			return o.o, true
		}
	}
	return exchange.Order{}, false
}

// OrderByClientID returns the latest order placed with this client id.
func (x *Exchange) OrderByClientID(account, clientID string) (exchange.Order, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if a, ok := x.accounts[account]; ok {
		if list := a.byCID[clientID]; len(list) > 0 {
			return list[len(list)-1].o, true
		}
	}
	return exchange.Order{}, false
}

// Fills returns an order's executions.
func (x *Exchange) Fills(account string, id uint64) []Fill {
	x.mu.Lock()
	defer x.mu.Unlock()
	if a, ok := x.accounts[account]; ok {
		if o, ok := a.byID[id]; ok {
			return append([]Fill(nil), o.fills...)
		}
	}
	return nil
}

// Orders returns every order the account ever placed (accepted ones), oldest
// first, with their current status.
func (x *Exchange) Orders(account string) []exchange.Order {
	x.mu.Lock()
	defer x.mu.Unlock()
	a, ok := x.accounts[account]
	if !ok {
		return nil
	}
	out := make([]exchange.Order, len(a.orders))
	for i, o := range a.orders {
		out[i] = o.o
	}
	return out
}

// OpenOrders returns the account's open orders, oldest first; symbol ""
// means all symbols.
func (x *Exchange) OpenOrders(account, symbol string) []exchange.Order {
	x.mu.Lock()
	defer x.mu.Unlock()
	a, ok := x.accounts[account]
	if !ok {
		return nil
	}
	var out []exchange.Order
	for _, o := range a.orders {
		if o.o.Status.Open() && (symbol == "" || o.o.Symbol == symbol) {
			out = append(out, o.o)
		}
	}
	return out
}

// ClientIDCount is how many accepted orders carry this client id: a test that
// retries a placement asserts it stays at one.
func (x *Exchange) ClientIDCount(account, clientID string) int {
	x.mu.Lock()
	defer x.mu.Unlock()
	if a, ok := x.accounts[account]; ok {
		return len(a.byCID[clientID])
	}
	return 0
}

// ParseOrderID turns an exchange.Order's OrderID back into the sim's number.
func ParseOrderID(s string) (uint64, error) { return strconv.ParseUint(s, 10, 64) }
