package krakentest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/sim"
)

// Kraken closes a connection after about a minute with nothing from the
// client.
const idle = time.Minute

func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	s.ServeWS(w, r, sim.WSServe{
		Idle: idle,
		Open: func(c *sim.WSConn) func([]byte) {
			wc := &wsConn{s: s, c: c}
			return wc.handle
		},
	})
}

type wsConn struct {
	s *Server
	c *sim.WSConn

	mu       sync.Mutex
	key      *apiKey
	seq      int64
	started  bool
	balances bool // subscribed to the balances channel
	ledger   int64
}

type wsRequest struct {
	Method string `json:"method"`
	ReqID  *int64 `json:"req_id,omitempty"`
	Params struct {
		Channel    string `json:"channel"`
		Token      string `json:"token"`
		SnapOrders *bool  `json:"snap_orders"`
		Snapshot   *bool  `json:"snapshot"`
	} `json:"params"`
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }

func (wc *wsConn) handle(data []byte) {
	var req wsRequest
	now := wc.s.sim.Now()
	if err := json.Unmarshal(data, &req); err != nil || req.Method == "" {
		wc.c.Write(map[string]any{"error": "Malformed request", "success": false, "time_in": stamp(now), "time_out": stamp(now)})
		return
	}
	reply := map[string]any{"method": req.Method, "time_in": stamp(now), "time_out": stamp(now)}
	if req.ReqID != nil {
		reply["req_id"] = *req.ReqID
	}
	switch req.Method {
	case "ping":
		if !wc.c.Hub().AnswerPings() {
			return
		}
		reply["method"] = "pong"
		wc.c.Write(reply)
	case "subscribe":
		wc.subscribe(req, reply)
	default:
		reply["success"] = false
		reply["error"] = "Unsupported method"
		wc.c.Write(reply)
	}
}

func (wc *wsConn) subscribe(req wsRequest, reply map[string]any) {
	wc.s.mu.Lock()
	k := wc.s.tokens[req.Params.Token]
	wc.s.mu.Unlock()
	switch {
	case req.Params.Channel != "executions" && req.Params.Channel != "balances":
		reply["success"], reply["error"] = false, "Channel "+req.Params.Channel+" not found"
		wc.c.Write(reply)
		return
	case k == nil:
		reply["success"], reply["error"] = false, "EAccount:Invalid permissions"
		wc.c.Write(reply)
		return
	case req.Params.Channel == "balances":
		wc.subscribeBalances(req, reply, k)
		return
	}
	reply["success"] = true
	reply["result"] = map[string]any{"channel": "executions", "maxratecount": wc.s.limits().maxRateCount, "snap_orders": true, "snap_trades": false}
	wc.mu.Lock()
	wc.key = k
	first := !wc.started
	wc.started = true
	wc.mu.Unlock()
	if !first {
		wc.c.Write(reply)
		return
	}
	// Subscribed before the ack, so nothing falls between the snapshot
	// and the first update.
	wc.c.Forward(wc.s.sim, k.perms.Account, wc.push)
	wc.c.Write(reply)
	if req.Params.SnapOrders == nil || *req.Params.SnapOrders {
		var data []any
		for _, o := range wc.s.sim.OpenOrders(k.perms.Account, "") {
			data = append(data, wc.execution(o, "new", exchange.OrderEvent{}))
		}
		if data == nil {
			data = []any{}
		}
		wc.send("snapshot", data)
	}
}

func (wc *wsConn) send(typ string, data []any) {
	wc.mu.Lock()
	wc.seq++
	seq := wc.seq
	wc.mu.Unlock()
	wc.c.Write(map[string]any{"channel": "executions", "type": typ, "data": data, "sequence": seq})
}

// subscribeBalances answers the balances channel as Kraken does: the ack,
// then every asset with its spot wallet, then a ledger entry per change.
// WS v2 names assets as vigil does (BTC, not XXBT).
func (wc *wsConn) subscribeBalances(req wsRequest, reply map[string]any, k *apiKey) {
	reply["success"] = true
	reply["result"] = map[string]any{"channel": "balances", "snapshot": req.Params.Snapshot == nil || *req.Params.Snapshot}
	wc.mu.Lock()
	wc.key = k
	first := !wc.started
	wc.started = true
	again := wc.balances
	wc.balances = true
	wc.mu.Unlock()
	if first {
		wc.c.Forward(wc.s.sim, k.perms.Account, wc.push)
	}
	wc.c.Write(reply)
	if again || (req.Params.Snapshot != nil && !*req.Params.Snapshot) {
		return
	}
	data := []any{}
	for _, b := range wc.s.sim.Balances(k.perms.Account) {
		t := num(b.Total())
		data = append(data, map[string]any{"asset": b.Asset, "asset_class": "currency", "balance": t,
			"wallets": []any{map[string]any{"type": "spot", "id": "main", "balance": t}}})
	}
	wc.c.Write(map[string]any{"channel": "balances", "type": "snapshot", "data": data, "sequence": wc.next()})
}

