package binance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/wsconn"
)

// WebSocket API endpoints (user data lives there since the listen-key
// streams were removed in 2026).
const (
	TestnetWSURL = "wss://ws-api.testnet.binance.vision/ws-api/v3"
	MainnetWSURL = "wss://ws-api.binance.com:443/ws-api/v3"
	DemoWSURL    = "wss://demo-ws-api.binance.com/ws-api/v3"
	wsAPIPath    = "/ws-api/v3"
)

// Liveness defaults. A connection whose pong (to a WebSocket ping frame)
// does not come back is dead within PingEvery+PongWait (25 s); a
// subscription the venue dropped without telling us is found within
// CheckEvery+PongWait (40 s). A stream that keeps both alive but loses
// events is the supervisor's audit's to find.
const (
	defaultPingEvery  = 15 * time.Second
	defaultPongWait   = 10 * time.Second
	defaultCheckEvery = 30 * time.Second
)

// StreamOption tunes NewStreamer: any wsconn.Option.
type StreamOption = wsconn.Option

// WithStreamHTTPClient is wsconn.WithHTTPClient.
func WithStreamHTTPClient(hc *http.Client) StreamOption { return wsconn.WithHTTPClient(hc) }

// WithStreamURL sets the WebSocket API URL; default: the client's
// WithWSURL, else derived from the REST base URL (testnet, mainnet, demo,
// or ws://host/ws-api/v3 for a fake).
func WithStreamURL(u string) StreamOption { return wsconn.WithURL(u) }

// NewStreamer returns c's user data stream over the WebSocket API:
// session.logon then userDataStream.subscribe for Ed25519 keys,
// userDataStream.subscribe.signature for any other key type. The handshake
// goes through c's HTTP client unless an option says otherwise.
func NewStreamer(c *Client, opts ...StreamOption) *wsconn.Streamer {
	u := c.wsURL
	if u == "" {
		u = wsURLFor(c.base)
	}
	def := wsconn.Settings{URL: u, HTTPClient: c.path.HTTPClient(), PingEvery: defaultPingEvery, PongWait: defaultPongWait, CheckEvery: defaultCheckEvery}
	return wsconn.NewStreamer(def, c.protocol, opts...)
}

// Stream implements exchange.Streamer with the default heartbeat.
func (c *Client) Stream(ctx context.Context) (exchange.Stream, error) {
	return NewStreamer(c).Stream(ctx)
}

var _ exchange.Streamer = (*Client)(nil)

// wsURLFor maps a REST base URL to its WebSocket API.
func wsURLFor(base string) string {
	switch {
	case base == TestnetURL || strings.Contains(base, "testnet.binance.vision"):
		return TestnetWSURL
	case strings.Contains(base, "demo-api.binance.com"):
		return DemoWSURL
	case strings.HasSuffix(strings.TrimRight(base, "/"), ".binance.com"):
		return MainnetWSURL
	}
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	switch u.Scheme {
	case "https":
		u.Scheme = "wss"
	default:
		u.Scheme = "ws"
	}
	u.Path = strings.TrimRight(u.Path, "/") + wsAPIPath
	return u.String()
}

// wsRequest is a WebSocket API request.
type wsRequest struct {
	ID     int64          `json:"id"`
	Method string         `json:"method"`
	Params map[string]any `json:"params,omitempty"`
}

// protocol is one connection of the user data stream. Answers echo the
// request's id; the heartbeat is a WebSocket ping frame (the library
// answers the venue's own), plus a check that the subscription is still
// listed, since the venue can drop it and keep the connection.
func (c *Client) protocol(set wsconn.Settings) wsconn.Protocol {
	var subID int64 // this connection's subscription
	plain := func(method string) func(int64) (any, error) {
		return func(id int64) (any, error) { return wsRequest{ID: id, Method: method}, nil }
	}
	subscribe := func(method string) wsconn.Request {
		msg := plain(method)
		if method != "userDataStream.subscribe" {
			msg = c.signedWS(method)
		}
		return wsconn.Request{Op: method, Msg: msg, Result: func(f wsconn.Frame) error {
			var sub struct {
				ID *int64 `json:"subscriptionId"`
			}
			if err := json.Unmarshal(f.Body, &sub); err != nil || sub.ID == nil {
				return fmt.Errorf("answered without a subscriptionId (%s)", snippet(f.Body))
			}
			subID = *sub.ID
			return nil
		}}
	}
	p := wsconn.Protocol{
		Name:     "binance stream",
		Settings: set,
		Prepare: func(ctx context.Context) error {
			if c.signer == nil || c.keyID == "" {
				return ErrNoSecret
			}
			return c.clockReady(ctx)
		},
		LoginRefused: c.loginRefused,
		Heartbeat: wsconn.Heartbeat{Check: &wsconn.Request{Op: "session.subscriptions", Msg: plain("session.subscriptions"),
			Result: func(f wsconn.Frame) error {
				var subs []struct {
					ID int64 `json:"subscriptionId"`
				}
				_ = json.Unmarshal(f.Body, &subs)
				for _, s := range subs {
					if s.ID == subID {
						return nil
					}
				}
				return fmt.Errorf("subscription %d is gone: %w", subID, ErrStreamEnded)
			}}},
		Decode: decoder(c.info.Name, c.errCtx),
	}
	if c.signer != nil && c.signer.Scheme() == exchange.SchemeEd25519 {
		p.Login = []wsconn.Request{{Op: "session.logon", Msg: c.signedWS("session.logon")}}
		p.Subscribe = []wsconn.Request{subscribe("userDataStream.subscribe")}
	} else {
		// The signed subscribe is the login.
		p.Login = []wsconn.Request{subscribe("userDataStream.subscribe.signature")}
	}
	return p
}

