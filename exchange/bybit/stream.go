package bybit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/wsconn"
)

// Liveness defaults: Bybit asks for {"op":"ping"} every 20 s; a pong that
// has not come back 10 s later means the connection is dead, even if the
// socket looks open. A stream that keeps ponging but loses pushes is the
// supervisor's audit's to find.
const (
	defaultPingEvery = 20 * time.Second
	defaultPongWait  = 10 * time.Second
)

// authTTL is how far in the future the auth's expiry is set.
const authTTL = 10 * time.Second

// NewStreamer returns c's private stream: auth, then the order and
// wallet topics. The handshake goes through c's HTTP client to c's
// WebSocket URL unless an option says otherwise.
func NewStreamer(c *Client, opts ...wsconn.Option) *wsconn.Streamer {
	def := wsconn.Settings{URL: c.wsURL, HTTPClient: c.hc, PingEvery: defaultPingEvery, PongWait: defaultPongWait}
	return wsconn.NewStreamer(def, c.protocol, opts...)
}

// Stream implements exchange.Streamer with the default heartbeat.
func (c *Client) Stream(ctx context.Context) (exchange.Stream, error) {
	return NewStreamer(c).Stream(ctx)
}

var _ exchange.Streamer = (*Client)(nil)

type (
	wsOp struct {
		ReqID string `json:"req_id,omitempty"`
		Op    string `json:"op"`
		Args  []any  `json:"args,omitempty"`
	}
	// wsIn is a command reply, a pong or a topic push.
	wsIn struct {
		Success      *bool           `json:"success"`
		RetMsg       string          `json:"ret_msg"`
		Op           string          `json:"op"`
		Topic        string          `json:"topic"`
		CreationTime int64           `json:"creationTime"`
		Data         json.RawMessage `json:"data"`
	}
)

// protocol is one connection of Bybit's private stream. Bybit answers a
// command with its op; it sends no snapshot on subscribe (the supervisor's
// REST resync is the snapshot) and documents no notice of a planned
// disconnect (a closed connection is reconnected and resynced).
func (c *Client) protocol(set wsconn.Settings) wsconn.Protocol {
	return wsconn.Protocol{
		Name:     "bybit stream",
		Settings: set,
		Prepare: func(ctx context.Context) error {
			if c.signer == nil {
				return errors.New("the private stream needs an API key")
			}
			return c.clockReady(ctx)
		},
		Login: []wsconn.Request{{Op: "auth", Msg: func(int64) (any, error) {
			expires, sign := c.signer.SignWS(c.clock.ServerNow().Add(authTTL).UnixMilli())
			return wsOp{Op: "auth", Args: []any{c.signer.keyID, json.Number(expires), sign}}, nil
		}}},
		LoginRefused: c.loginRefused,
		Subscribe: []wsconn.Request{{Op: "subscribe", Msg: func(int64) (any, error) {
			return wsOp{Op: "subscribe", Args: []any{"order", "wallet"}}, nil
		}}},
		Heartbeat: wsconn.Heartbeat{Ping: []byte(`{"op":"ping"}`)},
		Decode:    classifier(c.info.Name),
	}
}

var wsIPRe = regexp.MustCompile(`\bip\b`)

// wsRefusal classifies a refused command. Bybit's WebSocket replies carry
// no code, only ret_msg, whose wording has varied ("error:signature
// verification failed", "error:verify signature fail", "Params Error"), so
// the text decides and the op stands in for the code.
func wsRefusal(op, msg string) *exchange.APIError {
	ae := &exchange.APIError{Venue: venueName, Code: op, Msg: msg, Kind: exchange.KindAuth}
	low := strings.ToLower(msg)
	switch {
	case op != "auth":
		ae.Kind = exchange.KindOther
		ae.AdviceText = "Bybit refused the stream " + op + ": " + msg
	case strings.Contains(low, "sign"):
		ae.Kind = exchange.KindSignature
		ae.AdviceText = "Bybit computed a different stream signature: the API secret in the vault does not belong to this key (check for a truncated paste), or the key is an RSA key."
	case strings.Contains(low, "expire"):
		ae.Kind = exchange.KindClock
		ae.AdviceText = "Bybit says the stream auth had already expired: its clock is ahead of the estimate vigil stamped with; vigil measures Bybit's clock again before the next login; if this repeats, this machine's clock is unsteady: enable NTP."
	case wsIPRe.MatchString(low):
		ae.Kind = exchange.KindPermission
		ae.AdviceText = "Bybit refused the stream from this address: it is not among the key's bound IPs."
	default:
		ae.AdviceText = "Bybit refused the stream auth: check the key and secret, and that the key belongs to this environment's stream host (testnet keys at stream-testnet.bybit.com)."
	}
	return ae
}

