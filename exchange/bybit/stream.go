package bybit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
)

// OrderStream yields the account's order events until it fails or is
// closed; reconnecting and resyncing over REST is the caller's job.
type OrderStream interface {
	// Events is closed when the stream ends; Err then says why.
	Events() <-chan exchange.OrderEvent
	Err() error
	Close() error
}

type (
	wsOp struct {
		ReqID string `json:"req_id,omitempty"`
		Op    string `json:"op"`
		Args  []any  `json:"args,omitempty"`
	}
	// wsIn is a command reply or a topic push.
	wsIn struct {
		Success *bool           `json:"success"`
		RetMsg  string          `json:"ret_msg"`
		Op      string          `json:"op"`
		Topic   string          `json:"topic"`
		Data    json.RawMessage `json:"data"`
	}
)

// pingEvery is Bybit's recommended heartbeat.
const pingEvery = 20 * time.Second

// authTTL is how far in the future the auth's expiry is set.
const authTTL = 10 * time.Second

type streamConfig struct {
	url       string
	pingEvery time.Duration
}

// OpenStream connects to the private WebSocket, authenticates and
// subscribes to the order topic.
func (c *Client) OpenStream(ctx context.Context) (OrderStream, error) {
	return c.openStream(ctx, streamConfig{url: c.wsURL, pingEvery: pingEvery})
}

type stream struct {
	conn    *websocket.Conn
	account string
	events  chan exchange.OrderEvent
	cancel  context.CancelFunc
	done    chan struct{}
	cum     map[string]decimal.Decimal // orderId → cumExecQty seen, for fill deltas

	mu  sync.Mutex
	err error
}

func (c *Client) openStream(ctx context.Context, cfg streamConfig) (*stream, error) {
	if c.signer == nil {
		return nil, errors.New("bybit: the private stream needs an API key")
	}
	conn, _, err := websocket.Dial(ctx, cfg.url, nil)
	if err != nil {
		return nil, fmt.Errorf("bybit: dial private stream: %w", err)
	}
	fail := func(err error) (*stream, error) {
		conn.CloseNow()
		return nil, err
	}
	expires, sign := c.signer.SignWS(c.clock.ServerNow().Add(authTTL).UnixMilli())
	if err := writeJSON(ctx, conn, wsOp{Op: "auth", Args: []any{c.signer.keyID, json.Number(expires), sign}}); err != nil {
		return fail(fmt.Errorf("bybit: stream auth: %w", err))
	}
	if err := expectReply(ctx, conn, "auth"); err != nil {
		return fail(err)
	}
	if err := writeJSON(ctx, conn, wsOp{Op: "subscribe", Args: []any{"order"}}); err != nil {
		return fail(fmt.Errorf("bybit: stream subscribe: %w", err))
	}
	if err := expectReply(ctx, conn, "subscribe"); err != nil {
		return fail(err)
	}
	rctx, cancel := context.WithCancel(context.Background())
	s := &stream{conn: conn, account: c.info.Name, events: make(chan exchange.OrderEvent, 64), cancel: cancel,
		done: make(chan struct{}), cum: map[string]decimal.Decimal{}}
	go s.ping(rctx, cfg.pingEvery)
	go s.read(rctx)
	return s, nil
}

func writeJSON(ctx context.Context, conn *websocket.Conn, v any) error {
	b, err := marshal(v)
	if err != nil {
		return err
	}
	return conn.Write(ctx, websocket.MessageText, b)
}

