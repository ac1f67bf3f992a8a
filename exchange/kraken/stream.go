package kraken

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/wsconn"
)

// Liveness: Kraken closes a connection after about a minute without a
// message from the client and sends a heartbeat each second when it has
// nothing else; vigil pings every 10 s (ccxt: 6 s) and gives the pong 10 s.
const (
	defaultPingEvery = 10 * time.Second
	defaultPongWait  = 10 * time.Second
)

// NewStreamer returns c's private stream: a token from
// GetWebSocketsToken (a signed REST call, so it takes a nonce like any
// other), then the executions channel with the open orders' snapshot and
// the balances channel with the balances' snapshot.
//
// The balances channel sends an asset's new total after each ledger entry
// (a fill, a fee, a deposit) but never what open orders hold. A REST
// refresh per update cannot be emitted from here (events come only from a
// decoded message) and would cost a call of the private counter per
// ledger entry, so each total is split with the hold of the latest
// BalanceEx, which Prepare reads before every connection: the total, and
// so what a fill did to the account, is seen as soon as Kraken says it;
// the split is the venue's, as of that read, and exact again once the
// executions channel has seen every open order close (nothing is held).
// Otherwise an order placed or filled since moves the hold without a
// message here, so the supervisor still polls BalanceEx at each audit
// (PollBalances) and that snapshot sets free and locked right; were the
// stream audited against REST instead, a moved hold would be taken for a
// silent stream.
func NewStreamer(c *Client, opts ...wsconn.Option) *wsconn.Streamer {
	def := wsconn.Settings{URL: c.wsURL, HTTPClient: c.hc, PingEvery: defaultPingEvery, PongWait: defaultPongWait}
	return wsconn.NewStreamer(def, c.protocol, opts...)
}

// Stream implements exchange.Streamer with the default heartbeat.
func (c *Client) Stream(ctx context.Context) (exchange.Stream, error) {
	return NewStreamer(c).Stream(ctx)
}

var _ exchange.Streamer = (*Client)(nil)

// wsToken fetches a token for one connection: Kraken's guide says to get
// a fresh one before each connection.
func (c *Client) wsToken(ctx context.Context) (string, error) {
	var res struct {
		Token string `json:"token"`
	}
	r := private("/0/private/GetWebSocketsToken")
	r.cost = c.rates.private(exchange.Interactive)
	if err := c.do(ctx, r, &res); err != nil {
		return "", err
	}
	if res.Token == "" {
		return "", errors.New("kraken: GetWebSocketsToken: no token")
	}
	return res.Token, nil
}

type wsSubscribe struct {
	Method string `json:"method"`
	Params struct {
		Channel    string `json:"channel"`
		Token      string `json:"token"`
		SnapOrders bool   `json:"snap_orders"`
		SnapTrades bool   `json:"snap_trades"`
		RateCount  bool   `json:"ratecounter"`
	} `json:"params"`
	ReqID int64 `json:"req_id"`
}

type wsSubscribeBalances struct {
	Method string `json:"method"`
	Params struct {
		Channel  string `json:"channel"`
		Token    string `json:"token"`
		Snapshot bool   `json:"snapshot"`
	} `json:"params"`
	ReqID int64 `json:"req_id"`
}

func (c *Client) protocol(set wsconn.Settings) wsconn.Protocol {
	var token string // this connection's, fetched in Prepare
	return wsconn.Protocol{
		Name:     "kraken stream",
		Settings: set,
		Prepare: func(ctx context.Context) error {
			if c.signer == nil {
				return errors.New("the private stream needs an API key")
			}
			if err := c.path.ClockReady(ctx); err != nil {
				return err
			}
			// The stream names pairs as BTC/USDT: the pair list maps them
			// back to the altnames vigil uses (XBTUSDT).
			if _, err := c.instruments.Symbols(ctx); err != nil {
				return err
			}
			// The hold that splits the balances snapshot's totals.
			if _, err := c.Balances(ctx); err != nil {
				return err
			}
			t, err := c.wsToken(ctx)
			token = t
			return err
		},
		Subscribe: []wsconn.Request{{Op: "subscribe executions", Msg: func(id int64) (any, error) {
			m := wsSubscribe{Method: "subscribe", ReqID: id}
			m.Params.Channel, m.Params.Token, m.Params.SnapOrders, m.Params.RateCount = "executions", token, true, true
			return m, nil
		}, Result: c.subscribed}, {Op: "subscribe balances", Msg: func(id int64) (any, error) {
			m := wsSubscribeBalances{Method: "subscribe", ReqID: id}
			m.Params.Channel, m.Params.Token, m.Params.Snapshot = "balances", token, true
			return m, nil
		}}},
		Heartbeat:    wsconn.Heartbeat{Ping: []byte(`{"method":"ping"}`)},
		PollBalances: true,
		Decode:       c.classifier(),
	}
}