// pushBalances sends the sim's changed assets as ledger entries, each with
// the spot wallet's balance after it.
func (wc *wsConn) pushBalances(e sim.Event) {
	wc.mu.Lock()
	on := wc.balances
	wc.mu.Unlock()
	if !on || len(e.Balances) == 0 {
		return
	}
	data := make([]any, 0, len(e.Balances))
	for _, b := range e.Balances {
		wc.mu.Lock()
		wc.ledger++
		id := wc.ledger
		wc.mu.Unlock()
		data = append(data, map[string]any{"ledger_id": "L" + strconv.FormatInt(id, 10), "ref_id": "R" + strconv.FormatInt(id, 10),
			"timestamp": stamp(e.Time), "type": "trade", "subtype": "", "asset": b.Asset, "asset_class": "currency",
			"category": "trade", "wallet_type": "spot", "wallet_id": "main", "balance": num(b.Total())})
	}
	wc.c.Write(map[string]any{"channel": "balances", "type": "update", "data": data, "sequence": wc.next()})
}

func (wc *wsConn) next() int64 {
	wc.mu.Lock()
	defer wc.mu.Unlock()
	wc.seq++
	return wc.seq
}

func num(d decimal.Decimal) json.Number { return json.Number(d.String()) }

// execution is an order in the executions channel's shape. WS v2 names
// pairs as BTC/USDT.
func (wc *wsConn) execution(o exchange.Order, execType string, ev exchange.OrderEvent) map[string]any {
	r, _ := wc.s.sim.Symbol(o.Symbol)
	side, ot := "buy", "limit"
	if o.Side == exchange.Sell {
		side = "sell"
	}
	status := map[exchange.OrderStatus]string{exchange.StatusNew: "new", exchange.StatusPartiallyFilled: "partially_filled",
		exchange.StatusFilled: "filled", exchange.StatusCanceled: "canceled", exchange.StatusExpired: "expired",
		exchange.StatusRejected: "canceled"}[o.Status]
	m := map[string]any{
		"order_id": o.OrderID, "symbol": r.Base + "/" + r.Quote, "side": side, "order_qty": num(o.Qty),
		"exec_type": execType, "order_status": status, "cum_qty": num(o.Filled), "cum_cost": num(o.QuoteFilled),
		"timestamp": stamp(o.Updated), "order_userref": 0,
	}
	if o.ClientID != "" {
		m["cl_ord_id"] = o.ClientID
	}
	if o.Type == exchange.MarketOrder {
		ot = "market"
	} else {
		m["limit_price"] = num(o.Price)
		tif := "GTC"
		if o.TIF == exchange.IOC {
			tif = "IOC"
		}
		m["time_in_force"] = tif
	}
	m["order_type"] = ot
	if o.Filled.IsPositive() {
		m["avg_price"] = num(o.QuoteFilled.Div(o.Filled).Round(8))
	}
	if execType == "trade" {
		m["last_qty"], m["last_price"] = num(ev.LastQty), num(ev.LastPrice)
		m["exec_id"] = ev.TradeID
		m["cost"] = num(ev.LastQty.Mul(ev.LastPrice))
	}
	if o.Status == exchange.StatusCanceled || o.Status == exchange.StatusExpired {
		m["reason"] = "User requested"
	}
	// ratecounter: true asks for the pair's trading counter. Kraken names
	// the field only in v1 (ratecount); the fake sends it under that name.
	wc.mu.Lock()
	k := wc.key
	wc.mu.Unlock()
	if k != nil {
		m["ratecount"] = json.Number(strconv.FormatFloat(wc.s.pairLevel(k.perms.Account, o.Symbol), 'f', 2, 64))
	}
	return m
}

func (wc *wsConn) push(e sim.Event) {
	if e.Type == sim.BalanceChanged {
		wc.pushBalances(e)
		return
	}
	if e.Type != sim.OrderChanged || e.OrderID == 0 {
		return
	}
	o := e.Order.Order
	execType := "new"
	switch {
	case e.Order.Kind == exchange.EventFill:
		execType = "trade"
	case o.Status == exchange.StatusCanceled || o.Status == exchange.StatusRejected:
		execType = "canceled"
	case o.Status == exchange.StatusExpired:
		execType = "expired"
	}
	wc.send("update", []any{wc.execution(o, execType, e.Order)})
}
