package deribittest

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/sim"
)

func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	ip := s.ClientIP(r)
	s.ServeWS(w, r, sim.WSServe{
		Open: func(c *sim.WSConn) func([]byte) {
			wc := &wsConn{s: s, c: c, ip: ip, chans: map[string]bool{}}
			return wc.handle
		},
	})
}

type wsConn struct {
	s  *Server
	c  *sim.WSConn
	ip string

	mu        sync.Mutex
	key       *apiKey
	chans     map[string]bool
	forwarded bool
	beating   bool
	answered  chan struct{} // a public/test since the last test_request
}

type wsRequest struct {
	JSONRPC string                     `json:"jsonrpc"`
	ID      *int64                     `json:"id"`
	Method  string                     `json:"method"`
	Params  map[string]json.RawMessage `json:"params"`
}

// param is a parameter as text, whether sent as a string or a number.
func param(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

func (wc *wsConn) reply(id *int64, in time.Time, result any, e *rpcErr) {
	env := wc.s.envelope(in, result, e)
	env.ID = id
	wc.c.Write(env)
}

func (wc *wsConn) handle(data []byte) {
	in := wc.s.sim.Now()
	var req wsRequest
	if err := json.Unmarshal(data, &req); err != nil || req.Method == "" {
		wc.reply(nil, in, nil, failWhy(codeInvalidParams, "Invalid params", "", "invalid format"))
		return
	}
	switch req.Method {
	case "public/test":
		wc.mu.Lock()
		if wc.answered != nil {
			select {
			case wc.answered <- struct{}{}:
			default:
			}
		}
		wc.mu.Unlock()
		if !wc.c.Hub().AnswerPings() {
			return
		}
		wc.reply(req.ID, in, map[string]string{"version": "2.1.1"}, nil)
	case "public/auth":
		wc.auth(req, in)
	case "public/set_heartbeat":
		wc.setHeartbeat(req, in)
	case "private/subscribe":
		wc.subscribe(req, in)
	case "private/enable_cancel_on_disconnect", "private/disable_cancel_on_disconnect":
		k := wc.authed()
		if k == nil {
			wc.reply(req.ID, in, nil, fail(codeAuthRequired, "authorization_required"))
			return
		}
		wc.s.mu.Lock()
		wc.s.cod[k.perms.Account] = req.Method == "private/enable_cancel_on_disconnect"
		wc.s.mu.Unlock()
		wc.reply(req.ID, in, "ok", nil)
	default:
		wc.reply(req.ID, in, nil, fail(codeNoMethod, "Method not found"))
	}
}

func (wc *wsConn) authed() *apiKey {
	wc.mu.Lock()
	defer wc.mu.Unlock()
	return wc.key
}

// auth authorises the connection with a client_signature.
func (wc *wsConn) auth(req wsRequest, in time.Time) {
	q := &call{s: wc.s, now: in, ip: wc.ip, params: map[string]string{}}
	for k, v := range req.Params {
		q.params[k] = param(v)
	}
	res, e := q.auth()
	if e == nil {
		wc.mu.Lock()
		wc.key = q.key
		wc.mu.Unlock()
		wc.s.logins.Add(1)
	}
	wc.reply(req.ID, in, res, e)
}

// setHeartbeat starts Deribit's heartbeat: a test_request every interval,
// which must be answered with public/test before the next one is due, or
// the connection is closed.
func (wc *wsConn) setHeartbeat(req wsRequest, in time.Time) {
	var interval int
	if err := json.Unmarshal(req.Params["interval"], &interval); err != nil || interval < 10 {
		wc.reply(req.ID, in, nil, failWhy(codeInvalidParams, "Invalid params", "interval", "must be at least 10"))
		return
	}
	wc.mu.Lock()
	start := !wc.beating
	wc.beating = true
	wc.answered = make(chan struct{}, 1)
	answered := wc.answered
	wc.mu.Unlock()
	wc.reply(req.ID, in, "ok", nil)
	if start {
		go wc.heartbeat(time.Duration(interval)*time.Second, answered)
	}
}

var (
	heartbeatMsg   = []byte(`{"jsonrpc":"2.0","method":"heartbeat","params":{"type":"heartbeat"}}`)
	testRequestMsg = []byte(`{"jsonrpc":"2.0","method":"heartbeat","params":{"type":"test_request"}}`)
)

func (wc *wsConn) heartbeat(every time.Duration, answered chan struct{}) {
	t := time.NewTicker(every)
	defer t.Stop()
	ctx := wc.c.Context()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		select { // an answer to an earlier request does not count
		case <-answered:
		default:
		}
		wc.c.WriteRaw(heartbeatMsg)
		wc.c.WriteRaw(testRequestMsg)
		if wc.s.late.Load() > 0 && wc.s.late.Add(-1) >= 0 {
			// The answer will come after Deribit stopped waiting.
			wc.c.Drop()
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-answered:
		case <-t.C:
			wc.c.Drop()
			return
		}
	}
}

