package okxtest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/sim"
)

// StreamFault is a misbehaviour of the private WebSocket.
type StreamFault int

const (
	// StreamDrop closes every open connection at once without a close
	// frame, like a network cut (one-shot).
	StreamDrop StreamFault = iota + 1
	// StreamNoPong stops answering the client's text "ping" while pushes
	// keep flowing (until cleared).
	StreamNoPong
	// StreamSilent withholds pushes (they are lost, not queued) while the
	// connection and pongs stay healthy (until cleared).
	StreamSilent
	// StreamDelay delivers pushes late by the given delay (until cleared).
	StreamDelay
)

type streamState struct {
	noPong bool
	silent bool
	delay  time.Duration
}

// SetStreamFault applies a fault to the private WebSocket: StreamDrop acts
// on the connections open now; the others last until ClearStreamFaults.
func (s *Server) SetStreamFault(f StreamFault, delay time.Duration) {
	s.mu.Lock()
	conns := make([]*wsConn, 0, len(s.wsConns))
	for c := range s.wsConns {
		conns = append(conns, c)
	}
	switch f {
	case StreamNoPong:
		s.stream.noPong = true
	case StreamSilent:
		s.stream.silent = true
	case StreamDelay:
		s.stream.delay = delay
	}
	s.mu.Unlock()
	if f == StreamDrop {
		for _, c := range conns {
			c.drop()
		}
	}
}

// ClearStreamFaults ends lasting stream faults.
func (s *Server) ClearStreamFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stream = streamState{}
}

// StreamConns is how many private WebSocket connections are open.
func (s *Server) StreamConns() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.wsConns)
}

func (s *Server) streamNow() streamState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stream
}

type channelArg struct {
	Channel  string `json:"channel"`
	InstType string `json:"instType,omitempty"`
	InstID   string `json:"instId,omitempty"`
	UID      string `json:"uid,omitempty"`
}

type wsConn struct {
	s      *Server
	c      *websocket.Conn
	id     string
	ip     string
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	key     *apiKey
	uid     string
	subs    []channelArg
	pumping bool
}

type wsEvent struct {
	Event  string      `json:"event"`
	Arg    *channelArg `json:"arg,omitempty"`
	Code   string      `json:"code,omitempty"`
	Msg    string      `json:"msg,omitempty"`
	ConnID string      `json:"connId"`
}

func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	s.mu.Lock()
	s.nextConn++
	id := fmt.Sprintf("%08x", s.nextConn*2654435761%(1<<32))
	s.mu.Unlock()
	wc := &wsConn{s: s, c: c, id: id, ip: s.clientIP(r)}
	wc.ctx, wc.cancel = context.WithCancel(context.Background())
	s.mu.Lock()
	s.wsConns[wc] = true
	s.mu.Unlock()
	defer func() {
		wc.cancel()
		s.mu.Lock()
		delete(s.wsConns, wc)
		s.mu.Unlock()
		c.CloseNow()
	}()
	go func() {
		select {
		case <-s.closed:
			wc.drop()
		case <-wc.ctx.Done():
		}
	}()
	for {
		// OKX closes a connection that sends nothing for 30 s; protocol
		// pings do not count, only messages.
		ctx, cancel := context.WithTimeout(wc.ctx, s.idle)
		_, data, err := c.Read(ctx)
		cancel()
		if err != nil {
			return
		}
		wc.handle(data)
	}
}

func (wc *wsConn) drop() {
	wc.cancel()
	wc.c.CloseNow()
}

func (wc *wsConn) writeRaw(b []byte) {
	ctx, cancel := context.WithTimeout(wc.ctx, 10*time.Second)
	defer cancel()
	if err := wc.c.Write(ctx, websocket.MessageText, b); err != nil {
		wc.drop()
	}
}

func (wc *wsConn) write(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only our own types
	}
	wc.writeRaw(b)
}

func (wc *wsConn) fail(code, msg string) {
	wc.write(wsEvent{Event: "error", Code: code, Msg: msg, ConnID: wc.id})
}

type wsRequest struct {
	ID   string            `json:"id,omitempty"`
	Op   string            `json:"op"`
	Args []json.RawMessage `json:"args"`
}

type loginArg struct {
	APIKey     string `json:"apiKey"`
	Passphrase string `json:"passphrase"`
	Timestamp  string `json:"timestamp"`
	Sign       string `json:"sign"`
}

func (wc *wsConn) handle(data []byte) {
	if string(data) == "ping" {
		if !wc.s.streamNow().noPong {
			wc.writeRaw([]byte("pong"))
		}
		return
	}
	var req wsRequest
	if err := json.Unmarshal(data, &req); err != nil || req.Op == "" {
		wc.fail("60012", "Invalid request: "+string(data))
		return
	}
	switch req.Op {
	case "login":
		wc.login(req)
	case "subscribe", "unsubscribe":
		wc.subscribe(req)
	default:
		wc.fail("60012", "Invalid request: "+string(data))
	}
}