// subscribed reads the ack's maxratecount, which reveals the tier.
func (c *Client) subscribed(f wsconn.Frame) error {
	var ack struct {
		Result struct {
			MaxRateCount int `json:"maxratecount"`
		} `json:"result"`
	}
	if json.Unmarshal(f.Body, &ack) == nil {
		if t, ok := TierOfMaxRateCount(ack.Result.MaxRateCount); ok {
			c.rates.reveal(t)
		}
	}
	return nil
}

type wsIn struct {
	Method  string          `json:"method"`
	ReqID   *int64          `json:"req_id"`
	Success *bool           `json:"success"`
	Error   string          `json:"error"`
	Channel string          `json:"channel"`
	Type    string          `json:"type"`
	Data    json.RawMessage `json:"data"`
}

// wsRefusal classifies a refused subscribe: Kraken's WS errors are text.
func wsRefusal(method, msg string) *exchange.APIError {
	ae := &exchange.APIError{Venue: venueName, Code: method, Msg: msg, Kind: exchange.KindOther,
		AdviceText: "Kraken refused the stream " + method + ": " + msg}
	low := strings.ToLower(msg)
	if strings.Contains(low, "token") || strings.Contains(low, "permission") {
		ae.Kind = exchange.KindPermission
		ae.AdviceText = "Kraken refused the stream token: the key needs the WebSocket interface permission, and a token is good for one connection made within 15 minutes."
	}
	return ae
}

func (c *Client) classifier() func([]byte) (wsconn.Frame, []exchange.StreamEvent, error) {
	d := &execDecoder{c: c, known: map[string]wireExec{}}
	return func(b []byte) (wsconn.Frame, []exchange.StreamEvent, error) {
		var in wsIn
		if err := json.Unmarshal(b, &in); err != nil {
			return wsconn.Frame{}, nil, fmt.Errorf("message is not JSON: %w", err)
		}
		switch {
		case in.Method == "pong":
			return wsconn.Frame{Kind: wsconn.Pong}, nil, nil
		case in.Method != "":
			f := wsconn.Frame{Kind: wsconn.Reply, Op: in.Method}
			if in.ReqID != nil {
				f.ID = strconv.FormatInt(*in.ReqID, 10)
			}
			if in.Success != nil && !*in.Success {
				f.Refusal = wsRefusal(in.Method, in.Error)
			}
			return f, nil, nil
		case in.Channel == "executions" && len(in.Data) > 0:
			evs, err := d.decode(in.Data, in.Type == "snapshot")
			return wsconn.Frame{}, evs, err
		case in.Channel == "balances" && len(in.Data) > 0:
			evs, err := c.decodeBalances(in.Data, in.Type == "snapshot")
			return wsconn.Frame{}, evs, err
		}
		return wsconn.Frame{}, nil, nil // heartbeat, status
	}
}

// wireExec is one entry of the executions channel; updates carry only
// some fields, so each is merged over what the connection saw last.
type wireExec struct {
	OrderID     string       `json:"order_id"`
	ClOrdID     string       `json:"cl_ord_id"`
	Symbol      string       `json:"symbol"`
	Side        string       `json:"side"`
	OrderType   string       `json:"order_type"`
	OrderQty    *json.Number `json:"order_qty"`
	LimitPrice  *json.Number `json:"limit_price"`
	TimeInForce string       `json:"time_in_force"`
	ExecType    string       `json:"exec_type"`
	ExecID      string       `json:"exec_id"`
	OrderStatus string       `json:"order_status"`
	CumQty      *json.Number `json:"cum_qty"`
	CumCost     *json.Number `json:"cum_cost"`
	LastQty     *json.Number `json:"last_qty"`
	LastPrice   *json.Number `json:"last_price"`
	Timestamp   string       `json:"timestamp"`
	Reason      string       `json:"reason"`
	RateCount   *json.Number `json:"ratecount"`
}

