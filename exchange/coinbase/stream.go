package coinbase

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/wsconn"
)

// Liveness: Coinbase closes a channel after 60–90 s without an update
// unless heartbeats is subscribed; vigil subscribes it and proves the
// connection with WebSocket pings every 10 s, the pong given 10 s.
const (
	defaultPingEvery = 10 * time.Second
	defaultPongWait  = 10 * time.Second
)

// SnapshotBatch is how many orders one snapshot message holds at most:
// the snapshot is done at the first message with fewer.
const SnapshotBatch = 50

// NewStreamer returns c's private stream: the user channel (every
// product), subscribed with a JWT signed for that message, and
// heartbeats, with another. Coinbase streams orders only: balances are
// polled over REST (the supervisor's audits; BalancesPolled).
func NewStreamer(c *Client, opts ...wsconn.Option) *wsconn.Streamer {
	def := wsconn.Settings{URL: c.wsURL, HTTPClient: c.hc, PingEvery: defaultPingEvery, PongWait: defaultPongWait}
	return wsconn.NewStreamer(def, c.protocol, opts...)
}

// Stream implements exchange.Streamer with the default heartbeat.
func (c *Client) Stream(ctx context.Context) (exchange.Stream, error) {
	return NewStreamer(c).Stream(ctx)
}

var _ exchange.Streamer = (*Client)(nil)

// wsSubscribe is a subscribe message; product_ids omitted means every
// product.
type wsSubscribe struct {
	Type    string `json:"type"`
	Channel string `json:"channel"`
	JWT     string `json:"jwt"`
}

// wsToken is a token for one subscribe: no uri, stamped now on the
// venue's clock as estimated.
func (c *Client) wsToken() (string, error) {
	return c.key.Token(ClaimsAt(c.key.name, c.clock.Stamp(), ""))
}

func (c *Client) protocol(set wsconn.Settings) wsconn.Protocol {
	subscribe := func(channel string) func(int64) (any, error) {
		return func(int64) (any, error) {
			tok, err := c.wsToken()
			if err != nil {
				return nil, err
			}
			return wsSubscribe{Type: "subscribe", Channel: channel, JWT: tok}, nil
		}
	}
	return wsconn.Protocol{
		Name:     "coinbase stream",
		Settings: set,
		Prepare: func(ctx context.Context) error {
			if c.key == nil {
				if c.legacy != nil {
					return errors.New("a legacy HMAC key has no stream in vigil (Coinbase's user channel takes CDP keys' tokens): make a CDP key (ES256)")
				}
				return errors.New("the private stream needs an API key")
			}
			return c.path.ClockReady(ctx)
		},
		// The user channel's subscribe is what authenticates: a refused
		// token fails it as a login.
		Login:        []wsconn.Request{{Op: "subscribe", Msg: subscribe("user")}},
		LoginRefused: c.loginRefused,
		Subscribe:    []wsconn.Request{{Op: "subscribe", Msg: subscribe("heartbeats")}},
		PollBalances: true,
		Decode:       c.classifier(),
	}
}

// loginRefused re-measures the clock after a refusal taken for the
// token's time.
func (c *Client) loginRefused(err error) {
	if exchange.KindOf(err) == exchange.KindClock {
		c.clock.Invalidate("coinbase stream: token refused")
	}
}

// wsRefusal classifies {"type":"error"}: Coinbase says "authentication
// failure" alike for a token outside its window and a wrong key, so the
// first is taken for the clock (measured again before the next login)
// and one after that, with the clock just measured, for the key.
func (c *Client) wsRefusal(msg string) *exchange.APIError {
	ae := &exchange.APIError{Venue: venueName, Code: "error", Msg: msg, Kind: exchange.KindOther,
		AdviceText: "Coinbase refused the stream request: " + msg}
	if !strings.Contains(strings.ToLower(msg), "auth") {
		return ae
	}
	ae.Code = ErrUnauthenticated
	if c.wsSuspect.CompareAndSwap(false, true) {
		ae.Kind = exchange.KindClock
		ae.AdviceText = "Coinbase refused the subscription's token (" + msg + "; it says this alike for a token outside its two-minute window and a wrong key): vigil measures Coinbase's clock again before the next login."
		return ae
	}
	c.wsSuspect.Store(false)
	ae.Kind = exchange.KindAuth
	ae.AdviceText = "Coinbase refused the subscription's token again with the clock just measured: the key name does not belong to the private key, the key was deleted, or it lacks View permission."
	return ae
}

