package exchange

import (
	"sort"
	"sync"
	"time"

	"github.com/shopspring/decimal"
)

// OrderState keeps what a cockpit believes about each account's orders and
// balances, fed from private streams and REST snapshots in any order and
// with any overlap. Applying is idempotent and monotone:
//
//   - an order's cumulative filled quantity never goes down and its status
//     never moves to a lower Rank, so a replayed or stale event, or a
//     snapshot older than an event already applied, changes nothing;
//   - a fill is counted once: the quantity lives in the cumulative Filled
//     (never summed from LastQty), and trade ids already seen are reported
//     as duplicates;
//   - a balance carries the venue time it is valid at; older information
//     never overwrites newer.
//
// Safe for concurrent use.
type OrderState struct {
	mu       sync.Mutex
	accounts map[string]*accountState
}

type accountState struct {
	orders map[string]*orderEntry // by venue order id; "c:"+client id until the id is known
	byCID  map[string]string      // client id → key of the newest order that used it
	trades map[string]bool        // symbol + "\x00" + trade id
	bals   map[string]balanceEntry
	ver    uint64
}

type orderEntry struct {
	o   Order
	ver uint64 // account version of the last change
}

type balanceEntry struct {
	b   Balance
	at  time.Time // venue time the value is valid at
	ver uint64
}

// NewOrderState returns an empty keeper.
func NewOrderState() *OrderState {
	return &OrderState{accounts: map[string]*accountState{}}
}

func (s *OrderState) account(name string) *accountState {
	a, ok := s.accounts[name]
	if !ok {
		a = &accountState{orders: map[string]*orderEntry{}, byCID: map[string]string{}, trades: map[string]bool{}, bals: map[string]balanceEntry{}}
		s.accounts[name] = a
	}
	return a
}

// Change is what applying one report did to one order.
type Change struct {
	Order Order // the order as now kept (merged)
	Prev  Order // as kept before; zero when the order is new
	New   bool
	// Added is the filled quantity this report added to the order; zero
	// for a duplicate, stale or non-fill report.
	Added decimal.Decimal
	// Duplicate is a fill whose trade id was already applied.
	Duplicate bool
}

// Changed reports whether the kept order moved.
func (c Change) Changed() bool {
	return c.New || c.Order.Status != c.Prev.Status || !c.Order.Filled.Equal(c.Prev.Filled)
}

// Apply merges one order report (stream event, REST answer, snapshot).
func (s *OrderState) Apply(ev OrderEvent) Change {
	name := ev.Account
	if name == "" {
		name = ev.Order.Account
	}
	n := ev.Order
	n.Account = name
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.account(name)
	var dup bool
	if ev.Kind == EventFill && ev.TradeID != "" {
		tk := n.Symbol + "\x00" + ev.TradeID
		dup = a.trades[tk]
		a.trades[tk] = true
	}
	key, e := a.find(n)
	if e == nil {
		a.ver++
		e = &orderEntry{o: n, ver: a.ver}
		a.put(key, e)
		return Change{Order: n, New: true, Added: n.Filled, Duplicate: dup}
	}
	prev := e.o
	e.o = MergeOrder(prev, n)
	if e.o.OrderID != "" && key != e.o.OrderID {
		delete(a.orders, key)
		key = e.o.OrderID
		a.put(key, e)
	}
	c := Change{Order: e.o, Prev: prev, Duplicate: dup}
	if e.o.Filled.GreaterThan(prev.Filled) {
		c.Added = e.o.Filled.Sub(prev.Filled)
	}
	if c.Changed() {
		a.ver++
		e.ver = a.ver
	}
	return c
}

// find locates the kept order a report is about: by venue id, else by
// client id when the order kept under it is the same one (client ids are
// unique only among open orders on most venues, so an id reused after the
// first order closed names a new order).
func (a *accountState) find(n Order) (string, *orderEntry) {
	if n.OrderID != "" {
		if e, ok := a.orders[n.OrderID]; ok {
			return n.OrderID, e
		}
	}
	if n.ClientID != "" {
		if k, ok := a.byCID[n.ClientID]; ok {
			if e, ok := a.orders[k]; ok && (e.o.OrderID == "" || n.OrderID == "" || e.o.OrderID == n.OrderID) {
				return k, e
			}
		}
	}
	if n.OrderID != "" {
		return n.OrderID, nil
	}
	return "c:" + n.ClientID, nil
}

func (a *accountState) put(key string, e *orderEntry) {
	a.orders[key] = e
	if e.o.ClientID != "" {
		a.byCID[e.o.ClientID] = key
	}
}