func (w wireExec) over(prev wireExec) wireExec {
	if w.ClOrdID == "" {
		w.ClOrdID = prev.ClOrdID
	}
	if w.Symbol == "" {
		w.Symbol = prev.Symbol
	}
	if w.Side == "" {
		w.Side = prev.Side
	}
	if w.OrderType == "" {
		w.OrderType = prev.OrderType
	}
	if w.OrderQty == nil {
		w.OrderQty = prev.OrderQty
	}
	if w.LimitPrice == nil {
		w.LimitPrice = prev.LimitPrice
	}
	if w.TimeInForce == "" {
		w.TimeInForce = prev.TimeInForce
	}
	if w.CumQty == nil {
		w.CumQty = prev.CumQty
	}
	if w.CumCost == nil {
		w.CumCost = prev.CumCost
	}
	if w.OrderStatus == "" {
		w.OrderStatus = prev.OrderStatus
	}
	return w
}

type execDecoder struct {
	c     *Client
	mu    sync.Mutex
	known map[string]wireExec
}

func numDec(name string, n *json.Number) (decimal.Decimal, error) {
	if n == nil {
		return decimal.Zero, nil
	}
	d, err := decimal.NewFromString(n.String())
	if err != nil {
		return d, fmt.Errorf("%s %q: %w", name, n.String(), err)
	}
	return d, nil
}

var execStatus = map[string]exchange.OrderStatus{
	"pending_new": exchange.StatusNew, "new": exchange.StatusNew, "partially_filled": exchange.StatusPartiallyFilled,
	"filled": exchange.StatusFilled, "canceled": exchange.StatusCanceled, "expired": exchange.StatusExpired,
}

func (d *execDecoder) decode(raw json.RawMessage, snapshot bool) ([]exchange.StreamEvent, error) {
	var list []wireExec
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, fmt.Errorf("executions: %w", err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	account := d.c.info.Name
	out := make([]exchange.StreamEvent, 0, len(list))
	for _, w := range list {
		if w.OrderID == "" {
			continue
		}
		w = w.over(d.known[w.OrderID])
		d.known[w.OrderID] = w
		var errs []error
		dec := func(name string, n *json.Number) decimal.Decimal {
			v, err := numDec(name, n)
			if err != nil {
				errs = append(errs, err)
			}
			return v
		}
		ts, _ := time.Parse(time.RFC3339Nano, w.Timestamp)
		o := exchange.Order{
			Account: account, Symbol: d.c.pairs.altname(w.Symbol), ClientID: w.ClOrdID, OrderID: w.OrderID,
			Side: exchange.Side(strings.ToUpper(w.Side)), Type: exchange.OrderType(strings.ToUpper(w.OrderType)),
			Qty: dec("order_qty", w.OrderQty), Filled: dec("cum_qty", w.CumQty), QuoteFilled: dec("cum_cost", w.CumCost),
			Status: execStatus[w.OrderStatus], Updated: ts, Reason: w.Reason,
		}
		if o.Status == "" {
			o.Status = exchange.StatusUnknown
		}
		if o.Type == exchange.LimitOrder {
			o.Price = dec("limit_price", w.LimitPrice)
			o.TIF = exchange.GTC
			if w.TimeInForce != "" {
				o.TIF = exchange.TimeInForce(strings.ToUpper(w.TimeInForce))
			}
		}
		ev := exchange.OrderEvent{Account: account, Order: o, Time: ts, TradeID: w.ExecID}
		switch {
		case w.ExecType == "trade":
			ev.Kind = exchange.EventFill
			ev.LastQty, ev.LastPrice = dec("last_qty", w.LastQty), dec("last_price", w.LastPrice)
		case o.Status == exchange.StatusCanceled:
			ev.Kind = exchange.EventCancel
		case o.Status == exchange.StatusExpired:
			ev.Kind = exchange.EventExpire
		default:
			ev.Kind = exchange.EventAck
		}
		if err := errors.Join(append(errs, exchange.CheckOrder(o))...); err != nil {
			return nil, fmt.Errorf("executions %s: %w", w.OrderID, err)
		}
		if w.RateCount != nil && !snapshot {
			if level, err := strconv.ParseFloat(w.RateCount.String(), 64); err == nil && o.Symbol != "" {
				d.c.rates.observePair(o.Symbol, level)
			}
		}
		out = append(out, exchange.StreamEvent{Account: account, Order: &ev, Time: ts, Snapshot: snapshot})
	}
	d.releaseHolds()
	return out, nil
}

// releaseHolds forgets the hold BalanceEx reported once no order the
// connection knows (the snapshot lists every open one) is open: spot funds
// are held only by open orders, so from then on nothing is, and a balance
// from the stream is all free without waiting for the next poll.
func (d *execDecoder) releaseHolds() {
	for _, w := range d.known {
		if st, ok := execStatus[w.OrderStatus]; !ok || !st.Final() {
			return
		}
	}
	d.c.holds.set(nil)
}
