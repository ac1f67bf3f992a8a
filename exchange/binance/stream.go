package binance

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
)

// WebSocket API endpoints (user data lives there since the listen-key
// streams were removed in 2026).
const (
	TestnetWSURL = "wss://ws-api.testnet.binance.vision/ws-api/v3"
	MainnetWSURL = "wss://ws-api.binance.com:443/ws-api/v3"
	DemoWSURL    = "wss://demo-ws-api.binance.com/ws-api/v3"
	wsAPIPath    = "/ws-api/v3"
)

// Liveness defaults. A connection whose pong does not come back is dead
// within PingEvery+PongWait (25 s); a subscription the venue dropped without
// telling us is found within CheckEvery+PongWait (40 s). A stream that keeps
// both alive but loses events is the supervisor's audit's to find.
const (
	defaultPingEvery  = 15 * time.Second
	defaultPongWait   = 10 * time.Second
	defaultCheckEvery = 30 * time.Second
	wsReadLimit       = 1 << 20
)

// StreamOption configures a Streamer.
type StreamOption func(*streamConfig)

type streamConfig struct {
	url        string
	hc         *http.Client
	pingEvery  time.Duration
	pongWait   time.Duration
	checkEvery time.Duration
}

// WithStreamURL sets the WebSocket API URL; default: the client's
// WithWSURL, else derived from the REST base URL (testnet, mainnet, demo,
// or ws://host/ws-api/v3 for a fake).
func WithStreamURL(u string) StreamOption { return func(c *streamConfig) { c.url = u } }

// WithStreamHTTPClient sets the client the WebSocket handshake goes through
// (an in-memory transport in tests). Default: an HTTP/1.1-only client, as
// the upgrade cannot ride HTTP/2.
func WithStreamHTTPClient(hc *http.Client) StreamOption { return func(c *streamConfig) { c.hc = hc } }

// WithHeartbeat sets how often we ping, how long a pong or a request's
// answer may take, and how often the subscription is checked.
func WithHeartbeat(pingEvery, pongWait, checkEvery time.Duration) StreamOption {
	return func(c *streamConfig) {
		if pingEvery > 0 {
			c.pingEvery = pingEvery
		}
		if pongWait > 0 {
			c.pongWait = pongWait
		}
		if checkEvery > 0 {
			c.checkEvery = checkEvery
		}
	}
}

// Streamer opens the account's user data stream over the WebSocket API:
// session.logon then userDataStream.subscribe for Ed25519 keys,
// userDataStream.subscribe.signature for any other key type.
type Streamer struct {
	c   *Client
	cfg streamConfig
}

