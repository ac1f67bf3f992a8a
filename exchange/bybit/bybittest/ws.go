package bybittest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/sim"
)

// wsConn is one connection's Bybit state; the hub owns the socket.
type wsConn struct {
	s  *Server
	c  *sim.WSConn
	id string
	ip string

	topics sim.Subs[string]

	mu      sync.Mutex
	key     *apiKey
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
	n := s.NextConn()
	id := fmt.Sprintf("d%07xbybit%04x-%d", n*2654435761%(1<<28), n, n)
	ip := s.ClientIP(r)
	s.ServeWS(w, r, sim.WSServe{
		Idle: active,
		Open: func(c *sim.WSConn) func([]byte) {
			wc := &wsConn{s: s, c: c, id: id, ip: ip}
			return wc.handle
		},
	})
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
	wc.c.Write(opReply{Success: ok, RetMsg: msg, Op: req.Op, ConnID: wc.id, ReqID: req.ReqID})
}

func (wc *wsConn) handle(data []byte) {
	var req wsRequest
	if err := json.Unmarshal(data, &req); err != nil || req.Op == "" {
		wc.c.Write(opReply{Success: false, RetMsg: "error:request not support", ConnID: wc.id})
		return
	}
	switch req.Op {
	case "ping":
		if !wc.c.Hub().AnswerPings() {
			return
		}
		wc.c.Write(map[string]any{"req_id": req.ReqID, "op": "pong", "args": []string{ms(wc.s.sim.Now())}, "conn_id": wc.id})
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
	k, known := wc.s.keys.Get(key)
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

var topics = []string{"order", "order.spot", "wallet"}

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
	if wc.topics.Change(req.Op == "subscribe", names...) {
		wc.c.Forward(wc.s.sim, k.perms.Account, wc.push)
	}
	wc.answer(req, true, "")
}

// push forwards an order change to the order topics and a balance change
// to the wallet topic. Spot rejects are answered by order/create, not
// pushed.
func (wc *wsConn) push(e sim.Event) {
	wc.mu.Lock()
	account := wc.key.perms.Account
	wc.mu.Unlock()
	for _, t := range wc.topics.List() {
		var data any
		switch {
		case e.Type == sim.OrderChanged && t != "wallet" && e.OrderID != 0:
			data = []any{wc.s.orderOut(account, e.Order.Order)}
		case e.Type == sim.BalanceChanged && t == "wallet":
			data = []any{wc.wallet(e.Balances)}
		default:
			continue
		}
		wc.mu.Lock()
		wc.nextMsg++
		id := fmt.Sprintf("%s-%d", wc.id, wc.nextMsg)
		wc.mu.Unlock()
		wc.c.Write(map[string]any{"id": id, "topic": t, "creationTime": e.Time.UnixMilli(), "data": data})
	}
}

// wallet is the unified account in the wallet topic's shape, listing the
// coins that changed.
func (wc *wsConn) wallet(bals []exchange.Balance) map[string]any {
	total := decimal.Zero
	coins := make([]map[string]any, 0, len(bals))
	for _, b := range bals {
		eq := b.Total()
		usd := wc.usdValue(b.Asset, eq)
		total = total.Add(usd)
		coins = append(coins, map[string]any{
			"coin": b.Asset, "equity": str(eq), "usdValue": str(usd), "walletBalance": str(eq),
			"free": "", "locked": str(b.Locked), "spotHedgingQty": "0", "borrowAmount": "0",
			"availableToBorrow": "", "availableToWithdraw": "", "accruedInterest": "0",
			"totalOrderIM": "0", "totalPositionIM": "0", "totalPositionMM": "0", "unrealisedPnl": "0",
			"cumRealisedPnl": "0", "bonus": "0", "collateralSwitch": true, "marginCollateral": true,
		})
	}
	t := str(total)
	return map[string]any{
		"accountType": "UNIFIED", "accountLTV": "0", "accountIMRate": "0", "accountMMRate": "0",
		"totalEquity": t, "totalWalletBalance": t, "totalMarginBalance": t, "totalAvailableBalance": t,
		"totalPerpUPL": "0", "totalInitialMargin": "0", "totalMaintenanceMargin": "0", "coin": coins,
	}
}

// usdValue prices an amount as the REST balance does.
func (wc *wsConn) usdValue(asset string, amt decimal.Decimal) decimal.Decimal {
	return (&call{s: wc.s}).usdValue(asset, amt)
}