// MergeOrder folds a report about an order (a stream event, a REST
// answer, a snapshot) into what is kept about it, without going back. It is
// the one merge: the order state, the desk's journal and the blotter all
// use it, so a late fill, an event out of order or a snapshot older than
// the stream give the same order everywhere.
//
//   - Filled is cumulative: the larger wins (a fill reported after its
//     order's cancel still counts: it happened before the cancel).
//   - The status never moves to a lower Rank; among finals the first word
//     stays, except that an order filled to its quantity is FILLED.
//   - A fill outruns its status: a positive Filled is at least PARTIALLY_FILLED.
//   - A status exchange does not define is the keeper's own conclusion (a
//     journal's CANCEL_REQUESTED, GONE): a report with a status the venue
//     gives replaces it, and the keeper's own rules decide what it keeps.
//   - Descriptive fields the report leaves out are kept.
func MergeOrder(cur, next Order) Order {
	out := cur
	fill := func(dst *string, v string) {
		if *dst == "" {
			*dst = v
		}
	}
	fill(&out.OrderID, next.OrderID)
	fill(&out.ClientID, next.ClientID)
	fill(&out.Symbol, next.Symbol)
	fill(&out.Account, next.Account)
	if out.Side == "" {
		out.Side = next.Side
	}
	if out.Type == "" {
		out.Type = next.Type
	}
	if out.TIF == "" {
		out.TIF = next.TIF
	}
	if out.Price.IsZero() {
		out.Price = next.Price
	}
	if out.Qty.IsZero() {
		out.Qty = next.Qty
	}
	if out.Created.IsZero() {
		out.Created = next.Created
	}
	if next.Updated.After(out.Updated) {
		out.Updated = next.Updated
	}

	if next.Filled.GreaterThan(cur.Filled) {
		out.Filled, out.QuoteFilled = next.Filled, next.QuoteFilled
	} else if next.Filled.Equal(cur.Filled) && next.QuoteFilled.GreaterThan(cur.QuoteFilled) {
		out.QuoteFilled = next.QuoteFilled
	}
	switch {
	case next.Status == "":
	case !cur.Status.reported() && next.Status.reported(),
		next.Status.Rank() > cur.Status.Rank():
		out.Status, out.Reason = next.Status, next.Reason
	}
	if out.Status.reported() {
		// The quantity outruns the status: a fill reported before its
		// order's ack, or completing an order whose cancel came first.
		if out.Status.Rank() < StatusPartiallyFilled.Rank() && out.Filled.IsPositive() {
			out.Status = StatusPartiallyFilled
		}
		if out.Qty.IsPositive() && !out.Filled.LessThan(out.Qty) && out.Status != StatusRejected {
			out.Status = StatusFilled
		}
	}
	if out.Reason == "" && next.Status == out.Status {
		out.Reason = next.Reason
	}
	return out
}

// reported reports whether s is a status exchange defines (a venue's, or
// PENDING and UNKNOWN), not a keeper's own.
func (s OrderStatus) reported() bool {
	switch s {
	case StatusPending, StatusNew, StatusPartiallyFilled, StatusFilled, StatusCanceled,
		StatusRejected, StatusExpired, StatusUnknown:
		return true
	}
	return false
}

// Order returns the kept order with a venue id or client id.
func (s *OrderState) Order(account string, ref OrderRef) (Order, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.account(account)
	_, e := a.find(Order{OrderID: ref.OrderID, ClientID: ref.ClientID})
	if e == nil {
		return Order{}, false
	}
	return e.o, true
}

// Orders lists an account's kept orders, oldest first.
func (s *OrderState) Orders(account string) []Order {
	return s.list(account, func(Order) bool { return true })
}

// Open lists an account's orders kept as open.
func (s *OrderState) Open(account string) []Order {
	return s.list(account, func(o Order) bool { return o.Status.Open() })
}

func (s *OrderState) list(account string, keep func(Order) bool) []Order {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.account(account)
	out := make([]Order, 0, len(a.orders))
	for _, e := range a.orders {
		if keep(e.o) {
			out = append(out, e.o)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Created.Equal(out[j].Created) {
			return out[i].Created.Before(out[j].Created)
		}
		return out[i].OrderID < out[j].OrderID
	})
	return out
}

// Version is a counter that moves whenever anything kept for the account
// changes; OrderVersion and BalanceVersion are per item (zero: unknown).
func (s *OrderState) Version(account string) uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.account(account).ver
}

// OrderVersion is the account version at which the order last changed.
func (s *OrderState) OrderVersion(account string, ref OrderRef) uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, e := s.account(account).find(Order{OrderID: ref.OrderID, ClientID: ref.ClientID}); e != nil {
		return e.ver
	}
	return 0
}

// BalanceVersion is the account version at which the asset last changed.
func (s *OrderState) BalanceVersion(account, asset string) uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.account(account).bals[asset].ver
}

// ApplyBalances merges balances valid at venue time at. A stream event
// (full false) carries only the assets that changed; a snapshot (full true)
// is every non-zero asset, so an asset it leaves out is zero. An asset is
// only overwritten by information at least as new as what is kept; events
// arrive in order, so of two reports in the same millisecond the later one
// is applied last. It reports whether anything changed.
func (s *OrderState) ApplyBalances(account string, bals []Balance, at time.Time, full bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.account(account)
	changed := false
	set := func(b Balance) {
		cur, ok := a.bals[b.Asset]
		if ok && at.Before(cur.at) {
			return
		}
		if !ok || !cur.b.Free.Equal(b.Free) || !cur.b.Locked.Equal(b.Locked) {
			a.ver++
			cur.ver = a.ver
			changed = true
		}
		cur.b, cur.at = b, at
		a.bals[b.Asset] = cur
	}
	seen := make(map[string]bool, len(bals))
	for _, b := range bals {
		seen[b.Asset] = true
		set(b)
	}
	if full {
		for asset := range a.bals {
			if !seen[asset] {
				set(Balance{Asset: asset})
			}
		}
	}
	return changed
}

// Balances lists an account's non-zero balances by asset.
func (s *OrderState) Balances(account string) []Balance {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.account(account)
	out := make([]Balance, 0, len(a.bals))
	for _, e := range a.bals {
		if !e.b.Total().IsZero() {
			out = append(out, e.b)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Asset < out[j].Asset })
	return out
}

// balance is one kept asset and the time it is valid at.
func (s *OrderState) balance(account, asset string) (Balance, time.Time, uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.account(account).bals[asset]
	if e.b.Asset == "" {
		e.b.Asset = asset
	}
	return e.b, e.at, e.ver
}