// NewStreamer returns c's user data streamer.
func NewStreamer(c *Client, opts ...StreamOption) *Streamer {
	cfg := streamConfig{pingEvery: defaultPingEvery, pongWait: defaultPongWait, checkEvery: defaultCheckEvery}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.url == "" {
		cfg.url = c.wsURL
	}
	if cfg.url == "" {
		cfg.url = wsURLFor(c.base)
	}
	if cfg.hc == nil {
		cfg.hc = &http.Client{Transport: &http.Transport{
			Proxy:             http.ProxyFromEnvironment,
			ForceAttemptHTTP2: false,
			// A non-nil empty map keeps HTTP/2 from being negotiated.
			TLSNextProto:        map[string]func(string, *tls.Conn) http.RoundTripper{},
			TLSHandshakeTimeout: 5 * time.Second,
		}}
	}
	return &Streamer{c: c, cfg: cfg}
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

// wsReply is a WebSocket API answer.
type wsReply struct {
	ID     string          `json:"id"`
	Status int             `json:"status"`
	Result json.RawMessage `json:"result"`
	Error  json.RawMessage `json:"error"`
}

type wsStream struct {
	c       *Client
	cfg     streamConfig
	conn    *websocket.Conn
	account string
	subID   int64

	ctx    context.Context
	cancel context.CancelFunc
	events chan exchange.StreamEvent
	wg     sync.WaitGroup

	mu      sync.Mutex
	err     error
	closing bool          // Close was called: the consumer wants nothing more
	closed  chan struct{} // closed by Close
	away    chan struct{} // closed on serverShutdown
	notice  error
	nextID  int
	waiting map[string]chan wsReply
	queue   []exchange.StreamEvent
	ended   bool // the reader has stopped: no more events
	wake    chan struct{}
}

// Stream dials, authenticates and subscribes; ctx bounds only that.
func (s *Streamer) Stream(ctx context.Context) (exchange.Stream, error) {
	c := s.c
	if c.signer == nil || c.keyID == "" {
		return nil, fmt.Errorf("binance stream: %w", ErrNoSecret)
	}
	// Before dialling: the login is stamped as soon as the socket is up.
	if err := c.clockReady(ctx); err != nil {
		return nil, fmt.Errorf("binance stream: %w", err)
	}
	// A followed redirect would take the signed subscription that comes
	// next to whatever host it names.
	conn, _, err := websocket.Dial(ctx, s.cfg.url, &websocket.DialOptions{HTTPClient: exchange.RefuseRedirects(venueName, s.cfg.hc)})
	if err != nil {
		return nil, fmt.Errorf("binance stream: dial: %w", redactURL(err))
	}
	conn.SetReadLimit(wsReadLimit)
	rctx, cancel := context.WithCancel(context.Background())
	st := &wsStream{
		c: c, cfg: s.cfg, conn: conn, account: c.info.Name,
		ctx: rctx, cancel: cancel,
		events:  make(chan exchange.StreamEvent),
		waiting: map[string]chan wsReply{},
		wake:    make(chan struct{}, 1),
		closed:  make(chan struct{}),
		away:    make(chan struct{}),
	}
	st.wg.Go(st.read)
	st.wg.Go(st.pump)
	if err := st.subscribe(ctx); err != nil {
		st.Close()
		c.loginRefused(err)
		return nil, err
	}
	st.wg.Go(st.heartbeat)
	return st, nil
}

func (st *wsStream) signed() map[string]string {
	return map[string]string{
		"apiKey":     st.c.keyID,
		"timestamp":  strconv.FormatInt(st.c.clock.Stamp().UnixMilli(), 10),
		"recvWindow": strconv.FormatInt(st.c.recvWindow.Milliseconds(), 10),
	}
}

func (st *wsStream) subscribe(ctx context.Context) error {
	var res json.RawMessage
	var err error
	if st.c.signer.Scheme() == exchange.SchemeEd25519 {
		if _, err = st.request(ctx, "session.logon", st.signed()); err != nil {
			return fmt.Errorf("binance stream: session.logon: %w", err)
		}
		res, err = st.request(ctx, "userDataStream.subscribe", nil)
	} else {
		res, err = st.request(ctx, "userDataStream.subscribe.signature", st.signed())
	}
	if err != nil {
		return fmt.Errorf("binance stream: subscribe: %w", err)
	}
	var sub struct {
		ID *int64 `json:"subscriptionId"`
	}
	if err := json.Unmarshal(res, &sub); err != nil || sub.ID == nil {
		return fmt.Errorf("binance stream: subscribe answered without a subscriptionId (%s)", snippet(res))
	}
	st.subID = *sub.ID
	return nil
}

// request sends one WebSocket API request; params named in the signed set
// are signed (sorted, not percent-encoded) when they include apiKey.
func (st *wsStream) request(ctx context.Context, method string, params map[string]string) (json.RawMessage, error) {
	st.mu.Lock()
	st.nextID++
	id := "v" + strconv.Itoa(st.nextID)
	ch := make(chan wsReply, 1)
	st.waiting[id] = ch
	st.mu.Unlock()
	defer func() {
		st.mu.Lock()
		delete(st.waiting, id)
		st.mu.Unlock()
	}()
	body := map[string]any{"id": id, "method": method}
	if params != nil {
		p := make(map[string]any, len(params)+1)
		for k, v := range params {
			p[k] = v
		}
		if _, ok := params["apiKey"]; ok {
			_, p["signature"] = st.c.signer.SignWS(params)
		}
		// Numbers go as JSON numbers: the venue signs their text as sent.
		for _, k := range []string{"timestamp", "recvWindow"} {
			if v, ok := params[k]; ok {
				p[k] = json.Number(v)
			}
		}
		body["params"] = p
	}
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	if err := st.conn.Write(ctx, websocket.MessageText, b); err != nil {
		return nil, err
	}
	select {
	case r := <-ch:
		if r.Status != http.StatusOK {
			if ae := decodeAPIError(r.Status, r.Error, st.c.errCtx()); ae != nil {
				return nil, ae
			}
			return nil, fmt.Errorf("%s: status %d (%s)", method, r.Status, snippet(r.Error))
		}
		return r.Result, nil
	case <-st.ctx.Done():
		if err := st.Err(); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("%s: connection closed: %w", method, st.ctx.Err())
	case <-ctx.Done():
		return nil, fmt.Errorf("%s: no answer: %w", method, ctx.Err())
	}
}

// fail ends the stream for a reason; the first reason sticks. After Close
// there is nothing to report.
func (st *wsStream) fail(err error) {
	st.mu.Lock()
	if st.err == nil && !st.closing {
		st.err = err
	}
	st.mu.Unlock()
	st.cancel()
	st.conn.CloseNow()
}

func (st *wsStream) Err() error {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.err
}

func (st *wsStream) Events() <-chan exchange.StreamEvent { return st.events }

// Close ends the stream with a close frame and waits for its goroutines.
func (st *wsStream) Close() error {
	st.mu.Lock()
	first := !st.closing
	st.closing = true
	st.mu.Unlock()
	if first {
		close(st.closed)
	}
	// The close frame goes first: cancelling the reader's context makes
	// the library drop the socket without one. The far end may be gone
	// already: there is nothing useful to report.
	_ = st.conn.Close(websocket.StatusNormalClosure, "")
	st.cancel()
	st.wg.Wait()
	return nil
}

// GoingAway implements exchange.GoingAway: closed on serverShutdown.
func (st *wsStream) GoingAway() <-chan struct{} { return st.away }

// Notice implements exchange.GoingAway.
func (st *wsStream) Notice() error {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.notice
}

var _ exchange.GoingAway = (*wsStream)(nil)

// read is the only reader of the connection: it routes answers to their
// requests, queues events (never blocking, so pongs keep being read) and,
// through the library, answers the server's pings.
func (st *wsStream) read() {
	defer func() {
		st.mu.Lock()
		st.ended = true
		st.mu.Unlock()
		st.poke()
	}()
	for {
		_, b, err := st.conn.Read(st.ctx)
		if err != nil {
			if st.ctx.Err() == nil {
				st.fail(fmt.Errorf("binance stream: connection lost: %w", err))
			}
			return
		}
		if err := st.dispatch(b); err != nil {
			st.fail(err)
			return
		}
	}
}

func (st *wsStream) poke() {
	select {
	case st.wake <- struct{}{}:
	default:
	}
}

// pump hands queued events to the consumer in order and closes Events
// once the reader has stopped and the queue is empty.
func (st *wsStream) pump() {
	defer close(st.events)
	for {
		st.mu.Lock()
		if len(st.queue) == 0 {
			ended := st.ended
			st.mu.Unlock()
			if ended {
				return
			}
			<-st.wake
			continue
		}
		ev := st.queue[0]
		st.queue[0] = exchange.StreamEvent{}
		st.queue = st.queue[1:]
		st.mu.Unlock()
		select {
		case st.events <- ev:
		case <-st.closed:
			// What is queued is still true, and a failed stream hands it
			// over; a consumer that closed wants nothing more.
			return
		}
	}
}

type wsIn struct {
	ID             *string         `json:"id"`
	Status         int             `json:"status"`
	Result         json.RawMessage `json:"result"`
	Error          json.RawMessage `json:"error"`
	SubscriptionID *int64          `json:"subscriptionId"`
	Event          json.RawMessage `json:"event"`
}

// ErrStreamEnded is the venue ending the user data stream
// (eventStreamTerminated): reconnect and resubscribe. serverShutdown is
// not an end but a notice (exchange.ErrGoingAway): the stream keeps
// delivering while the supervisor opens its replacement.
var ErrStreamEnded = errors.New("binance ended the user data stream")

func (st *wsStream) dispatch(b []byte) error {
	var in wsIn
	if err := json.Unmarshal(b, &in); err != nil {
		return fmt.Errorf("binance stream: message is not JSON: %w", err)
	}
	if in.Event == nil {
		if in.ID == nil {
			return nil
		}
		st.mu.Lock()
		ch := st.waiting[*in.ID]
		st.mu.Unlock()
		if ch != nil {
			ch <- wsReply{ID: *in.ID, Status: in.Status, Result: in.Result, Error: in.Error}
		}
		return nil
	}
	ev, err := parseEvent(st.account, in.Event)
	if errors.Is(err, exchange.ErrGoingAway) {
		st.mu.Lock()
		first := st.notice == nil
		if first {
			st.notice = err
		}
		st.mu.Unlock()
		if first {
			close(st.away)
		}
		return nil
	}
	if err != nil {
		return err
	}
	if ev == nil {
		return nil
	}
	st.mu.Lock()
	st.queue = append(st.queue, *ev)
	st.mu.Unlock()
	st.poke()
	return nil
}

// heartbeat pings (a ping frame; the pong must come back within PongWait)
// and checks the subscription is still listed; either failing ends the
// stream, since a socket can look open long after its far end is gone.
func (st *wsStream) heartbeat() {
	ping := time.NewTicker(st.cfg.pingEvery)
	defer ping.Stop()
	check := time.NewTicker(st.cfg.checkEvery)
	defer check.Stop()
	for {
		select {
		case <-st.ctx.Done():
			return
		case <-ping.C:
			ctx, cancel := context.WithTimeout(st.ctx, st.cfg.pongWait)
			err := st.conn.Ping(ctx)
			cancel()
			if err != nil && st.ctx.Err() == nil {
				st.fail(fmt.Errorf("binance stream: no pong within %v: %w", st.cfg.pongWait, err))
				return
			}
		case <-check.C:
			ctx, cancel := context.WithTimeout(st.ctx, st.cfg.pongWait)
			res, err := st.request(ctx, "session.subscriptions", nil)
			cancel()
			if st.ctx.Err() != nil {
				return
			}
			if err != nil {
				st.fail(fmt.Errorf("binance stream: subscription check: %w", err))
				return
			}
			var subs []struct {
				ID int64 `json:"subscriptionId"`
			}
			_ = json.Unmarshal(res, &subs)
			found := false
			for _, s := range subs {
				found = found || s.ID == st.subID
			}
			if !found {
				st.fail(fmt.Errorf("binance stream: subscription %d is gone: %w", st.subID, ErrStreamEnded))
				return
			}
		}
	}
}

// parseEvent decodes one user data event; nil for events the cockpit does
// not use. Keys are read exactly: Binance uses both cases of one letter
// for different fields ("c" and "C", "x" and "X"), and encoding/json
// matches struct tags case-insensitively.
func parseEvent(account string, raw json.RawMessage) (*exchange.StreamEvent, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("binance stream: event is not an object: %w", err)
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
			return nil, fmt.Errorf("binance stream: outboundAccountPosition balances: %w", err)
		}
		bals := make([]exchange.Balance, 0, len(rows))
		for _, r := range rows {
			rf := fields(r)
			b := exchange.Balance{Asset: rf.str("a"), Free: rf.dec("f"), Locked: rf.dec("l")}
			if rf.err != nil {
				return nil, fmt.Errorf("binance stream: outboundAccountPosition: %w", rf.err)
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
		return nil, fmt.Errorf("binance stream: serverShutdown: %w", exchange.ErrGoingAway)
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
		return exchange.OrderEvent{}, fmt.Errorf("binance stream: executionReport: %w", f.err)
	}
	if o.OrderID == "" || o.Symbol == "" {
		return exchange.OrderEvent{}, errors.New("binance stream: executionReport without symbol or order id")
	}
	return ev, nil
}
