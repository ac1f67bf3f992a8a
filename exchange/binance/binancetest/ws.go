package binancetest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/sim"
)

// WSPath is where the fake serves the WebSocket API (user data stream).
const WSPath = "/ws-api/v3"

// StreamFault is a misbehaviour of the WebSocket API (sim's, with
// Binance's shapes): StreamDrop and StreamExpire act on the connections
// open now; the others last until ClearStreamFaults. StreamExpire ends
// every subscription with eventStreamTerminated and closes the connection
// normally, as at Binance's 24 h limit. StreamNoPong also stops the
// server's own pings.
type StreamFault = sim.StreamFault

// The stream faults.
const (
	StreamDrop   = sim.StreamDrop
	StreamExpire = sim.StreamExpire
	StreamNoPong = sim.StreamNoPong
	StreamSilent = sim.StreamSilent
	StreamDelay  = sim.StreamDelay
	// StreamNotice sends serverShutdown and closes the connection after
	// the fault's delay.
	StreamNotice = sim.StreamNotice
)

// WithPingInterval changes the server's ping period (Binance: 20 s); a
// connection that leaves a ping unanswered for a minute is closed.
func WithPingInterval(d time.Duration) Option { return func(s *Server) { s.pingEvery = d } }

// wsConn is one connection's Binance state; the hub owns the socket.
type wsConn struct {
	s         *Server
	c         *sim.WSConn
	ip        string
	connected time.Time

	mu      sync.Mutex
	session *apiKey
	authed  time.Time
	subs    map[int]func()
	nextSub int
}

type wsRequest struct {
	ID     json.RawMessage            `json:"id"`
	Method string                     `json:"method"`
	Params map[string]json.RawMessage `json:"params"`
}

type wsResponse struct {
	ID         json.RawMessage `json:"id"`
	Status     int             `json:"status"`
	Result     any             `json:"result,omitempty"`
	Error      *apiError       `json:"error,omitempty"`
	RateLimits []rateLimitJSON `json:"rateLimits,omitempty"`
}

func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	ip, connected := s.ClientIP(r), s.sim.Now()
	s.ServeWS(w, r, sim.WSServe{
		Accept: &websocket.AcceptOptions{
			OnPingReceived: func(context.Context, []byte) bool { return s.Hub().AnswerPings() },
		},
		Open: func(c *sim.WSConn) func([]byte) {
			wc := &wsConn{s: s, c: c, ip: ip, connected: connected, subs: map[int]func(){}}
			c.OnExpire(wc.expire)
			go wc.pinger()
			return wc.handle
		},
		// Connection-wide, so without a subscriptionId.
		Notice: func(c *sim.WSConn) {
			c.Write(map[string]any{"event": map[string]any{"e": "serverShutdown", "E": ms(s.sim.Now())}})
		},
	})
}

// pinger pings like Binance: every 20 s, closing the connection when a pong
// does not come back within a minute.
func (wc *wsConn) pinger() {
	every := wc.s.pingEvery
	if every <= 0 {
		every = 20 * time.Second
	}
	ctx := wc.c.Context()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if !wc.s.Hub().AnswerPings() {
			continue
		}
		pctx, cancel := context.WithTimeout(ctx, time.Minute)
		err := wc.c.Ping(pctx)
		cancel()
		if err != nil {
			wc.c.Drop()
			return
		}
	}
}

// expire ends the session as Binance does at 24 h: eventStreamTerminated
// for each subscription, then a normal close.
func (wc *wsConn) expire() {
	wc.mu.Lock()
	ids := make([]int, 0, len(wc.subs))
	for id := range wc.subs {
		ids = append(ids, id)
	}
	wc.mu.Unlock()
	sort.Ints(ids)
	for _, id := range ids {
		wc.terminated(id)
	}
	wc.unsubscribeAll()
	wc.c.CloseNormal("session expired")
}

func (wc *wsConn) write(v any) { wc.c.Write(v) }

func (wc *wsConn) terminated(id int) {
	wc.write(map[string]any{"subscriptionId": id, "event": map[string]any{"e": "eventStreamTerminated", "E": ms(wc.s.sim.Now())}})
}