// login checks the WebSocket signature: base64(HMAC(secret, timestamp +
// "GET" + "/users/self/verify")) with the timestamp in Unix seconds, valid
// for 30 s either side of the server clock.
func (wc *wsConn) login(req wsRequest) {
	var a loginArg
	if len(req.Args) != 1 || json.Unmarshal(req.Args[0], &a) != nil {
		wc.fail("60012", "Invalid request: login args")
		return
	}
	wc.s.mu.Lock()
	k, known := wc.s.keys[a.APIKey]
	wc.s.mu.Unlock()
	if !known {
		wc.fail("60005", "Invalid OK-ACCESS-KEY")
		return
	}
	if a.Passphrase != k.passphrase {
		wc.fail("60024", "Wrong passphrase")
		return
	}
	secs, err := strconv.ParseInt(a.Timestamp, 10, 64)
	if err != nil {
		wc.fail("60004", "Invalid timestamp")
		return
	}
	if d := wc.s.sim.Now().Sub(time.Unix(secs, 0)); d > maxSkew || d < -maxSkew {
		wc.fail("60006", "Timestamp request expired")
		return
	}
	if !verify(k.secret, a.Timestamp+"GET/users/self/verify", a.Sign) {
		wc.fail("60007", "Invalid sign")
		return
	}
	// This is the demo host (wspap): live keys and unlisted IPs cannot log in.
	if k.perms.Live || len(k.perms.IPs) > 0 && !slices.Contains(k.perms.IPs, wc.ip) {
		wc.fail("60009", "Login failed.")
		return
	}
	wc.mu.Lock()
	wc.key, wc.uid = k, wc.s.UID(k.perms.Account)
	wc.mu.Unlock()
	wc.write(map[string]string{"event": "login", "code": "0", "msg": "", "connId": wc.id})
}

func (wc *wsConn) subscribe(req wsRequest) {
	wc.mu.Lock()
	k := wc.key
	wc.mu.Unlock()
	if k == nil {
		wc.fail("60011", "Please log in")
		return
	}
	for _, raw := range req.Args {
		var a channelArg
		if json.Unmarshal(raw, &a) != nil {
			wc.fail("60012", "Invalid request: "+string(raw))
			return
		}
		if a.Channel != "orders" {
			wc.fail("60018", fmt.Sprintf("Wrong URL or channel:%s,instId:%s doesn't exist. Please use the correct URL, channel and parameters referring to API document.", a.Channel, a.InstID))
			return
		}
		switch a.InstType {
		case "SPOT", "ANY", "MARGIN", "SWAP", "FUTURES", "OPTION":
		default:
			wc.fail("60013", "Invalid args")
			return
		}
		a.UID = ""
		wc.mu.Lock()
		if req.Op == "subscribe" {
			if !slices.Contains(wc.subs, a) {
				wc.subs = append(wc.subs, a)
			}
		} else {
			wc.subs = slices.DeleteFunc(wc.subs, func(b channelArg) bool { return b == a })
		}
		start := req.Op == "subscribe" && !wc.pumping
		if start {
			wc.pumping = true
		}
		wc.mu.Unlock()
		// Subscribe to the sim before confirming: a client that places an
		// order as soon as it reads the confirmation must see its push.
		if start {
			events, cancel := wc.s.sim.Subscribe(k.perms.Account)
			go wc.pump(events, cancel)
		}
		wc.write(wsEvent{Event: req.Op, Arg: &a, ConnID: wc.id})
	}
}

// pump forwards the account's order events to matching subscriptions. The
// sim closes events when this connection falls a full buffer behind; the
// connection is then dropped, as a client must resync after any gap.
func (wc *wsConn) pump(events <-chan sim.Event, cancel func()) {
	defer cancel()
	for {
		select {
		case <-wc.ctx.Done():
			return
		case e, ok := <-events:
			if !ok {
				wc.drop()
				return
			}
			if e.Type != sim.OrderChanged || e.OrderID == 0 {
				continue // OKX pushes no rejected placements: REST reports them
			}
			st := wc.s.streamNow()
			if st.silent {
				continue
			}
			if st.delay > 0 && !wc.s.sleep(wc.ctx, st.delay) {
				return
			}
			wc.push(e)
		}
	}
}

func (wc *wsConn) push(e sim.Event) {
	o := e.Order.Order
	wc.mu.Lock()
	subs := slices.Clone(wc.subs)
	uid := wc.uid
	account := wc.key.perms.Account
	wc.mu.Unlock()
	for _, a := range subs {
		if a.InstType != "SPOT" && a.InstType != "ANY" || a.InstID != "" && a.InstID != o.Symbol {
			continue
		}
		d := wc.s.orderOut(account, o)
		d["fillPx"], d["fillSz"], d["fillTime"], d["tradeId"] = "", "0", "", ""
		d["fillFee"], d["fillFeeCcy"], d["execType"] = "0", "", ""
		if e.Order.Kind == exchange.EventFill {
			d["fillPx"], d["fillSz"], d["tradeId"] = str(e.Order.LastPrice), str(e.Order.LastQty), e.Order.TradeID
			d["fillTime"], d["fillFee"], d["fillFeeCcy"], d["execType"] = ms(e.Time), str(e.Fee.Neg()), e.FeeAsset, "T"
			d["fillNotionalUsd"] = str(e.Order.LastPrice.Mul(e.Order.LastQty))
		}
		if e.Order.Kind == exchange.EventCancel {
			d["cancelSource"] = "1"
		}
		d["notionalUsd"] = str(o.Price.Mul(o.Qty))
		if o.Type == exchange.MarketOrder {
			d["notionalUsd"] = str(decimal.Zero)
		}
		d["lastPx"], _ = wc.s.sim.Price(o.Symbol)
		d["lastPx"] = str(d["lastPx"].(decimal.Decimal))
		d["amendResult"], d["reqId"], d["code"], d["msg"] = "", "", "0", ""
		a.UID = uid
		wc.write(map[string]any{"arg": a, "data": []any{d}})
	}
}
