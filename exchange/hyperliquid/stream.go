package hyperliquid

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/wsconn"
)

// Liveness: Hyperliquid closes a connection it has sent nothing on for
// 60 s; a ping makes it answer. vigil pings every 30 s (the SDK: 50 s) and
// gives the pong 10 s.
const (
	defaultPingEvery = 30 * time.Second
	defaultPongWait  = 10 * time.Second
)

// NewStreamer returns c's private stream. Hyperliquid streams by address
// with no login, so it subscribes with the account's address, never the
// agent's (an agent's address streams nothing): orderUpdates (no snapshot:
// the supervisor's resync after every connect reads the open orders and
// asks after the rest), userFills (its first message is a snapshot),
// spotState (balances, whole) and clearinghouseState (positions, whole).
func NewStreamer(c *Client, opts ...wsconn.Option) *wsconn.Streamer {
	def := wsconn.Settings{URL: c.wsURL, HTTPClient: c.hc, PingEvery: defaultPingEvery, PongWait: defaultPongWait}
	return wsconn.NewStreamer(def, c.protocol, opts...)
}

// Stream implements exchange.Streamer with the default heartbeat.
func (c *Client) Stream(ctx context.Context) (exchange.Stream, error) {
	return NewStreamer(c).Stream(ctx)
}

var _ exchange.Streamer = (*Client)(nil)

// channels are the subscriptions, in order.
var channels = []string{"orderUpdates", "userFills", "spotState", "clearinghouseState"}

func (c *Client) protocol(set wsconn.Settings) wsconn.Protocol {
	d := &decoder{c: c, fills: map[string]*fillSum{}}
	subs := make([]wsconn.Request, 0, len(channels))
	for _, ch := range channels {
		sub := map[string]any{"type": ch, "user": c.account.String()}
		if ch == "userFills" {
			sub["aggregateByTime"] = false
		}
		subs = append(subs, wsconn.Request{Op: "subscribe " + ch, Msg: func(int64) (any, error) {
			return map[string]any{"method": "subscribe", "subscription": sub}, nil
		}})
	}
	return wsconn.Protocol{
		Name:     "hyperliquid stream",
		Settings: set,
		Prepare: func(ctx context.Context) error {
			if err := c.needAccount(); err != nil {
				return err
			}
			return c.path.ClockReady(ctx)
		},
		Subscribe: subs,
		Heartbeat: wsconn.Heartbeat{Ping: []byte(`{"method":"ping"}`)},
		Decode:    d.decode,
	}
}

// fillSum is what the connection has seen filled of one order.
type fillSum struct {
	qty, quote decimal.Decimal
}

type decoder struct {
	c     *Client
	mu    sync.Mutex
	fills map[string]*fillSum // by oid
}

type wsIn struct {
	Channel string          `json:"channel"`
	Data    json.RawMessage `json:"data"`
}

type wsFill struct {
	Coin  string `json:"coin"`
	Px    string `json:"px"`
	Sz    string `json:"sz"`
	Side  string `json:"side"`
	Time  int64  `json:"time"`
	Oid   uint64 `json:"oid"`
	Tid   uint64 `json:"tid"`
	Cloid string `json:"cloid"`
}

func (d *decoder) decode(b []byte) (wsconn.Frame, []exchange.StreamEvent, error) {
	var in wsIn
	if err := json.Unmarshal(b, &in); err != nil {
		return wsconn.Frame{}, nil, fmt.Errorf("message is not JSON: %w", err)
	}
	switch in.Channel {
	case "pong":
		return wsconn.Frame{Kind: wsconn.Pong}, nil, nil
	case "subscriptionResponse":
		var ack struct {
			Subscription struct {
				Type string `json:"type"`
			} `json:"subscription"`
		}
		if err := json.Unmarshal(in.Data, &ack); err != nil {
			return wsconn.Frame{}, nil, fmt.Errorf("subscriptionResponse: %w", err)
		}
		return wsconn.Frame{Kind: wsconn.Reply, Op: "subscribe " + ack.Subscription.Type}, nil, nil
	case "error":
		var msg string
		_ = json.Unmarshal(in.Data, &msg)
		return wsconn.Frame{}, nil, &exchange.APIError{Venue: venueName, Code: "stream", Msg: msg, Kind: exchange.KindBadRequest,
			AdviceText: "Hyperliquid refused a stream message: " + msg}
	case "orderUpdates":
		evs, err := d.orders(in.Data)
		return wsconn.Frame{}, evs, err
	case "userFills":
		evs, err := d.userFills(in.Data)
		return wsconn.Frame{}, evs, err
	case "spotState":
		evs, err := d.spot(in.Data)
		return wsconn.Frame{}, evs, err
	case "clearinghouseState":
		evs, err := d.perp(in.Data)
		return wsconn.Frame{}, evs, err
	}
	return wsconn.Frame{}, nil, nil
}

