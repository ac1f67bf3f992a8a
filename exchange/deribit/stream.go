package deribit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/rest"
	"github.com/vigil-trade/vigil/exchange/wsconn"
)

// Liveness. Deribit's own heartbeat is the strict one: after
// public/set_heartbeat it sends a test_request every interval and closes
// the socket at once when one goes unanswered (and, with cancel on
// disconnect on, cancels the connection's orders), so each is answered
// the moment it is read (wsconn's Frame.Answer), never queued behind
// events. vigil's own ping (public/test) proves the far end is there
// between them.
const (
	heartbeatInterval = 30 // seconds; Deribit's minimum is 10
	defaultPingEvery  = 15 * time.Second
	defaultPongWait   = 10 * time.Second
	// reauthEvery logs the connection in again with a fresh signature,
	// well inside any token's life (examples show a year, a third-party
	// client assumes 15 minutes): no token is kept to refresh with.
	reauthEvery = 10 * time.Minute
)

// Ids of the messages the stream sends outside wsconn's calls, far above
// the ids wsconn numbers its calls with.
const (
	pingID       = 1 << 40
	testAnswerID = 1<<40 + 1
)

var (
	pingMsg   = []byte(`{"jsonrpc":"2.0","id":` + strconv.FormatInt(pingID, 10) + `,"method":"public/test","params":{}}`)
	answerMsg = []byte(`{"jsonrpc":"2.0","id":` + strconv.FormatInt(testAnswerID, 10) + `,"method":"public/test","params":{}}`)
)

// portfolioCurrencies are the currencies whose user.portfolio channel is
// subscribed beyond the instruments' own.
var portfolioCurrencies = []string{"BTC", "ETH", "USDC", "USDT"}

// NewStreamer returns c's private stream.
func NewStreamer(c *Client, opts ...wsconn.Option) *wsconn.Streamer {
	def := wsconn.Settings{URL: c.wsURL, HTTPClient: c.hc, PingEvery: defaultPingEvery, PongWait: defaultPongWait, CheckEvery: reauthEvery}
	return wsconn.NewStreamer(def, c.protocol, opts...)
}

// Stream implements exchange.Streamer with the default heartbeat.
func (c *Client) Stream(ctx context.Context) (exchange.Stream, error) {
	return NewStreamer(c).Stream(ctx)
}

var _ exchange.Streamer = (*Client)(nil)

type rpcRequest struct {
	JSONRPC string `json:"jsonrpc"`
	ID      int64  `json:"id"`
	Method  string `json:"method"`
	Params  any    `json:"params"`
}

func rpc(id int64, method string, params any) rpcRequest {
	if params == nil {
		params = struct{}{}
	}
	return rpcRequest{JSONRPC: "2.0", ID: id, Method: method, Params: params}
}

type authParams struct {
	GrantType string `json:"grant_type"`
	ClientID  string `json:"client_id"`
	Timestamp string `json:"timestamp"`
	Nonce     string `json:"nonce"`
	Data      string `json:"data"`
	Signature string `json:"signature"`
}

// authMsg is public/auth with client_signature, stamped when sent.
func (c *Client) authMsg(id int64) (any, error) {
	ts, nonce, sig := c.authParams(c.clock.Stamp())
	return rpc(id, "public/auth", authParams{GrantType: "client_signature", ClientID: c.signer.clientID, Timestamp: ts, Nonce: nonce, Signature: sig}), nil
}

func (c *Client) loginRefused(err error) {
	if exchange.KindOf(err) == exchange.KindClock {
		c.clock.Invalidate("deribit: stream login refused its timestamp")
	}
}