// subscribe takes the channels it serves: user.orders.any.any.raw (and
// user.orders.<instrument>.raw), user.portfolio.<currency>.
func (wc *wsConn) subscribe(req wsRequest, in time.Time) {
	k := wc.authed()
	if k == nil {
		wc.reply(req.ID, in, nil, fail(codeAuthRequired, "authorization_required"))
		return
	}
	var chans []string
	if err := json.Unmarshal(req.Params["channels"], &chans); err != nil {
		wc.reply(req.ID, in, nil, failWhy(codeInvalidParams, "Invalid params", "channels", "must be a list"))
		return
	}
	ok := []string{}
	wc.mu.Lock()
	for _, ch := range chans {
		if (strings.HasPrefix(ch, "user.orders.") || strings.HasPrefix(ch, "user.changes.")) && strings.HasSuffix(ch, ".raw") || strings.HasPrefix(ch, "user.portfolio.") {
			wc.chans[ch] = true
			ok = append(ok, ch)
		}
	}
	first := !wc.forwarded
	wc.forwarded = true
	wc.mu.Unlock()
	if first {
		// Subscribed before the ack, so nothing falls between.
		wc.c.Forward(wc.s.sim, k.perms.Account, wc.push)
	}
	wc.reply(req.ID, in, ok, nil)
}

func (wc *wsConn) subscribed(ch string) bool {
	wc.mu.Lock()
	defer wc.mu.Unlock()
	return wc.chans[ch]
}

func (wc *wsConn) notify(ch string, data any) {
	wc.c.Write(map[string]any{"jsonrpc": "2.0", "method": "subscription", "params": map[string]any{"channel": ch, "data": data}})
}

func (wc *wsConn) push(e sim.Event) {
	switch {
	case e.Type == sim.BalanceChanged:
		for _, b := range e.Balances {
			if ch := "user.portfolio." + strings.ToLower(b.Asset); wc.subscribed(ch) {
				wc.notify(ch, summary(b))
			}
		}
	case e.Type == sim.OrderChanged && e.OrderID != 0:
		o := e.Order.Order
		o.ClientID = labelOf(o.ClientID)
		for _, ch := range []string{"user.orders.any.any.raw", "user.orders." + o.Symbol + ".raw"} {
			if wc.subscribed(ch) {
				wc.notify(ch, wc.s.orderOut(o))
				break
			}
		}
		if k := wc.authed(); k != nil && e.Order.Kind == exchange.EventFill && wc.subscribed("user.changes.any.any.raw") {
			wc.notify("user.changes.any.any.raw", map[string]any{"instrument_name": o.Symbol,
				"orders": []any{wc.s.orderOut(o)}, "trades": []any{}, "positions": []any{wc.s.position(k.perms.Account, o.Symbol)}})
		}
	}
}

// statusOf is what the client reads back for an order: Deribit has no
// expired state (an IOC remainder is cancelled).
func statusOf(o exchange.Order) exchange.OrderStatus {
	if o.Status == exchange.StatusExpired {
		return exchange.StatusCanceled
	}
	return o.Status
}