// userFills adds fills to each order's sums. The first message is a
// snapshot of recent fills: it sets the sums and reports nothing (the
// resync after connecting reads the orders themselves).
func (d *decoder) userFills(raw json.RawMessage) ([]exchange.StreamEvent, error) {
	var m struct {
		IsSnapshot bool     `json:"isSnapshot"`
		Fills      []wsFill `json:"fills"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("userFills: %w", err)
	}
	account := d.c.info.Name
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []exchange.StreamEvent
	for _, f := range m.Fills {
		var fs nums
		px, sz := fs.Decimal("px", f.Px), fs.Decimal("sz", f.Sz)
		if err := fs.err(); err != nil {
			return nil, fmt.Errorf("userFills %d: %w", f.Oid, err)
		}
		if !sz.IsPositive() || !px.IsPositive() {
			return nil, fmt.Errorf("userFills %d: size %s at %s", f.Oid, sz, px)
		}
		id := strconv.FormatUint(f.Oid, 10)
		sum := d.fills[id]
		if sum == nil {
			sum = &fillSum{}
			d.fills[id] = sum
		}
		sum.qty, sum.quote = sum.qty.Add(sz), sum.quote.Add(px.Mul(sz))
		if m.IsSnapshot {
			continue
		}
		ts := time.UnixMilli(f.Time)
		o := exchange.Order{Account: account, Symbol: f.Coin, OrderID: id, ClientID: f.Cloid, Side: exchange.Buy,
			Filled: sum.qty, QuoteFilled: sum.quote, Status: exchange.StatusPartiallyFilled, Updated: ts}
		if f.Side == "A" {
			o.Side = exchange.Sell
		}
		ev := exchange.OrderEvent{Account: account, Kind: exchange.EventFill, Order: o, Time: ts,
			LastQty: sz, LastPrice: px, TradeID: strconv.FormatUint(f.Tid, 10)}
		out = append(out, exchange.StreamEvent{Account: account, Order: &ev, Time: ts})
	}
	return out, nil
}

// orders reads orderUpdates: an order's state, its fills priced from the
// sums userFills built (the venue sends the fill first); a fill not yet
// seen is left to the fill's own message.
func (d *decoder) orders(raw json.RawMessage) ([]exchange.StreamEvent, error) {
	var list []struct {
		Order           wireOrder `json:"order"`
		Status          string    `json:"status"`
		StatusTimestamp int64     `json:"statusTimestamp"`
	}
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, fmt.Errorf("orderUpdates: %w", err)
	}
	account := d.c.info.Name
	out := make([]exchange.StreamEvent, 0, len(list))
	for _, u := range list {
		o, err := d.c.order(u.Order, u.Status, u.StatusTimestamp)
		if err != nil {
			return nil, fmt.Errorf("orderUpdates: %w", err)
		}
		d.mu.Lock()
		sum := d.fills[o.OrderID]
		d.mu.Unlock()
		switch {
		case sum == nil:
			o.Filled, o.QuoteFilled = decimal.Zero, decimal.Zero
		case sum.qty.LessThan(o.Filled):
			o.Filled, o.QuoteFilled = sum.qty, sum.quote
		default:
			o.QuoteFilled = sum.quote
		}
		if o.Filled.IsZero() && o.Status == exchange.StatusPartiallyFilled {
			o.Status = exchange.StatusNew
		}
		ev := exchange.OrderEvent{Account: account, Kind: exchange.EventAck, Order: o, Time: o.Updated}
		switch o.Status {
		case exchange.StatusCanceled:
			ev.Kind = exchange.EventCancel
		case exchange.StatusRejected:
			ev.Kind = exchange.EventReject
		}
		out = append(out, exchange.StreamEvent{Account: account, Order: &ev, Time: o.Updated})
	}
	return out, nil
}

// spot reads spotState: every spot balance, whole.
func (d *decoder) spot(raw json.RawMessage) ([]exchange.StreamEvent, error) {
	var m struct {
		SpotState struct {
			Balances []struct {
				Coin  string `json:"coin"`
				Total string `json:"total"`
				Hold  string `json:"hold"`
			} `json:"balances"`
		} `json:"spotState"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("spotState: %w", err)
	}
	var f nums
	bals := make([]exchange.Balance, 0, len(m.SpotState.Balances))
	for _, b := range m.SpotState.Balances {
		total, hold := f.Decimal("total", b.Total), f.Decimal("hold", b.Hold)
		bals = append(bals, exchange.Balance{Asset: b.Coin, Free: total.Sub(hold), Locked: hold})
	}
	if err := f.err(); err != nil {
		return nil, fmt.Errorf("spotState: %w", err)
	}
	return []exchange.StreamEvent{{Account: d.c.info.Name, Balances: bals, Time: d.c.now()}}, nil
}

// perp reads clearinghouseState: the positions, whole, and the perp
// account's USDC when it holds any.
func (d *decoder) perp(raw json.RawMessage) ([]exchange.StreamEvent, error) {
	var m struct {
		ClearinghouseState clearinghouse `json:"clearinghouseState"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("clearinghouseState: %w", err)
	}
	ch := m.ClearinghouseState
	pos, err := d.c.positions(ch)
	if err != nil {
		return nil, err
	}
	ev := exchange.StreamEvent{Account: d.c.info.Name, Positions: pos, Time: time.UnixMilli(ch.Time)}
	var f nums
	value, free := f.Decimal("accountValue", ch.MarginSummary.AccountValue), f.Decimal("withdrawable", ch.Withdrawable)
	if err := f.err(); err != nil {
		return nil, fmt.Errorf("clearinghouseState: %w", err)
	}
	if value.IsPositive() {
		ev.Balances = []exchange.Balance{{Asset: PerpAsset, Free: free, Locked: value.Sub(free)}}
	}
	return []exchange.StreamEvent{ev}, nil
}