func (wc *wsConn) unsubscribeAll() {
	wc.mu.Lock()
	subs := wc.subs
	wc.subs = map[int]func(){}
	wc.mu.Unlock()
	for _, cancel := range subs {
		cancel()
	}
}

func (wc *wsConn) rateLimits(weight int) []rateLimitJSON {
	s := wc.s
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.ipLocked(wc.ip)
	now := s.sim.Now()
	if m := minuteOf(now); st.minute != m {
		st.minute, st.used = m, 0
	}
	st.used += weight
	used := st.used
	return []rateLimitJSON{{RateLimitType: "REQUEST_WEIGHT", Interval: "MINUTE", IntervalNum: 1, Limit: s.limits.WeightPerMinute, Count: &used}}
}

// wsWeights are the WebSocket API request weights.
var wsWeights = map[string]int{
	"ping": 1, "time": 1, "session.logon": 2, "session.status": 2, "session.logout": 2,
	"userDataStream.subscribe": 2, "userDataStream.subscribe.signature": 2, "userDataStream.unsubscribe": 2,
	"session.subscriptions": 2,
}

func (wc *wsConn) handle(data []byte) {
	var req wsRequest
	if err := json.Unmarshal(data, &req); err != nil || req.Method == "" {
		wc.write(wsResponse{ID: json.RawMessage("null"), Status: 400, Error: &apiError{Code: -1100, Msg: "Malformed request."}})
		return
	}
	if len(req.ID) == 0 {
		req.ID = json.RawMessage("null")
	}
	w, known := wsWeights[req.Method]
	if !known {
		w = 1
	}
	reply := wsResponse{ID: req.ID, RateLimits: wc.rateLimits(w)}
	if f, ok := wc.s.sim.Faults().Take("WS " + req.Method); ok {
		switch f.Kind {
		case sim.FaultHang:
			return
		case sim.FaultSlow:
			if !wc.s.Sleep(wc.c.Context(), f.Delay) {
				return
			}
		case sim.FaultDropAfterAccept:
			defer wc.c.Drop()
			wc.dispatch(req)
			return
		case sim.FaultGarbage:
			wc.c.WriteRaw([]byte(`{"id":`))
			return
		case sim.Fault5xx, sim.FaultRateLimit:
			// The WebSocket API reports these as error statuses.
			code, status, msg := -1007, 503, "Timeout waiting for response from backend server. Send status unknown; execution status unknown."
			if f.Kind == sim.FaultRateLimit {
				code, status = -1003, 429
				msg = fmt.Sprintf("Too much request weight used; current limit is %d request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.", wc.s.limits.WeightPerMinute)
			}
			reply.Status, reply.Error = status, &apiError{Code: code, Msg: msg}
			wc.write(reply)
			return
		}
	}
	result, e := wc.dispatch(req)
	if e != nil {
		reply.Status, reply.Error = e.status, &apiError{Code: e.code, Msg: e.msg}
	} else {
		reply.Status, reply.Result = 200, result
	}
	wc.write(reply)
}

func (wc *wsConn) dispatch(req wsRequest) (any, *wireErr) {
	now := wc.s.sim.Now()
	switch req.Method {
	case "ping":
		return struct{}{}, nil
	case "time":
		return map[string]int64{"serverTime": ms(now)}, nil
	case "session.logon":
		k, e := wc.verify(req.Params, now)
		if e != nil {
			return nil, e
		}
		if k.pub == nil {
			return nil, badRequest(-4056, "HMAC_SHA256 API key is not supported.")
		}
		wc.mu.Lock()
		wc.session, wc.authed = k, now
		wc.mu.Unlock()
		return wc.sessionStatus(now), nil
	case "session.status":
		return wc.sessionStatus(now), nil
	case "session.logout":
		wc.mu.Lock()
		wc.session = nil
		wc.mu.Unlock()
		return wc.sessionStatus(now), nil
	case "userDataStream.subscribe":
		wc.mu.Lock()
		k := wc.session
		wc.mu.Unlock()
		if k == nil {
			return nil, &wireErr{status: 401, code: -2015, msg: "Invalid API-key, IP, or permissions for action."}
		}
		return map[string]int{"subscriptionId": wc.subscribe(k.perms.Account)}, nil
	case "userDataStream.subscribe.signature":
		k, e := wc.verify(req.Params, now)
		if e != nil {
			return nil, e
		}
		return map[string]int{"subscriptionId": wc.subscribe(k.perms.Account)}, nil
	case "userDataStream.unsubscribe":
		if raw, ok := req.Params["subscriptionId"]; ok {
			var id int
			if json.Unmarshal(raw, &id) != nil {
				return nil, badRequest(-1100, "Illegal characters found in parameter 'subscriptionId'.")
			}
			wc.mu.Lock()
			cancel, ok := wc.subs[id]
			delete(wc.subs, id)
			wc.mu.Unlock()
			if !ok {
				return nil, badRequest(-2013, "Subscription does not exist.")
			}
			cancel()
		} else {
			wc.unsubscribeAll()
		}
		return struct{}{}, nil
	case "session.subscriptions":
		wc.mu.Lock()
		ids := make([]int, 0, len(wc.subs))
		for id := range wc.subs {
			ids = append(ids, id)
		}
		wc.mu.Unlock()
		sort.Ints(ids)
		out := make([]map[string]int, 0, len(ids))
		for _, id := range ids {
			out = append(out, map[string]int{"subscriptionId": id})
		}
		return out, nil
	}
	return nil, badRequest(-1020, "This operation is not supported.")
}

