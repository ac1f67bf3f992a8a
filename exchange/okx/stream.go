package okx

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/coder/websocket"
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
	}
)

// pingEvery keeps the connection inside OKX's 30 s idle cut-off.
const pingEvery = 20 * time.Second

// streamConfig lets tests shorten the ping period.
type streamConfig struct {
	url       string
	pingEvery time.Duration
}

// OpenStream connects to the private WebSocket, logs in and subscribes to
// SPOT orders. OKX sends no snapshot on subscribe: resync over REST after.
func (c *Client) OpenStream(ctx context.Context) (OrderStream, error) {
	return c.openStream(ctx, streamConfig{url: c.wsURL, pingEvery: pingEvery})
}

type stream struct {
	conn    *websocket.Conn
	account string
	events  chan exchange.OrderEvent
	cancel  context.CancelFunc
	done    chan struct{}

	mu  sync.Mutex
	err error
}

func (c *Client) openStream(ctx context.Context, cfg streamConfig) (*stream, error) {
	if c.signer == nil {
		return nil, errors.New("okx: the private stream needs an API key")
	}
	conn, _, err := websocket.Dial(ctx, cfg.url, nil)
	if err != nil {
		return nil, fmt.Errorf("okx: dial private stream: %w", err)
	}
	fail := func(err error) (*stream, error) {
		conn.CloseNow()
		return nil, err
	}
	ts, sign := c.signer.SignWSLogin(c.clock.ServerNow().Unix())
	login := wsOp{Op: "login", Args: []any{wsLoginArg{
		APIKey: c.signer.keyID, Passphrase: string(c.signer.passphrase.Bytes()), Timestamp: ts, Sign: sign,
	}}}
	if err := writeJSON(ctx, conn, login); err != nil {
		return fail(fmt.Errorf("okx: stream login: %w", err))
	}
	if err := expectEvent(ctx, conn, "login"); err != nil {
		return fail(err)
	}
	sub := wsOp{Op: "subscribe", Args: []any{wsChannelArg{Channel: "orders", InstType: "SPOT"}}}
	if err := writeJSON(ctx, conn, sub); err != nil {
		return fail(fmt.Errorf("okx: stream subscribe: %w", err))
	}
	if err := expectEvent(ctx, conn, "subscribe"); err != nil {
		return fail(err)
	}
	rctx, cancel := context.WithCancel(context.Background())
	s := &stream{conn: conn, account: c.info.Name, events: make(chan exchange.OrderEvent, 64), cancel: cancel, done: make(chan struct{})}
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

// expectEvent reads until OKX answers op; an "error" event fails with OKX's
// code, which for login carries the same meaning as REST's.
func expectEvent(ctx context.Context, conn *websocket.Conn, op string) error {
	for {
		_, b, err := conn.Read(ctx)
		if err != nil {
			return fmt.Errorf("okx: stream waiting for %s: %w", op, err)
		}
		if string(b) == "pong" {
			continue
		}
		var in wsIn
		if err := json.Unmarshal(b, &in); err != nil {
			return fmt.Errorf("okx: stream %s reply is not JSON: %w", op, err)
		}
		switch in.Event {
		case op:
			return nil
		case "error":
			return wsLoginError(in.Code, in.Msg)
		}
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
		ae.AdviceText = "OKX refused the login time (its window is ±30 s): run `vigil check` to re-sync the clock, and enable NTP if this repeats."
	case "60009":
		ae.AdviceText = "OKX refused the stream login: check the key, the passphrase and that the key belongs to this environment (demo keys log in at wspap.okx.com) and, if the key is IP-bound, this machine's address."
	default:
		ae.Kind = exchange.KindOther
		ae.AdviceText = "OKX refused the stream request: " + msg
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

// ping sends OKX's text "ping"; "pong" comes back as a text message.
func (s *stream) ping(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.conn.Write(ctx, websocket.MessageText, []byte("ping")); err != nil {
				s.fail(fmt.Errorf("okx: stream ping: %w", err))
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
				s.fail(fmt.Errorf("okx: stream: %w", err))
			}
			return
		}
		if string(b) == "pong" {
			continue
		}
		evs, err := decodePush(s.account, b)
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

// decodePush turns one orders-channel push into events; other messages give
// none.
func decodePush(account string, b []byte) ([]exchange.OrderEvent, error) {
	var in wsIn
	if err := json.Unmarshal(b, &in); err != nil {
		return nil, fmt.Errorf("okx: stream message is not JSON: %w", err)
	}
	if in.Event == "error" {
		return nil, &exchange.APIError{Venue: venueName, Code: in.Code, Msg: in.Msg}
	}
	if in.Arg.Channel != "orders" || len(in.Data) == 0 {
		return nil, nil
	}
	var data []wireOrder
	if err := json.Unmarshal(in.Data, &data); err != nil {
		return nil, fmt.Errorf("okx: orders push: %w", err)
	}
	out := make([]exchange.OrderEvent, 0, len(data))
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
		out = append(out, ev)
	}
	return out, nil
}
