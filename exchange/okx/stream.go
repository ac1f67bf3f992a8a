package okx

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/wsconn"
)

// Liveness defaults. OKX drops a connection that carries nothing for 30 s
// and answers the text "ping" with "pong"; we ping every 20 s whatever
// else flows, so a connection whose far end has gone quiet is dead within
// 30 s. A stream that keeps ponging but loses pushes is the supervisor's
// audit's to find.
const (
	defaultPingEvery = 20 * time.Second
	defaultPongWait  = 10 * time.Second
)

// NewStreamer returns c's private stream: login, then the orders channel
// for SPOT and the account channel (balances). The handshake goes through
// c's HTTP client to c's WebSocket URL unless an option says otherwise.
func NewStreamer(c *Client, opts ...wsconn.Option) *wsconn.Streamer {
	def := wsconn.Settings{URL: c.wsURL, HTTPClient: c.hc, PingEvery: defaultPingEvery, PongWait: defaultPongWait}
	return wsconn.NewStreamer(def, c.protocol, opts...)
}

// Stream implements exchange.Streamer with the default heartbeat.
func (c *Client) Stream(ctx context.Context) (exchange.Stream, error) {
	return NewStreamer(c).Stream(ctx)
}

var _ exchange.Streamer = (*Client)(nil)

// WebSocket messages we send and read.
type (
	wsOp struct {
		Op   string `json:"op"`
		Args []any  `json:"args"`
	}
	wsLoginArg struct {
		APIKey     string `json:"apiKey"`
		Passphrase string `json:"passphrase"`
		Timestamp  string `json:"timestamp"`
		Sign       string `json:"sign"`
	}
	wsChannelArg struct {
		Channel  string `json:"channel"`
		InstType string `json:"instType,omitempty"`
	}
	// wsIn is any message OKX pushes: an event reply or channel data.
	wsIn struct {
		Event string          `json:"event"`
		Code  string          `json:"code"`
		Msg   string          `json:"msg"`
		Arg   wsChannelArg    `json:"arg"`
		Data  json.RawMessage `json:"data"`
		// EventType is "snapshot" on the account channel's first push.
		EventType string `json:"eventType"`
	}
)

// subscriptions are the channels the cockpit needs. OKX sends no order
// snapshot on subscribe (the supervisor's REST resync is the snapshot);
// the account channel starts with the whole account.
var subscriptions = []any{
	wsChannelArg{Channel: "orders", InstType: "SPOT"},
	wsChannelArg{Channel: "account"},
}

// protocol is one connection of OKX's private stream. OKX answers by
// event name, echoing no id; the text "ping" is answered by "pong".
func (c *Client) protocol(set wsconn.Settings) wsconn.Protocol {
	return wsconn.Protocol{
		Name:     "okx stream",
		Settings: set,
		Prepare: func(ctx context.Context) error {
			if c.signer == nil {
				return errors.New("the private stream needs an API key")
			}
			return c.clockReady(ctx)
		},
		Login: []wsconn.Request{{Op: "login", Msg: func(int64) (any, error) {
			ts, sign := c.signer.SignWSLogin(c.clock.ServerNow().Unix())
			return wsOp{Op: "login", Args: []any{wsLoginArg{
				APIKey: c.signer.keyID, Passphrase: string(c.signer.passphrase.Bytes()), Timestamp: ts, Sign: sign,
			}}}, nil
		}}},
		LoginRefused: c.loginRefused,
		// One confirmation per channel.
		Subscribe: []wsconn.Request{{Op: "subscribe", Answers: len(subscriptions), Msg: func(int64) (any, error) {
			return wsOp{Op: "subscribe", Args: subscriptions}, nil
		}}},
		Heartbeat: wsconn.Heartbeat{Ping: []byte("ping")},
		Decode:    classifier(c.info.Name),
	}
}

// wsLoginError classifies a WebSocket error event. The login codes are the
// 600xx family, not REST's 501xx, but mean the same things.
func wsLoginError(code, msg string) *exchange.APIError {
	ae := &exchange.APIError{Venue: venueName, Code: code, Msg: msg, Kind: exchange.KindAuth}
	switch code {
	case "60007":
		ae.Kind = exchange.KindSignature
		ae.AdviceText = "OKX computed a different login signature: the API secret in the vault does not belong to this key (check for a truncated paste)."
	case "60024":
		ae.AdviceText = "the API passphrase in the vault does not match the one set when the key was created; `vigil keys rotate`"
	case "60005":
		ae.AdviceText = "OKX does not know this API key on this stream host: a demo-trading key logs in at wspap.okx.com, a live key at ws.okx.com."
	case "60004", "60006":
		ae.Kind = exchange.KindClock
		ae.AdviceText = "OKX refused the login time (its window is ±30 s): vigil measures OKX's clock again before the next login; if this repeats, this machine's clock is unsteady: enable NTP."
	case "60009":
		ae.AdviceText = "OKX refused the stream login: check the key, the passphrase and that the key belongs to this environment (demo keys log in at wspap.okx.com) and, if the key is IP-bound, this machine's address."
	default:
		ae.Kind = exchange.KindOther
		ae.AdviceText = "OKX refused the stream request: " + msg
	}
	return ae
}