func (wc *wsConn) sessionStatus(now time.Time) map[string]any {
	wc.mu.Lock()
	defer wc.mu.Unlock()
	out := map[string]any{
		"apiKey": nil, "authorizedSince": nil, "connectedSince": ms(wc.connected),
		"returnRateLimits": true, "serverTime": ms(now), "userDataStream": len(wc.subs) > 0,
	}
	if wc.session != nil {
		out["apiKey"], out["authorizedSince"] = wc.session.id, ms(wc.authed)
	}
	return out
}

// verify checks a signed WebSocket API request: the payload is every param
// but signature, sorted by name, name=value joined by &, values as sent and
// not percent-encoded.
func (wc *wsConn) verify(params map[string]json.RawMessage, now time.Time) (*apiKey, *wireErr) {
	vals := map[string]string{}
	for name, raw := range params {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			s = string(raw) // numbers and booleans as written
		}
		vals[name] = s
	}
	id := vals["apiKey"]
	k, known := wc.s.keys.Get(id)
	switch {
	case id == "":
		return nil, mandatory("apiKey")
	case !known && !keyFormat.MatchString(id):
		return nil, &wireErr{status: 401, code: -2014, msg: "API-key format invalid."}
	case !known:
		return nil, rejectedKey()
	}
	if vals["timestamp"] == "" {
		return nil, mandatory("timestamp")
	}
	if vals["signature"] == "" {
		return nil, mandatory("signature")
	}
	names := make([]string, 0, len(vals))
	for n := range vals {
		if n != "signature" {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = n + "=" + vals[n]
	}
	if !k.verify(strings.Join(parts, "&"), vals["signature"]) {
		return nil, badRequest(-1022, "Signature for this request is not valid.")
	}
	q := &call{s: wc.s, now: now, ip: wc.ip, params: map[string][]string{}}
	for n, v := range vals {
		q.params.Set(n, v)
	}
	if e := q.checkTimestamp(); e != nil {
		return nil, e
	}
	if k.perms.IPRestrict && !slices.Contains(k.perms.IPs, wc.ip) || !k.perms.Read {
		return nil, rejectedKey()
	}
	return k, nil
}

// subscribe starts forwarding the account's sim events as user data stream
// events and returns the subscription id.
func (wc *wsConn) subscribe(account string) int {
	wc.mu.Lock()
	id := wc.nextSub
	wc.nextSub++
	wc.mu.Unlock()
	cancel := wc.c.Forward(wc.s.sim, account, func(ev sim.Event) {
		if out := wc.s.userEvent(ev); out != nil {
			wc.write(map[string]any{"subscriptionId": id, "event": out})
		}
	})
	wc.mu.Lock()
	wc.subs[id] = cancel
	wc.mu.Unlock()
	return id
}