// signedWS builds a signed request, stamped when sent: the params signed
// sorted and not percent-encoded, numbers sent as JSON numbers (the venue
// signs their text as sent).
func (c *Client) signedWS(method string) func(int64) (any, error) {
	return func(id int64) (any, error) {
		ts := strconv.FormatInt(c.clock.Stamp().UnixMilli(), 10)
		rw := strconv.FormatInt(c.recvWindow.Milliseconds(), 10)
		_, sig := c.signer.SignWS(map[string]string{"apiKey": c.keyID, "timestamp": ts, "recvWindow": rw})
		return wsRequest{ID: id, Method: method, Params: map[string]any{
			"apiKey": c.keyID, "timestamp": json.Number(ts), "recvWindow": json.Number(rw), "signature": sig,
		}}, nil
	}
}

// wsIn is any message of the WebSocket API: an answer (id, status, result
// or error) or a user data event.
type wsIn struct {
	ID     json.RawMessage `json:"id"`
	Status int             `json:"status"`
	Result json.RawMessage `json:"result"`
	Error  json.RawMessage `json:"error"`
	Event  json.RawMessage `json:"event"`
}

// ErrStreamEnded is the venue ending the user data stream
// (eventStreamTerminated, or the subscription no longer listed): reconnect
// and resubscribe. serverShutdown is not an end but a notice
// (exchange.ErrGoingAway): the stream keeps delivering while the
// supervisor opens its replacement.
var ErrStreamEnded = errors.New("binance ended the user data stream")

// decoder reads the WebSocket API's messages for account; errCtx
// classifies a refused request as REST's errors are.
func decoder(account string, errCtx func() errContext) func([]byte) (wsconn.Frame, []exchange.StreamEvent, error) {
	return func(b []byte) (wsconn.Frame, []exchange.StreamEvent, error) {
		var in wsIn
		if err := json.Unmarshal(b, &in); err != nil {
			return wsconn.Frame{}, nil, fmt.Errorf("message is not JSON: %w", err)
		}
		if in.Event == nil {
			if in.ID == nil {
				return wsconn.Frame{}, nil, nil
			}
			f := wsconn.Frame{Kind: wsconn.Reply, ID: strings.Trim(string(in.ID), `"`), Body: in.Result}
			if f.ID == "null" {
				f.ID = ""
			}
			if in.Status != http.StatusOK {
				if ae := decodeAPIError(in.Status, in.Error, errCtx()); ae != nil {
					f.Refusal = ae
				} else {
					f.Refusal = fmt.Errorf("status %d (%s)", in.Status, snippet(in.Error))
				}
			}
			return f, nil, nil
		}
		ev, err := parseEvent(account, in.Event)
		if err != nil || ev == nil {
			return wsconn.Frame{}, nil, err
		}
		return wsconn.Frame{}, []exchange.StreamEvent{*ev}, nil
	}
}

