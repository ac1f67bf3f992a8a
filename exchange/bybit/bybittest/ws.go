package bybittest

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
	"github.com/vigil-trade/vigil/exchange/sim"
)

// StreamFault is a misbehaviour of the private WebSocket.
type StreamFault int

const (
	// StreamDrop closes every open connection at once without a close
	// frame, like a network cut (one-shot).
	StreamDrop StreamFault = iota + 1
	// StreamNoPong stops answering {"op":"ping"} while pushes keep flowing
	// (until cleared).
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

type wsConn struct {
	s      *Server
	c      *websocket.Conn
	id     string
	ip     string
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	key     *apiKey
	topics  []string
	pumping bool
	nextMsg uint64
}

// Private connections close after max_active_time without a message:
// 10 minutes unless the URL asks for 30 s to 600 s.
const (
	defaultActive = 10 * time.Minute
	minActive     = 30 * time.Second
	maxActive     = 600 * time.Second
)

func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	active := defaultActive
	if v := r.URL.Query().Get("max_active_time"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < minActive || d > maxActive {
			http.Error(w, "max_active_time must be between 30s and 600s", http.StatusBadRequest)
			return
		}
		active = d
	}
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	s.mu.Lock()
	s.nextConn++
	id := fmt.Sprintf("d%07xbybit%04x-%d", s.nextConn*2654435761%(1<<28), s.nextConn, s.nextConn)
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
		ctx, cancel := context.WithTimeout(wc.ctx, active)
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

func (wc *wsConn) write(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only our own types
	}
	ctx, cancel := context.WithTimeout(wc.ctx, 10*time.Second)
	defer cancel()
	if err := wc.c.Write(ctx, websocket.MessageText, b); err != nil {
		wc.drop()
	}
}

type wsRequest struct {
	ReqID string            `json:"req_id,omitempty"`
	Op    string            `json:"op"`
	Args  []json.RawMessage `json:"args"`
}

type opReply struct {
	Success bool   `json:"success"`
	RetMsg  string `json:"ret_msg"`
	Op      string `json:"op"`
	ConnID  string `json:"conn_id"`
	ReqID   string `json:"req_id,omitempty"`
}

func (wc *wsConn) answer(req wsRequest, ok bool, msg string) {
	wc.write(opReply{Success: ok, RetMsg: msg, Op: req.Op, ConnID: wc.id, ReqID: req.ReqID})
}

func (wc *wsConn) handle(data []byte) {
	var req wsRequest
	if err := json.Unmarshal(data, &req); err != nil || req.Op == "" {
		wc.write(opReply{Success: false, RetMsg: "error:request not support", ConnID: wc.id})
		return
	}
	switch req.Op {
	case "ping":
		if wc.s.streamNow().noPong {
			return
		}
		wc.write(map[string]any{"req_id": req.ReqID, "op": "pong", "args": []string{ms(wc.s.sim.Now())}, "conn_id": wc.id})
	case "auth":
		wc.auth(req)
	case "subscribe", "unsubscribe":
		wc.subscribe(req)
	default:
		wc.answer(req, false, "error:request op not support")
	}
}

// auth checks args [apiKey, expires, signature] with signature =
// hex(HMAC(secret, "GET/realtime" + expires)) and expires in the future of
// the server clock.
func (wc *wsConn) auth(req wsRequest) {
	if len(req.Args) != 3 {
		wc.answer(req, false, "error:args invalid")
		return
	}
	var key, sig string
	if json.Unmarshal(req.Args[0], &key) != nil || json.Unmarshal(req.Args[2], &sig) != nil {
		wc.answer(req, false, "error:args invalid")
		return
	}
	expRaw := string(req.Args[1])
	if s, err := strconv.Unquote(expRaw); err == nil {
		expRaw = s
	}
	expires, err := strconv.ParseInt(expRaw, 10, 64)
	if err != nil {
		wc.answer(req, false, "error:params expires invalid")
		return
	}
	wc.s.mu.Lock()
	k, known := wc.s.keys[key]
	wc.s.mu.Unlock()
	switch {
	case !known:
		wc.answer(req, false, "error:apikey invalid")
	case expires <= wc.s.sim.Now().UnixMilli():
		wc.answer(req, false, "error:request expired")
	case !verify(k.secret, "GET/realtime"+expRaw, sig):
		wc.answer(req, false, "error:signature verification failed")
	case len(k.perms.IPs) > 0 && !slices.Contains(k.perms.IPs, wc.ip):
		wc.answer(req, false, "error:ip not allowed")
	default:
		wc.mu.Lock()
		wc.key = k
		wc.mu.Unlock()
		wc.answer(req, true, "")
	}
}

var topics = []string{"order", "order.spot"}

func (wc *wsConn) subscribe(req wsRequest) {
	wc.mu.Lock()
	k := wc.key
	wc.mu.Unlock()
	if k == nil {
		wc.answer(req, false, "Request not authorized")
		return
	}
	var names []string
	for _, raw := range req.Args {
		var t string
		if json.Unmarshal(raw, &t) != nil || !slices.Contains(topics, t) {
			wc.answer(req, false, "error:handler not found,topic:"+string(raw))
			return
		}
		names = append(names, t)
	}
	wc.mu.Lock()
	for _, t := range names {
		if req.Op == "subscribe" && !slices.Contains(wc.topics, t) {
			wc.topics = append(wc.topics, t)
		}
		if req.Op == "unsubscribe" {
			wc.topics = slices.DeleteFunc(wc.topics, func(s string) bool { return s == t })
		}
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
	wc.answer(req, true, "")
}

// pump forwards the account's order events; the connection drops when the
// sim ends the subscription for falling behind.
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
				continue // spot rejects are answered by order/create, not pushed
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
	wc.mu.Lock()
	ts := slices.Clone(wc.topics)
	account := wc.key.perms.Account
	wc.mu.Unlock()
	for _, t := range ts {
		wc.mu.Lock()
		wc.nextMsg++
		id := fmt.Sprintf("%s-%d", wc.id, wc.nextMsg)
		wc.mu.Unlock()
		wc.write(map[string]any{
			"id": id, "topic": t, "creationTime": e.Time.UnixMilli(),
			"data": []any{wc.s.orderOut(account, e.Order.Order)},
		})
	}
}
