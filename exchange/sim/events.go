package sim

import (
	"sort"
	"time"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
)

// EventType says what an Event carries.
type EventType int

const (
	// OrderChanged: Order holds the order after the change.
	OrderChanged EventType = iota + 1
	// BalanceChanged: Balances holds the assets that changed, as they now
	// stand.
	BalanceChanged
)

// Event is one change on one account. Seq increases by one per event of
// the account, whether or not anyone is subscribed, so a gap tells a
// subscriber it missed something.
type Event struct {
	Seq     uint64
	Time    time.Time // server clock
	Account string
	Type    EventType

	Order    exchange.OrderEvent // OrderChanged
	OrderID  uint64              // OrderChanged; zero for a rejected placement
	Fee      decimal.Decimal     // OrderChanged with a fill
	FeeAsset string
	Maker    bool // the fill was against an order resting on the book

	Balances []exchange.Balance // BalanceChanged
}

type subscription struct {
	ch     chan Event
	closed bool
}

// Subscribe returns a channel of every later event of the account, in order,
// and a cancel func that ends the subscription and closes the channel.
//
// Events are never dropped silently: a subscriber that falls a full buffer
// behind (WithEventBuffer) has its channel closed without cancel having been
// called. A stream fake treats that as a dropped connection; its client
// must resynchronise, exactly as after a real disconnect.
func (x *Exchange) Subscribe(account string) (<-chan Event, func()) {
	x.mu.Lock()
	defer x.mu.Unlock()
	a := x.accountLocked(account)
	s := &subscription{ch: make(chan Event, x.cfg.eventBuffer)}
	a.subs = append(a.subs, s)
	cancel := func() {
		x.mu.Lock()
		defer x.mu.Unlock()
		x.unsubscribeLocked(a, s)
	}
	return s.ch, cancel
}

func (x *Exchange) unsubscribeLocked(a *account, s *subscription) {
	for i, t := range a.subs {
		if t == s {
			a.subs = append(a.subs[:i:i], a.subs[i+1:]...)
			break
		}
	}
	if !s.closed {
		s.closed = true
		close(s.ch)
	}
}

// Seq is the sequence number of the account's latest event.
func (x *Exchange) Seq(account string) uint64 {
	x.mu.Lock()
	defer x.mu.Unlock()
	if a, ok := x.accounts[account]; ok {
		return a.seq
	}
	return 0
}

func (x *Exchange) publishLocked(a *account, e Event) {
	a.seq++
	e.Seq = a.seq
	e.Account = a.name
	for _, s := range append([]*subscription(nil), a.subs...) {
		select {
		case s.ch <- e:
		default:
			x.unsubscribeLocked(a, s)
		}
	}
}

func (x *Exchange) emitOrderLocked(a *account, oe exchange.OrderEvent, id uint64, f Fill) {
	x.publishLocked(a, Event{
		Time: oe.Time, Type: OrderChanged, Order: oe, OrderID: id,
		Fee: f.Fee, FeeAsset: f.FeeAsset, Maker: f.Maker,
	})
}

// emitBalancesLocked publishes the assets touched since the last balance
// event, if any.
func (x *Exchange) emitBalancesLocked(a *account) {
	if len(a.changed) == 0 {
		return
	}
	bs := make([]exchange.Balance, 0, len(a.changed))
	for asset := range a.changed {
		bs = append(bs, a.balance(asset))
	}
	sort.Slice(bs, func(i, j int) bool { return bs[i].Asset < bs[j].Asset })
	a.changed = map[string]bool{}
	x.publishLocked(a, Event{Time: x.clock.now(), Type: BalanceChanged, Balances: bs})
}