func expectReply(ctx context.Context, conn *websocket.Conn, op string) error {
	for {
		_, b, err := conn.Read(ctx)
		if err != nil {
			return fmt.Errorf("bybit: stream waiting for %s: %w", op, err)
		}
		var in wsIn
		if err := json.Unmarshal(b, &in); err != nil {
			return fmt.Errorf("bybit: stream %s reply is not JSON: %w", op, err)
		}
		if in.Op != op || in.Success == nil {
			continue
		}
		if !*in.Success {
			return wsRefusal(op, in.RetMsg)
		}
		return nil
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
		ae.AdviceText = "Bybit says the stream auth had already expired: this machine's clock is behind Bybit's; run `vigil check` to re-sync, and enable NTP."
	case wsIPRe.MatchString(low):
		ae.Kind = exchange.KindPermission
		ae.AdviceText = "Bybit refused the stream from this address: it is not among the key's bound IPs."
	default:
		ae.AdviceText = "Bybit refused the stream auth: check the key and secret, and that the key belongs to this environment's stream host (testnet keys at stream-testnet.bybit.com)."
	}
	return ae
}

func (s *stream) Events() <-chan exchange.OrderEvent { return s.events }

func (s *stream) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

func (s *stream) Close() error {
	s.cancel()
	err := s.conn.Close(websocket.StatusNormalClosure, "")
	<-s.done
	return err
}

func (s *stream) fail(err error) {
	s.mu.Lock()
	if s.err == nil {
		s.err = err
	}
	s.mu.Unlock()
}

func (s *stream) ping(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := writeJSON(ctx, s.conn, wsOp{Op: "ping"}); err != nil {
				s.fail(fmt.Errorf("bybit: stream ping: %w", err))
				return
			}
		}
	}
}

func (s *stream) read(ctx context.Context) {
	defer close(s.done)
	defer close(s.events)
	defer s.cancel()
	for {
		_, b, err := s.conn.Read(ctx)
		if err != nil {
			if ctx.Err() == nil {
				s.fail(fmt.Errorf("bybit: stream: %w", err))
			}
			return
		}
		evs, err := s.decodePush(b)
		if err != nil {
			s.fail(err)
			s.conn.Close(websocket.StatusUnsupportedData, "bad message")
			return
		}
		for _, ev := range evs {
			select {
			case s.events <- ev:
			case <-ctx.Done():
				return
			}
		}
	}
}

// decodePush turns an order-topic push into events. The order topic gives
// cumulative quantities only, so a fill's size is the change since the last
// message for that order (exact per connection; after a reconnect the REST
// resync owns the truth). Entries are kept for the connection's life so a
// second Filled message (a cancel racing a fill) is not a second fill.
func (s *stream) decodePush(b []byte) ([]exchange.OrderEvent, error) {
	var in wsIn
	if err := json.Unmarshal(b, &in); err != nil {
		return nil, fmt.Errorf("bybit: stream message is not JSON: %w", err)
	}
	if in.Topic != "order" && in.Topic != "order.spot" || len(in.Data) == 0 {
		return nil, nil
	}
	var data []wireOrder
	if err := json.Unmarshal(in.Data, &data); err != nil {
		return nil, fmt.Errorf("bybit: order push: %w", err)
	}
	out := make([]exchange.OrderEvent, 0, len(data))
	for _, w := range data {
		if w.Category != "" && w.Category != "spot" {
			continue
		}
		o, err := w.order(s.account)
		if err != nil {
			return nil, err
		}
		ev := exchange.OrderEvent{Account: s.account, Order: o, Time: o.Updated}
		prev := s.cum[o.OrderID]
		delta := o.Filled.Sub(prev)
		if o.Filled.GreaterThan(prev) {
			s.cum[o.OrderID] = o.Filled
		}
		switch {
		case delta.IsPositive():
			ev.Kind = exchange.EventFill
			ev.LastQty = delta
			if o.Filled.IsPositive() {
				// Average over the delta is not sent; the order's average
				// is the best reference the topic has.
				ev.LastPrice = o.QuoteFilled.Div(o.Filled)
			}
		case o.Status == exchange.StatusRejected:
			ev.Kind = exchange.EventReject
		case o.Status == exchange.StatusCanceled:
			ev.Kind = exchange.EventCancel
		default:
			ev.Kind = exchange.EventAck
		}
		out = append(out, ev)
	}
	return out, nil
}
