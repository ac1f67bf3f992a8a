package hyperliquidtest

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/sim"
)

// The venue closes a connection it has sent nothing to for 60 s.
const idle = time.Minute

func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	s.ServeWS(w, r, sim.WSServe{
		Idle: idle,
		Open: func(c *sim.WSConn) func([]byte) {
			wc := &wsConn{s: s, c: c, subs: map[string]bool{}}
			return wc.handle
		},
	})
}

type wsConn struct {
	s *Server
	c *sim.WSConn

	mu      sync.Mutex
	account string // sim account the subscriptions name ("" before the first)
	user    string
	subs    map[string]bool
	started bool
}

type wsRequest struct {
	Method       string `json:"method"`
	Subscription struct {
		Type string `json:"type"`
		User string `json:"user"`
	} `json:"subscription"`
}

func (wc *wsConn) handle(data []byte) {
	var req wsRequest
	var raw struct {
		Subscription json.RawMessage `json:"subscription"`
	}
	if json.Unmarshal(data, &req) != nil || json.Unmarshal(data, &raw) != nil {
		wc.c.Write(map[string]any{"channel": "error", "data": "Invalid message: " + string(data)})
		return
	}
	switch req.Method {
	case "ping":
		if wc.c.Hub().AnswerPings() {
			wc.c.Write(map[string]any{"channel": "pong"})
		}
	case "subscribe":
		wc.subscribe(req, raw.Subscription)
	default:
		wc.c.Write(map[string]any{"channel": "error", "data": "Unknown method: " + string(data)})
	}
}

// subscribe acks by echoing the subscription, then sends what the channel
// starts with: userFills its snapshot, clearinghouseState and spotState the
// whole state; orderUpdates nothing (the venue sends no snapshot there).
func (wc *wsConn) subscribe(req wsRequest, sub json.RawMessage) {
	typ, user := req.Subscription.Type, strings.ToLower(req.Subscription.User)
	switch typ {
	case "orderUpdates", "userFills", "clearinghouseState", "spotState", "userEvents":
	default:
		wc.c.Write(map[string]any{"channel": "error", "data": "Invalid subscription " + string(sub)})
		return
	}
	account, isAccount := wc.s.accountOf(user)
	wc.mu.Lock()
	wc.subs[typ] = true
	first := !wc.started && isAccount
	if first {
		wc.started, wc.account, wc.user = true, account, user
	}
	wc.mu.Unlock()
	if first {
		wc.c.Forward(wc.s.sim, account, wc.push)
	}
	wc.c.Write(map[string]any{"channel": "subscriptionResponse", "data": map[string]any{"method": "subscribe", "subscription": sub}})
	switch typ {
	case "userFills":
		fills := wc.s.userFills(account, isAccount)
		wc.c.Write(map[string]any{"channel": "userFills", "data": map[string]any{"isSnapshot": true, "user": user, "fills": fills}})
	case "clearinghouseState":
		wc.c.Write(map[string]any{"channel": "clearinghouseState", "data": map[string]any{"dex": "", "user": user,
			"clearinghouseState": wc.s.clearinghouse(account, isAccount, wc.s.sim.Now())}})
	case "spotState":
		wc.c.Write(map[string]any{"channel": "spotState", "data": map[string]any{"user": user,
			"spotState": map[string]any{"balances": wc.s.spotBalances(account, isAccount)}}})
	}
}

func (wc *wsConn) on(typ string) (bool, string, string) {
	wc.mu.Lock()
	defer wc.mu.Unlock()
	return wc.subs[typ], wc.account, wc.user
}

// push sends a sim event on the channels subscribed: a fill on userFills
// before the order's new state on orderUpdates, and balances as spotState
// (and the positions they make as clearinghouseState).
func (wc *wsConn) push(e sim.Event) {
	switch e.Type {
	case sim.BalanceChanged:
		if on, account, user := wc.on("spotState"); on {
			wc.c.Write(map[string]any{"channel": "spotState", "data": map[string]any{"user": user,
				"spotState": map[string]any{"balances": wc.s.spotBalances(account, true)}}})
		}
		if on, account, user := wc.on("clearinghouseState"); on {
			wc.c.Write(map[string]any{"channel": "clearinghouseState", "data": map[string]any{"dex": "", "user": user,
				"clearinghouseState": wc.s.clearinghouse(account, true, e.Time)}})
		}
	case sim.OrderChanged:
		if e.OrderID == 0 {
			return // a rejected placement: the venue answered it, nothing streams
		}
		o := e.Order.Order
		if e.Order.Kind == exchange.EventFill {
			if on, _, user := wc.on("userFills"); on {
				f := sim.Fill{Price: e.Order.LastPrice, Qty: e.Order.LastQty, Fee: e.Fee, FeeAsset: e.FeeAsset, Time: e.Time, Maker: e.Maker}
				f.TradeID, _ = parseUint(e.Order.TradeID)
				wc.c.Write(map[string]any{"channel": "userFills", "data": map[string]any{"user": user, "fills": []any{wc.s.fillOut(o, f)}}})
			}
		}
		if on, _, _ := wc.on("orderUpdates"); on {
			wc.c.Write(map[string]any{"channel": "orderUpdates", "data": []any{map[string]any{
				"order": wc.s.orderOut(o), "status": statusOf(o), "statusTimestamp": e.Time.UnixMilli()}}})
		}
	}
}

func parseUint(s string) (uint64, error) { return sim.ParseOrderID(s) }