// channels are the private channels: every order of the account, and the
// portfolio of each currency it may hold.
func (c *Client) channels(ctx context.Context) ([]string, error) {
	curs, err := c.currencies(ctx)
	if err != nil {
		return nil, err
	}
	for _, cur := range portfolioCurrencies {
		if !containsFold(curs, cur) {
			curs = append(curs, cur)
		}
	}
	out := []string{ordersChannel, "user.changes.any.any.raw"}
	for _, cur := range curs {
		out = append(out, "user.portfolio."+strings.ToLower(cur))
	}
	return out, nil
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// protocol is one connection: log in with a signature, set cancel on
// disconnect as the config says, set the heartbeat, subscribe. Deribit
// sends no order snapshot on subscribe: the supervisor's REST resync
// after every (re)connect (open orders, then each order it keeps) is the
// snapshot.
func (c *Client) protocol(set wsconn.Settings) wsconn.Protocol {
	var chans []string
	book := &positionBook{c: c}
	cod := "private/disable_cancel_on_disconnect"
	if c.cancelOnDisconnect {
		cod = "private/enable_cancel_on_disconnect"
	}
	return wsconn.Protocol{
		Name:     "deribit stream",
		Settings: set,
		Prepare: func(ctx context.Context) error {
			if c.signer == nil {
				return errors.New("the private stream needs an API key")
			}
			if err := c.path.ClockReady(ctx); err != nil {
				return err
			}
			var err error
			if chans, err = c.channels(ctx); err != nil {
				return err
			}
			// user.changes pushes one instrument's position at a time: the
			// whole set it is merged into starts from REST.
			ps, err := c.Positions(ctx)
			if exchange.KindOf(err) == exchange.KindPermission {
				// get_positions wants trade:read; a key without it still
				// streams its orders and balances.
				ps, err = nil, nil
			}
			book.set(ps)
			return err
		},
		Login: []wsconn.Request{
			{Op: "public/auth", Msg: c.authMsg},
			{Op: cod, Msg: func(id int64) (any, error) {
				return rpc(id, cod, map[string]string{"scope": "connection"}), nil
			}},
		},
		LoginRefused: c.loginRefused,
		Subscribe: []wsconn.Request{
			{Op: "public/set_heartbeat", Msg: func(id int64) (any, error) {
				return rpc(id, "public/set_heartbeat", map[string]int{"interval": heartbeatInterval}), nil
			}},
			{Op: "private/subscribe", Msg: func(id int64) (any, error) {
				return rpc(id, "private/subscribe", map[string][]string{"channels": chans}), nil
			}, Result: func(f wsconn.Frame) error { return subscribed(f.Body, chans) }},
		},
		Heartbeat: wsconn.Heartbeat{Ping: pingMsg, Check: &wsconn.Request{Op: "public/auth (again)", Msg: c.authMsg}},
		Decode:    c.classifierWith(book),
	}
}

// ordersChannel is the one channel a stream cannot do without.
const ordersChannel = "user.orders.any.any.raw"

// subscribed checks the ack lists the orders channel: Deribit answers a
// channel it will not serve by leaving it out. A portfolio channel of a
// currency the account does not hold may be left out (Deribit's currency
// article: not every currency is one an account supports); its balances
// are then polled like any other.
func subscribed(body []byte, _ []string) error {
	var ack struct {
		Result []string `json:"result"`
	}
	if err := json.Unmarshal(body, &ack); err != nil {
		return fmt.Errorf("subscribe ack: %w", err)
	}
	if !containsFold(ack.Result, ordersChannel) {
		return fmt.Errorf("channel %s not subscribed (the ack lists %q)", ordersChannel, ack.Result)
	}
	return nil
}

// wsIn is every message: an answer (id, result or error), a
// subscription push or a heartbeat.
type wsIn struct {
	ID     *json.Number    `json:"id"`
	Method string          `json:"method"`
	Error  *rpcError       `json:"error"`
	Params json.RawMessage `json:"params"`
}

type wsParams struct {
	Type    string          `json:"type"`
	Channel string          `json:"channel"`
	Data    json.RawMessage `json:"data"`
}

// wsRefusal classifies an error answer on the socket with the REST table.
func (c *Client) wsRefusal(e *rpcError) error {
	d := e.data()
	msg := e.Message
	if d.Reason != "" || d.Param != "" {
		msg += " (" + strings.TrimSpace(d.Param+" "+d.Reason) + ")"
	}
	ref := (&rest.Reply{Request: &rest.Request{}}).Refuse(strconv.Itoa(e.Code), msg)
	classify(ref, e.Code, d, nil, false)
	ref.APIError.Venue = venueName
	if ref.Kind == exchange.KindClock {
		ref.AdviceText = "Deribit refused the stream login's timestamp (a signature is good for 60 s): vigil measures Deribit's clock again before the next login; if this repeats, this machine's clock is unsteady: enable NTP."
	}
	return ref.APIError
}

func (c *Client) classifier() func([]byte) (wsconn.Frame, []exchange.StreamEvent, error) {
	return c.classifierWith(&positionBook{c: c})
}

func (c *Client) classifierWith(book *positionBook) func([]byte) (wsconn.Frame, []exchange.StreamEvent, error) {
	d := &orderDecoder{c: c, filled: map[string]fill{}}
	return func(b []byte) (wsconn.Frame, []exchange.StreamEvent, error) {
		var in wsIn
		if err := json.Unmarshal(b, &in); err != nil {
			return wsconn.Frame{}, nil, fmt.Errorf("message is not JSON: %w", err)
		}
		if in.ID != nil {
			id := in.ID.String()
			if id == strconv.FormatInt(pingID, 10) {
				return wsconn.Frame{Kind: wsconn.Pong}, nil, nil
			}
			f := wsconn.Frame{Kind: wsconn.Reply, ID: id}
			if in.Error != nil {
				f.Refusal = c.wsRefusal(in.Error)
			}
			return f, nil, nil
		}
		if in.Error != nil {
			return wsconn.Frame{Kind: wsconn.Reply, Refusal: c.wsRefusal(in.Error)}, nil, nil
		}
		var p wsParams
		if len(in.Params) > 0 {
			if err := json.Unmarshal(in.Params, &p); err != nil {
				return wsconn.Frame{}, nil, fmt.Errorf("%s: params: %w", in.Method, err)
			}
		}
		switch {
		case in.Method == "heartbeat" && p.Type == "test_request":
			return wsconn.Frame{Answer: answerMsg}, nil, nil
		case in.Method != "subscription":
			return wsconn.Frame{}, nil, nil
		case strings.HasPrefix(p.Channel, "user.orders."):
			evs, err := d.decode(p.Data)
			return wsconn.Frame{}, evs, err
		case strings.HasPrefix(p.Channel, "user.portfolio."):
			evs, err := c.portfolio(p.Data)
			return wsconn.Frame{}, evs, err
		case strings.HasPrefix(p.Channel, "user.changes."):
			evs, err := book.changes(p.Data)
			return wsconn.Frame{}, evs, err
		}
		return wsconn.Frame{}, nil, nil
	}
}

// portfolio reads one currency's summary as its balance.
func (c *Client) portfolio(raw json.RawMessage) ([]exchange.StreamEvent, error) {
	var s wireSummary
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("portfolio: %w", err)
	}
	b, ok, err := s.balance()
	if err != nil {
		return nil, err
	}
	if !ok {
		b = exchange.Balance{Asset: strings.ToUpper(s.Currency)}
	}
	return []exchange.StreamEvent{{Account: c.info.Name, Balances: []exchange.Balance{b}, Time: c.clock.ServerNow()}}, nil
}