type wsIn struct {
	Type      string          `json:"type"`
	Message   string          `json:"message"`
	Channel   string          `json:"channel"`
	Timestamp string          `json:"timestamp"`
	Sequence  *int64          `json:"sequence_num"`
	Events    json.RawMessage `json:"events"`
}

func (c *Client) classifier() func([]byte) (wsconn.Frame, []exchange.StreamEvent, error) {
	d := &userDecoder{c: c, known: map[string]wireUserOrder{}, last: -1}
	return func(b []byte) (wsconn.Frame, []exchange.StreamEvent, error) {
		var in wsIn
		if err := json.Unmarshal(b, &in); err != nil {
			return wsconn.Frame{}, nil, fmt.Errorf("message is not JSON: %w", err)
		}
		if in.Type == "error" {
			return wsconn.Frame{Kind: wsconn.Reply, Op: "subscribe", Refusal: c.wsRefusal(in.Message)}, nil, nil
		}
		if err := d.sequence(in.Sequence); err != nil {
			return wsconn.Frame{}, nil, err
		}
		switch in.Channel {
		case "subscriptions":
			c.wsSuspect.Store(false)
			return wsconn.Frame{Kind: wsconn.Reply, Op: "subscribe"}, nil, nil
		case "user":
			evs, err := d.decode(in)
			return wsconn.Frame{}, evs, err
		}
		return wsconn.Frame{}, nil, nil // heartbeats
	}
}

// wireUserOrder is an order of the user channel: every value a string.
type wireUserOrder struct {
	OrderID            string `json:"order_id"`
	ClientOrderID      string `json:"client_order_id"`
	ProductID          string `json:"product_id"`
	OrderSide          string `json:"order_side"`
	OrderType          string `json:"order_type"`
	Status             string `json:"status"`
	LimitPrice         string `json:"limit_price"`
	CumulativeQuantity string `json:"cumulative_quantity"`
	LeavesQuantity     string `json:"leaves_quantity"`
	AvgPrice           string `json:"avg_price"`
	FilledValue        string `json:"filled_value"`
	NumberOfFills      string `json:"number_of_fills"`
	TimeInForce        string `json:"time_in_force"`
	CreationTime       string `json:"creation_time"`
	CancelReason       string `json:"cancel_reason"`
	RejectReason       string `json:"reject_reason"`
}

type userEvent struct {
	Type   string          `json:"type"`
	Orders []wireUserOrder `json:"orders"`
}

// userDecoder keeps, per connection, each order's last state (a fill is
// the growth of cumulative_quantity) and the last sequence number.
type userDecoder struct {
	c     *Client
	mu    sync.Mutex
	known map[string]wireUserOrder
	last  int64
}