// parseEvent decodes one user data event; nil for events the cockpit does
// not use. Keys are read exactly: Binance uses both cases of one letter
// for different fields ("c" and "C", "x" and "X"), and encoding/json
// matches struct tags case-insensitively.
func parseEvent(account string, raw json.RawMessage) (*exchange.StreamEvent, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("event is not an object: %w", err)
	}
	f := fields(m)
	switch typ := f.str("e"); typ {
	case "executionReport":
		oe, err := f.execution(account)
		if err != nil {
			return nil, err
		}
		return &exchange.StreamEvent{Account: account, Order: &oe, Time: oe.Time}, nil
	case "outboundAccountPosition":
		var rows []map[string]json.RawMessage
		if err := json.Unmarshal(m["B"], &rows); err != nil {
			return nil, fmt.Errorf("outboundAccountPosition balances: %w", err)
		}
		bals := make([]exchange.Balance, 0, len(rows))
		for _, r := range rows {
			rf := fields(r)
			b := exchange.Balance{Asset: rf.str("a"), Free: rf.dec("f"), Locked: rf.dec("l")}
			if rf.err != nil {
				return nil, fmt.Errorf("outboundAccountPosition: %w", rf.err)
			}
			bals = append(bals, b)
		}
		// u is when the account last changed: the time these balances are
		// valid at, comparable with a REST snapshot's updateTime.
		at := f.ms("u")
		if at.IsZero() {
			at = f.ms("E")
		}
		return &exchange.StreamEvent{Account: account, Balances: bals, Time: at}, f.err
	case "eventStreamTerminated":
		return nil, fmt.Errorf("%w (%s)", ErrStreamEnded, typ)
	case "serverShutdown":
		return nil, fmt.Errorf("serverShutdown: %w", exchange.ErrGoingAway)
	}
	return nil, nil
}

// fields reads exact keys of one event, remembering the first error.
type fieldReader struct {
	m   map[string]json.RawMessage
	err error
}

func fields(m map[string]json.RawMessage) *fieldReader { return &fieldReader{m: m} }

func (f *fieldReader) str(k string) string {
	raw, ok := f.m[k]
	if !ok || string(raw) == "null" {
		return ""
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		// Ids are numbers: keep their digits exactly, never via float64.
		var n json.Number
		if json.Unmarshal(raw, &n) == nil {
			return n.String()
		}
		f.fail(k, err)
	}
	return s
}

func (f *fieldReader) dec(k string) decimal.Decimal {
	s := f.str(k)
	if s == "" {
		return decimal.Zero
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		f.fail(k, err)
	}
	return d
}

func (f *fieldReader) ms(k string) time.Time {
	s := f.str(k)
	if s == "" {
		return time.Time{}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		f.fail(k, err)
		return time.Time{}
	}
	if n <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(n)
}

func (f *fieldReader) fail(k string, err error) {
	if f.err == nil {
		f.err = fmt.Errorf("field %q: %w", k, err)
	}
}

var execKinds = map[string]exchange.EventKind{
	"NEW":              exchange.EventAck,
	"TRADE":            exchange.EventFill,
	"CANCELED":         exchange.EventCancel,
	"REJECTED":         exchange.EventReject,
	"EXPIRED":          exchange.EventExpire,
	"TRADE_PREVENTION": exchange.EventExpire,
}

func (f *fieldReader) execution(account string) (exchange.OrderEvent, error) {
	o := exchange.Order{
		Account:     account,
		Symbol:      f.str("s"),
		Side:        exchange.Side(f.str("S")),
		Type:        exchange.OrderType(f.str("o")),
		TIF:         exchange.TimeInForce(f.str("f")),
		Qty:         f.dec("q"),
		Price:       f.dec("p"),
		Filled:      f.dec("z"),
		QuoteFilled: f.dec("Z"),
		Status:      mapStatus(f.str("X")),
		ClientID:    f.str("c"),
		OrderID:     f.str("i"),
		Created:     f.ms("O"),
		Updated:     f.ms("T"),
	}
	x := f.str("x")
	// On a cancel, c is the cancel request's own id and C the order's.
	if orig := f.str("C"); orig != "" {
		o.ClientID = orig
	}
	if r := f.str("r"); r != "" && r != "NONE" {
		o.Reason = r
	}
	if f.str("X") == "EXPIRED_IN_MATCH" || x == "TRADE_PREVENTION" {
		o.Reason = "expired by self-trade prevention"
	}
	kind, ok := execKinds[x]
	if !ok {
		kind = exchange.EventSnapshot // REPLACED, AMENDMENT: the state is what counts
	}
	ev := exchange.OrderEvent{Account: account, Kind: kind, Order: o, Time: f.ms("E")}
	if kind == exchange.EventFill {
		ev.LastQty, ev.LastPrice = f.dec("l"), f.dec("L")
		if t := f.str("t"); t != "" && t != "-1" {
			ev.TradeID = t
		}
	}
	if f.err != nil {
		return exchange.OrderEvent{}, fmt.Errorf("executionReport: %w", f.err)
	}
	if o.OrderID == "" || o.Symbol == "" {
		return exchange.OrderEvent{}, errors.New("executionReport without symbol or order id")
	}
	return ev, nil
}