type executionReport struct {
	E0        string  `json:"e"`
	EventTime int64   `json:"E"`
	Symbol    string  `json:"s"`
	ClientID  string  `json:"c"`
	Side      string  `json:"S"`
	Type      string  `json:"o"`
	TIF       string  `json:"f"`
	Qty       string  `json:"q"`
	Price     string  `json:"p"`
	StopPrice string  `json:"P"`
	Iceberg   string  `json:"F"`
	ListID    int     `json:"g"`
	OrigCID   string  `json:"C"`
	ExecType  string  `json:"x"`
	Status    string  `json:"X"`
	Reject    string  `json:"r"`
	OrderID   uint64  `json:"i"`
	LastQty   string  `json:"l"`
	CumQty    string  `json:"z"`
	LastPrice string  `json:"L"`
	Fee       string  `json:"n"`
	FeeAsset  *string `json:"N"`
	TxTime    int64   `json:"T"`
	TradeID   int64   `json:"t"`
	Ignore1   int64   `json:"I"`
	OnBook    bool    `json:"w"`
	Maker     bool    `json:"m"`
	Ignore2   bool    `json:"M"`
	Created   int64   `json:"O"`
	CumQuote  string  `json:"Z"`
	LastQuote string  `json:"Y"`
	QuoteQty  string  `json:"Q"`
	Working   int64   `json:"W"`
	STP       string  `json:"V"`
}

type accountPosition struct {
	E0         string        `json:"e"`
	EventTime  int64         `json:"E"`
	LastUpdate int64         `json:"u"`
	Balances   []positionRow `json:"B"`
}

type positionRow struct {
	Asset  string `json:"a"`
	Free   string `json:"f"`
	Locked string `json:"l"`
}

var execTypes = map[exchange.EventKind]string{
	exchange.EventAck:    "NEW",
	exchange.EventFill:   "TRADE",
	exchange.EventCancel: "CANCELED",
	exchange.EventExpire: "EXPIRED",
	exchange.EventReject: "REJECTED",
}

// userEvent turns a sim event into Binance's event body; nil for events
// Binance does not stream (rejected placements are answered only by REST).
func (s *Server) userEvent(ev sim.Event) any {
	switch ev.Type {
	case sim.BalanceChanged:
		rows := make([]positionRow, 0, len(ev.Balances))
		for _, b := range ev.Balances {
			rows = append(rows, positionRow{b.Asset, fixed(b.Free), fixed(b.Locked)})
		}
		return accountPosition{"outboundAccountPosition", ms(ev.Time), ms(ev.Time), rows}
	case sim.OrderChanged:
		if ev.OrderID == 0 || ev.Order.Kind == exchange.EventReject {
			return nil
		}
		o := ev.Order.Order
		r := executionReport{
			E0: "executionReport", EventTime: ms(ev.Time), Symbol: o.Symbol, ClientID: o.ClientID,
			Side: string(o.Side), Type: string(o.Type), TIF: tifOut(o), Qty: fixed(o.Qty), Price: fixed(o.Price),
			StopPrice: fixed0, Iceberg: fixed0, ListID: -1, ExecType: execTypes[ev.Order.Kind], Status: string(o.Status),
			Reject: "NONE", OrderID: ev.OrderID, LastQty: fixed(ev.Order.LastQty), CumQty: fixed(o.Filled),
			LastPrice: fixed(ev.Order.LastPrice), Fee: fixed(ev.Fee), TxTime: ms(ev.Time), TradeID: -1,
			Ignore1: int64(ev.Seq), OnBook: o.Status.Open(), Created: ms(o.Created), CumQuote: fixed(o.QuoteFilled),
			LastQuote: fixed(ev.Order.LastQty.Mul(ev.Order.LastPrice)), QuoteQty: fixed0, Working: ms(o.Created), Maker: ev.Maker,
			STP: "EXPIRE_MAKER",
		}
		if ev.Order.Kind == exchange.EventFill {
			r.TradeID, _ = strconv.ParseInt(ev.Order.TradeID, 10, 64)
			asset := ev.FeeAsset
			r.FeeAsset = &asset
		}
		if ev.Order.Kind == exchange.EventCancel {
			// Binance puts the cancel request's id in c and the order's in C.
			r.OrigCID, r.ClientID = o.ClientID, s.newClientOrderID()
		}
		return r
	}
	return nil
}

const fixed0 = "0.00000000"