// sequence ends the stream at a gap: a lost user message is lost state,
// which a new connection's snapshot and the resync after it recover.
func (d *userDecoder) sequence(n *int64) error {
	if n == nil {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.last >= 0 && *n > d.last+1 {
		return fmt.Errorf("sequence gap: %d after %d: a message was lost", *n, d.last)
	}
	d.last = max(d.last, *n)
	return nil
}

func (d *userDecoder) decode(in wsIn) ([]exchange.StreamEvent, error) {
	var evs []userEvent
	if err := json.Unmarshal(in.Events, &evs); err != nil {
		return nil, fmt.Errorf("user: %w", err)
	}
	ts, _ := time.Parse(time.RFC3339Nano, in.Timestamp)
	d.mu.Lock()
	defer d.mu.Unlock()
	account := d.c.info.Name
	var out []exchange.StreamEvent
	for _, e := range evs {
		snapshot := e.Type == "snapshot"
		for _, w := range e.Orders {
			if w.OrderID == "" {
				continue
			}
			prev, seen := d.known[w.OrderID]
			d.known[w.OrderID] = w
			ev, err := d.event(account, w, prev, seen, ts)
			if err != nil {
				return nil, fmt.Errorf("user %s: %w", w.OrderID, err)
			}
			d.c.remember(w.ClientOrderID, w.OrderID)
			out = append(out, exchange.StreamEvent{Account: account, Order: &ev, Time: ts, Snapshot: snapshot})
		}
	}
	return out, nil
}

func (d *userDecoder) event(account string, w, prev wireUserOrder, seen bool, ts time.Time) (exchange.OrderEvent, error) {
	var errs []error
	dec := func(name, s string) decimal.Decimal {
		if s == "" {
			return decimal.Zero
		}
		v, err := decimal.NewFromString(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s %q: %w", name, s, err))
		}
		return v
	}
	cum, leaves := dec("cumulative_quantity", w.CumulativeQuantity), dec("leaves_quantity", w.LeavesQuantity)
	value := dec("filled_value", w.FilledValue)
	if value.IsZero() && cum.IsPositive() {
		value = cum.Mul(dec("avg_price", w.AvgPrice))
	}
	o := exchange.Order{
		Account: account, Symbol: w.ProductID, ClientID: w.ClientOrderID, OrderID: w.OrderID,
		Side: exchange.Side(strings.ToUpper(w.OrderSide)), Type: exchange.OrderType(strings.ToUpper(w.OrderType)),
		Qty: cum.Add(leaves), Filled: cum, QuoteFilled: value,
		Status: StatusOf(w.Status, cum.IsPositive()), Created: timeOf(w.CreationTime), Updated: ts,
		Reason: firstOf(w.RejectReason, w.CancelReason),
	}
	if seen {
		// An order that ended may show nothing left: its size is what it
		// was while it lived.
		o.Qty = decimal.Max(o.Qty, dec("cumulative_quantity", prev.CumulativeQuantity).Add(dec("leaves_quantity", prev.LeavesQuantity)))
	}
	if o.Type == exchange.LimitOrder {
		o.Price = dec("limit_price", w.LimitPrice)
		o.TIF = TIFOf(w.TimeInForce)
	}
	ev := exchange.OrderEvent{Account: account, Order: o, Time: ts}
	prevCum := decimal.Zero
	prevValue := decimal.Zero
	if seen {
		prevCum = dec("cumulative_quantity", prev.CumulativeQuantity)
		prevValue = dec("filled_value", prev.FilledValue)
		if prevValue.IsZero() && prevCum.IsPositive() {
			prevValue = prevCum.Mul(dec("avg_price", prev.AvgPrice))
		}
	}
	switch {
	case seen && cum.GreaterThan(prevCum):
		ev.Kind = exchange.EventFill
		ev.LastQty = cum.Sub(prevCum)
		ev.LastPrice = value.Sub(prevValue).Div(ev.LastQty)
		ev.TradeID = w.OrderID + "#" + w.NumberOfFills
	case o.Status == exchange.StatusCanceled:
		ev.Kind = exchange.EventCancel
	case o.Status == exchange.StatusExpired:
		ev.Kind = exchange.EventExpire
	case o.Status == exchange.StatusRejected:
		ev.Kind = exchange.EventReject
	default:
		ev.Kind = exchange.EventAck
	}
	if err := errors.Join(append(errs, exchange.CheckOrder(o))...); err != nil {
		return ev, err
	}
	return ev, nil
}

// BalancesPolled: Coinbase pushes no spot balances on any stream; the
// balances pane says they are polled.
func (c *Client) BalancesPolled() bool { return true }

var _ exchange.BalancesPolled = (*Client)(nil)
