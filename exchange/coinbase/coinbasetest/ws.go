package coinbasetest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"sync"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/sim"
)

// SnapshotBatch is how many orders one snapshot message holds at most.
const SnapshotBatch = 50

func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	s.ServeWS(w, r, sim.WSServe{
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
	seq     int64
	key     *apiKey
	subs    map[string]bool
	started bool
}

type wsRequest struct {
	Type       string   `json:"type"`
	Channel    string   `json:"channel"`
	ProductIDs []string `json:"product_ids"`
	JWT        string   `json:"jwt"`
}

// write sends one message with the connection's next sequence number
// and the fake's time; the lock keeps numbers in the order sent.
func (wc *wsConn) write(channel string, events []any) {
	wc.mu.Lock()
	defer wc.mu.Unlock()
	m := map[string]any{"channel": channel, "client_id": "", "timestamp": stamp(wc.s.sim.Now()), "sequence_num": wc.seq, "events": events}
	wc.seq++
	wc.c.Write(m)
}

func (wc *wsConn) handle(data []byte) {
	var req wsRequest
	if err := json.Unmarshal(data, &req); err != nil || req.Type == "" {
		wc.c.Write(map[string]any{"type": "error", "message": "failure to parse message"})
		return
	}
	if req.Type != "subscribe" && req.Type != "unsubscribe" {
		wc.c.Write(map[string]any{"type": "error", "message": "unknown message type " + strconv.Quote(req.Type)})
		return
	}
	if req.Channel != "user" && req.Channel != "heartbeats" {
		wc.c.Write(map[string]any{"type": "error", "message": "channel " + req.Channel + " is not served by the fake"})
		return
	}
	k, why := wc.s.checkToken(req.JWT, wc.s.sim.Now(), "")
	if k == nil {
		_ = why
		wc.c.Write(map[string]any{"type": "error", "message": "authentication failure"})
		return
	}
	wc.mu.Lock()
	wc.key = k
	wc.subs[req.Channel] = req.Type == "subscribe"
	first := req.Channel == "user" && req.Type == "subscribe" && !wc.started
	if first {
		wc.started = true
	}
	subs := map[string][]string{}
	for ch, on := range wc.subs {
		if on {
			subs[ch] = []string{}
		}
	}
	wc.mu.Unlock()
	if first {
		// Subscribed before the snapshot, so nothing falls between the
		// snapshot and the first update.
		wc.c.Forward(wc.s.sim, k.perms.Account, wc.push)
	}
	wc.write("subscriptions", []any{map[string]any{"subscriptions": subs}})
	if first {
		wc.snapshot(k.perms.Account)
	}
	if req.Channel == "heartbeats" && req.Type == "subscribe" {
		wc.write("heartbeats", []any{map[string]any{"current_time": wc.s.sim.Now().UTC().String(), "heartbeat_counter": "0"}})
	}
}

// snapshot sends the open orders in batches of SnapshotBatch, ending
// with a batch of fewer (an empty one when the count is a multiple).
func (wc *wsConn) snapshot(account string) {
	open := wc.s.sim.OpenOrders(account, "")
	for i := 0; ; i += SnapshotBatch {
		end := min(i+SnapshotBatch, len(open))
		orders := make([]any, 0, end-i)
		for _, o := range open[i:end] {
			orders = append(orders, wc.s.userOrder(account, o))
		}
		wc.write("user", []any{map[string]any{"type": "snapshot", "orders": orders}})
		if len(orders) < SnapshotBatch {
			return
		}
	}
}

func (wc *wsConn) push(e sim.Event) {
	if e.Type != sim.OrderChanged || e.OrderID == 0 {
		return
	}
	wc.mu.Lock()
	on := wc.subs["user"]
	wc.mu.Unlock()
	if !on {
		return
	}
	wc.write("user", []any{map[string]any{"type": "update", "orders": []any{wc.s.userOrder(e.Account, e.Order.Order)}}})
}

// userOrder is an order in the user channel's shape: every value a string.
func (s *Server) userOrder(account string, o exchange.Order) map[string]any {
	id, _ := sim.ParseOrderID(o.OrderID)
	fills := len(s.sim.Fills(account, id))
	avg := "0"
	if o.Filled.IsPositive() {
		avg = o.QuoteFilled.Div(o.Filled).Round(8).String()
	}
	leaves := o.Qty.Sub(o.Filled)
	if o.Status.Final() {
		leaves = o.Qty.Sub(o.Filled) // what was left when it ended
	}
	ot := "Limit"
	price := o.Price.String()
	if o.Type == exchange.MarketOrder {
		ot, price = "Market", ""
	}
	cancel := ""
	if o.Status == exchange.StatusCanceled {
		cancel = "User requested cancel"
	}
	fee := s.fees(account, o)
	return map[string]any{
		"order_id": o.OrderID, "client_order_id": o.ClientID, "product_id": o.Symbol, "product_type": "SPOT",
		"order_side": string(o.Side), "order_type": ot, "status": StatusName(o), "limit_price": price,
		"cumulative_quantity": o.Filled.String(), "leaves_quantity": leaves.String(), "avg_price": avg,
		"filled_value": o.QuoteFilled.String(), "number_of_fills": strconv.Itoa(fills), "total_fees": fee.String(),
		"time_in_force": tifName(o), "creation_time": stamp(o.Created), "cancel_reason": cancel, "reject_reason": "",
		"post_only": "false", "stop_price": "", "trigger_status": "INVALID_ORDER_TYPE",
		"outstanding_hold_amount": "0", "total_value_after_fees": o.QuoteFilled.Add(fee).String(),
		"completion_percentage": "0", "retail_portfolio_id": "portfolio-" + account,
		"start_time": "0001-01-01T00:00:00Z", "end_time": "0001-01-01T00:00:00Z",
	}
}