// fill is how much of an order the connection has seen filled, and at
// what average, to tell a fill's size and price from the next push.
type fill struct{ qty, quote decimal.Decimal }

// orderDecoder turns user.orders pushes into events. Deribit pushes the
// order as it now stands; a push whose filled amount grew is a fill of
// the difference.
type orderDecoder struct {
	c      *Client
	mu     sync.Mutex
	filled map[string]fill
}

func (d *orderDecoder) decode(raw json.RawMessage) ([]exchange.StreamEvent, error) {
	var list []wireOrder
	if len(raw) > 0 && raw[0] == '[' {
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, fmt.Errorf("orders: %w", err)
		}
	} else {
		var w wireOrder
		if err := json.Unmarshal(raw, &w); err != nil {
			return nil, fmt.Errorf("orders: %w", err)
		}
		list = []wireOrder{w}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]exchange.StreamEvent, 0, len(list))
	for _, w := range list {
		if w.OrderID == "" {
			continue
		}
		o, err := d.c.order(w)
		if err != nil {
			return nil, err
		}
		ev := exchange.OrderEvent{Account: o.Account, Order: o, Time: o.Updated}
		prev := d.filled[o.OrderID]
		switch {
		case o.Filled.GreaterThan(prev.qty):
			ev.Kind = exchange.EventFill
			ev.LastQty = o.Filled.Sub(prev.qty)
			ev.LastPrice = o.QuoteFilled.Sub(prev.quote).DivRound(ev.LastQty, 16)
			d.filled[o.OrderID] = fill{o.Filled, o.QuoteFilled}
		case o.Status == exchange.StatusCanceled:
			ev.Kind = exchange.EventCancel
		case o.Status == exchange.StatusRejected:
			ev.Kind = exchange.EventReject
		default:
			ev.Kind = exchange.EventAck
		}
		if o.Status.Final() {
			delete(d.filled, o.OrderID)
		}
		out = append(out, exchange.StreamEvent{Account: o.Account, Order: &ev, Time: o.Updated})
	}
	return out, nil
}

// positionBook is a connection's whole set of positions: user.changes
// pushes an instrument's position when a trade changes it (its orders and
// trades come on user.orders), and the pane wants the whole set.
type positionBook struct {
	c  *Client
	mu sync.Mutex
	by map[string]exchange.Position
}

func (b *positionBook) set(ps []exchange.Position) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.by = make(map[string]exchange.Position, len(ps))
	for _, p := range ps {
		b.by[p.Symbol] = p
	}
}

func (b *positionBook) changes(raw json.RawMessage) ([]exchange.StreamEvent, error) {
	var ch struct {
		Positions []wirePosition `json:"positions"`
	}
	if err := json.Unmarshal(raw, &ch); err != nil {
		return nil, fmt.Errorf("changes: %w", err)
	}
	if len(ch.Positions) == 0 {
		return nil, nil
	}
	at := b.c.clock.ServerNow()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.by == nil {
		b.by = map[string]exchange.Position{}
	}
	for _, w := range ch.Positions {
		p, err := b.c.position(w, at)
		if err != nil {
			return nil, err
		}
		if p.Size.IsZero() {
			delete(b.by, p.Symbol)
		} else {
			b.by[p.Symbol] = p
		}
	}
	all := make([]exchange.Position, 0, len(b.by))
	for _, p := range b.by {
		all = append(all, p)
	}
	slices.SortFunc(all, func(x, y exchange.Position) int { return strings.Compare(x.Symbol, y.Symbol) })
	return []exchange.StreamEvent{{Account: b.c.info.Name, Positions: all, Time: at}}, nil
}