// classifier sorts Bybit's messages: pongs (the private form
// {"op":"pong"} and the public {"op":"ping","ret_msg":"pong"}), command
// replies (success false is a refusal), and topic pushes decoded into
// events. It keeps, per connection, each order's cumulative fill so far.
func classifier(account string) func([]byte) (wsconn.Frame, []exchange.StreamEvent, error) {
	d := &decoder{account: account, cum: map[string]decimal.Decimal{}}
	return func(b []byte) (wsconn.Frame, []exchange.StreamEvent, error) {
		var in wsIn
		if err := json.Unmarshal(b, &in); err != nil {
			return wsconn.Frame{}, nil, fmt.Errorf("message is not JSON: %w", err)
		}
		switch {
		case in.Op == "pong" || in.Op == "ping" && in.RetMsg == "pong":
			return wsconn.Frame{Kind: wsconn.Pong}, nil, nil
		case in.Topic == "":
			f := wsconn.Frame{Kind: wsconn.Reply, Op: in.Op}
			if in.Success != nil && !*in.Success {
				f.Refusal = wsRefusal(in.Op, in.RetMsg)
			}
			return f, nil, nil
		case len(in.Data) == 0:
			return wsconn.Frame{}, nil, nil
		}
		var evs []exchange.StreamEvent
		var err error
		switch in.Topic {
		case "order", "order.spot":
			evs, err = d.orders(in.Data)
		case "wallet":
			evs, err = d.wallet(in.Data, time.UnixMilli(in.CreationTime))
		}
		return wsconn.Frame{}, evs, err
	}
}

type decoder struct {
	account string
	cum     map[string]decimal.Decimal // orderId → cumExecQty seen, for fill deltas
}

// orders turns an order-topic push into events. The order topic gives
// cumulative quantities only, so a fill's size is the change since the last
// message for that order (exact per connection; after a reconnect the REST
// resync owns the truth). Entries are kept for the connection's life so a
// second Filled message (a cancel racing a fill) is not a second fill.
func (d *decoder) orders(raw json.RawMessage) ([]exchange.StreamEvent, error) {
	var data []wireOrder
	if err := json.Unmarshal(raw, &data); err != nil {
		return nil, fmt.Errorf("order push: %w", err)
	}
	out := make([]exchange.StreamEvent, 0, len(data))
	for _, w := range data {
		if w.Category != "" && w.Category != "spot" {
			continue
		}
		o, err := w.order(d.account)
		if err != nil {
			return nil, err
		}
		ev := exchange.OrderEvent{Account: d.account, Order: o, Time: o.Updated}
		prev := d.cum[o.OrderID]
		delta := o.Filled.Sub(prev)
		if o.Filled.GreaterThan(prev) {
			d.cum[o.OrderID] = o.Filled
		}
		switch {
		case delta.IsPositive():
			ev.Kind = exchange.EventFill
			ev.LastQty = delta
			// The price of the delta is not sent; the order's average is
			// the best reference the topic has.
			ev.LastPrice = o.QuoteFilled.Div(o.Filled)
		case o.Status == exchange.StatusRejected:
			ev.Kind = exchange.EventReject
		case o.Status == exchange.StatusCanceled:
			ev.Kind = exchange.EventCancel
		default:
			ev.Kind = exchange.EventAck
		}
		out = append(out, exchange.StreamEvent{Account: d.account, Order: &ev, Time: ev.Time})
	}
	return out, nil
}

// wallet reads a wallet push as Balances reads the REST wallet: free is
// walletBalance less locked (held by spot orders). The coins listed are
// as they stand at the push's creationTime.
func (d *decoder) wallet(raw json.RawMessage, at time.Time) ([]exchange.StreamEvent, error) {
	var data []struct {
		AccountType string `json:"accountType"`
		Coin        []struct {
			Coin          string `json:"coin"`
			WalletBalance string `json:"walletBalance"`
			Locked        string `json:"locked"`
		} `json:"coin"`
	}
	if err := json.Unmarshal(raw, &data); err != nil {
		return nil, fmt.Errorf("wallet push: %w", err)
	}
	var bals []exchange.Balance
	for _, acct := range data {
		if acct.AccountType != "" && acct.AccountType != "UNIFIED" {
			continue // the REST snapshot reads the unified account only
		}
		for _, c := range acct.Coin {
			wb, err := dec(c.WalletBalance)
			if err != nil {
				return nil, fmt.Errorf("wallet %s walletBalance: %w", c.Coin, err)
			}
			locked, err := dec(c.Locked)
			if err != nil {
				return nil, fmt.Errorf("wallet %s locked: %w", c.Coin, err)
			}
			bals = append(bals, exchange.Balance{Asset: c.Coin, Free: wb.Sub(locked), Locked: locked})
		}
	}
	if len(bals) == 0 {
		return nil, nil
	}
	return []exchange.StreamEvent{{Account: d.account, Balances: bals, Time: at}}, nil
}