// classifier sorts OKX's messages: the text "pong", event replies (an
// error event is a refusal; the notice 64008, a service upgrade sent about
// 30 s ahead, is the planned close: the supervisor opens a new connection
// and closes this one once the new one is live), and channel pushes
// decoded into events.
func classifier(account string) func([]byte) (wsconn.Frame, []exchange.StreamEvent, error) {
	return func(b []byte) (wsconn.Frame, []exchange.StreamEvent, error) {
		if string(b) == "pong" {
			return wsconn.Frame{Kind: wsconn.Pong}, nil, nil
		}
		var in wsIn
		if err := json.Unmarshal(b, &in); err != nil {
			return wsconn.Frame{}, nil, fmt.Errorf("message is not JSON: %w", err)
		}
		switch in.Event {
		case "":
		case "error":
			return wsconn.Frame{Kind: wsconn.Reply, Refusal: wsLoginError(in.Code, in.Msg)}, nil, nil
		case "notice":
			return wsconn.Frame{}, nil, fmt.Errorf("OKX is closing the connection (%s %s): %w", in.Code, in.Msg, exchange.ErrGoingAway)
		default:
			return wsconn.Frame{Kind: wsconn.Reply, Op: in.Event}, nil, nil
		}
		if len(in.Data) == 0 {
			return wsconn.Frame{}, nil, nil
		}
		var evs []exchange.StreamEvent
		var err error
		switch in.Arg.Channel {
		case "orders":
			evs, err = decodeOrders(account, in.Data)
		case "account":
			evs, err = decodeAccount(account, in.Data)
			for i := range evs {
				evs[i].Snapshot = in.EventType == "snapshot"
			}
		}
		return wsconn.Frame{}, evs, err
	}
}

// decodeOrders turns one orders-channel push into events.
func decodeOrders(account string, raw json.RawMessage) ([]exchange.StreamEvent, error) {
	var data []wireOrder
	if err := json.Unmarshal(raw, &data); err != nil {
		return nil, fmt.Errorf("orders push: %w", err)
	}
	out := make([]exchange.StreamEvent, 0, len(data))
	for _, w := range data {
		o, err := w.order(account)
		if err != nil {
			return nil, err
		}
		ev := exchange.OrderEvent{Account: account, Order: o, Time: o.Updated, TradeID: w.TradeID}
		fill, _ := dec(w.FillSz)
		switch {
		case fill.IsPositive():
			ev.Kind = exchange.EventFill
			ev.LastQty = fill
			ev.LastPrice, _ = dec(w.FillPx)
			if ev.LastPrice.IsNegative() {
				return nil, fmt.Errorf("order %s: fill price %s", w.OrdID, w.FillPx)
			}
			if t := msTime(w.FillTime); !t.IsZero() {
				ev.Time = t
			}
		case o.Status == exchange.StatusCanceled:
			ev.Kind = exchange.EventCancel
		case w.Code != "" && w.Code != "0":
			ev.Kind = exchange.EventReject
		default:
			ev.Kind = exchange.EventAck
		}
		out = append(out, exchange.StreamEvent{Account: account, Order: &ev, Time: ev.Time})
	}
	return out, nil
}

// wireAccount is one account-channel push: the account summary and the
// currencies it lists (on an event, the ones that changed).
type wireAccount struct {
	UTime   string `json:"uTime"`
	Details []struct {
		Ccy       string `json:"ccy"`
		AvailBal  string `json:"availBal"`
		FrozenBal string `json:"frozenBal"`
		CashBal   string `json:"cashBal"`
		UTime     string `json:"uTime"`
	} `json:"details"`
}

// decodeAccount reads balances as Balances does: availBal is free,
// frozenBal locked (cash minus frozen when availBal is empty). They are
// valid at the push's uTime.
func decodeAccount(account string, raw json.RawMessage) ([]exchange.StreamEvent, error) {
	var data []wireAccount
	if err := json.Unmarshal(raw, &data); err != nil {
		return nil, fmt.Errorf("account push: %w", err)
	}
	var out []exchange.StreamEvent
	for _, a := range data {
		at := msTime(a.UTime)
		bals := make([]exchange.Balance, 0, len(a.Details))
		for _, d := range a.Details {
			locked, err := dec(d.FrozenBal)
			if err != nil {
				return nil, fmt.Errorf("balance %s frozenBal: %w", d.Ccy, err)
			}
			free, err := dec(d.AvailBal)
			if d.AvailBal == "" {
				cash, cerr := dec(d.CashBal)
				free, err = cash.Sub(locked), cerr
			}
			if err != nil {
				return nil, fmt.Errorf("balance %s: %w", d.Ccy, err)
			}
			bals = append(bals, exchange.Balance{Asset: d.Ccy, Free: free, Locked: locked})
			if t := msTime(d.UTime); t.After(at) {
				at = t
			}
		}
		if len(bals) > 0 {
			out = append(out, exchange.StreamEvent{Account: account, Balances: bals, Time: at})
		}
	}
	return out, nil
}
