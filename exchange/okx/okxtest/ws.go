package okxtest

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

type channelArg struct {
	Channel     string `json:"channel"`
	InstType    string `json:"instType,omitempty"`
	InstID      string `json:"instId,omitempty"`
	Ccy         string `json:"ccy,omitempty"`
	ExtraParams string `json:"extraParams,omitempty"`
	UID         string `json:"uid,omitempty"`
}

// wsConn is one connection's OKX state; the hub owns the socket.
type wsConn struct {
	s  *Server
	c  *sim.WSConn
	id string
	ip string

	subs sim.Subs[channelArg]

	mu  sync.Mutex
	key *apiKey
	uid string
}

type wsEvent struct {
	Event  string      `json:"event"`
	Arg    *channelArg `json:"arg,omitempty"`
	Code   string      `json:"code,omitempty"`
	Msg    string      `json:"msg,omitempty"`
	ConnID string      `json:"connId"`
}

func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	id := fmt.Sprintf("%08x", s.NextConn()*2654435761%(1<<32))
	ip := s.ClientIP(r)
	s.ServeWS(w, r, sim.WSServe{
		// OKX closes a connection that sends nothing for 30 s; protocol
		// pings do not count, only messages.
		Idle: s.idle,
		Open: func(c *sim.WSConn) func([]byte) {
			wc := &wsConn{s: s, c: c, id: id, ip: ip}
			return wc.handle
		},
		Expire: func(c *sim.WSConn) {
			c.Write(upgradeNotice(id))
			c.CloseNormal("service upgrade")
		},
		Notice: func(c *sim.WSConn) { c.Write(upgradeNotice(id)) },
	})
}

func upgradeNotice(connID string) wsEvent {
	return wsEvent{Event: "notice", Code: "64008", Msg: "The connection will soon be closed for a service upgrade. Please reconnect.", ConnID: connID}
}

func (wc *wsConn) fail(code, msg string) {
	wc.c.Write(wsEvent{Event: "error", Code: code, Msg: msg, ConnID: wc.id})
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
		if wc.c.Hub().AnswerPings() {
			wc.c.WriteRaw([]byte("pong"))
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
	k, known := wc.s.keys.Get(a.APIKey)
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
	wc.c.Write(map[string]string{"event": "login", "code": "0", "msg": "", "connId": wc.id})
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
		switch a.Channel {
		case "orders":
			switch a.InstType {
			case "SPOT", "ANY", "MARGIN", "SWAP", "FUTURES", "OPTION":
			default:
				wc.fail("60013", "Invalid args")
				return
			}
		case "account":
		default:
			wc.fail("60018", fmt.Sprintf("Wrong URL or channel:%s,instId:%s doesn't exist. Please use the correct URL, channel and parameters referring to API document.", a.Channel, a.InstID))
			return
		}
		a.UID = ""
		if wc.subs.Change(req.Op == "subscribe", a) {
			wc.c.Forward(wc.s.sim, k.perms.Account, wc.push)
		}
		wc.c.Write(wsEvent{Event: req.Op, Arg: &a, ConnID: wc.id})
		if req.Op == "subscribe" && a.Channel == "account" {
			// The first push after subscribing is the whole account.
			wc.pushAccount(a, wc.s.sim.Balances(k.perms.Account), wc.s.sim.Now(), "snapshot")
		}
	}
}

func (wc *wsConn) push(e sim.Event) {
	for _, a := range wc.subs.List() {
		switch {
		case e.Type == sim.OrderChanged && a.Channel == "orders":
			// OKX pushes no rejected placements: REST reports them.
			if e.OrderID != 0 {
				wc.pushOrder(a, e)
			}
		case e.Type == sim.BalanceChanged && a.Channel == "account":
			wc.pushAccount(a, e.Balances, e.Time, "event_update")
		}
	}
}

func (wc *wsConn) pushOrder(a channelArg, e sim.Event) {
	o := e.Order.Order
	if a.InstType != "SPOT" && a.InstType != "ANY" || a.InstID != "" && a.InstID != o.Symbol {
		return
	}
	wc.mu.Lock()
	uid := wc.uid
	account := wc.key.perms.Account
	wc.mu.Unlock()
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
	last, _ := wc.s.sim.Price(o.Symbol)
	d["lastPx"] = str(last)
	d["amendResult"], d["reqId"], d["code"], d["msg"] = "", "", "0", ""
	a.UID = uid
	wc.c.Write(map[string]any{"arg": a, "data": []any{d}})
}

// pushAccount sends the account channel's shape: one account summary whose
// details are the currencies given (on an event, the ones that changed,
// zeroes included so a client learns an asset is gone; on subscribing,
// every currency held).
func (wc *wsConn) pushAccount(a channelArg, bals []exchange.Balance, at time.Time, eventType string) {
	wc.mu.Lock()
	uid := wc.uid
	wc.mu.Unlock()
	now := ms(at)
	total := decimal.Zero
	details := []map[string]string{}
	for _, b := range bals {
		if a.Ccy != "" && a.Ccy != b.Asset {
			continue
		}
		eq := b.Total()
		if eventType == "snapshot" && eq.IsZero() {
			continue // only non-zero currencies are pushed on subscribing
		}
		usd := wc.usdValue(b.Asset, eq)
		total = total.Add(usd)
		details = append(details, map[string]string{
			"ccy": b.Asset, "eq": str(eq), "cashBal": str(eq), "availBal": str(b.Free),
			"availEq": str(b.Free), "frozenBal": str(b.Locked), "ordFrozen": str(b.Locked),
			"disEq": str(usd), "eqUsd": str(usd), "fixedBal": "0", "uTime": now,
			"upl": "0", "liab": "", "crossLiab": "", "isoEq": "0", "isoUpl": "0", "isoLiab": "",
			"interest": "", "maxLoan": "", "mgnRatio": "", "notionalLever": "", "stgyEq": "0",
			"twap": "0", "spotInUseAmt": "", "spotIsoBal": "0", "rewardBal": "0", "coinUsdPrice": str(wc.usdValue(b.Asset, decimal.NewFromInt(1))),
			"spotBal": str(eq), "openAvgPx": "", "accAvgPx": "", "spotUpl": "", "spotUplRatio": "",
			"totalPnl": "", "totalPnlRatio": "", "imr": "", "mmr": "", "borrowFroz": "", "uplLiab": "",
		})
	}
	if len(details) == 0 && eventType != "snapshot" {
		return
	}
	a.UID = uid
	wc.c.Write(map[string]any{
		"arg": a, "eventType": eventType, "curPage": 1, "lastPage": true,
		"data": []any{map[string]any{
			"adjEq": "", "borrowFroz": "", "imr": "", "isoEq": "0", "mgnRatio": "", "mmr": "",
			"notionalUsd": "", "ordFroz": "", "totalEq": str(total), "uTime": now, "upl": "",
			"details": details,
		}},
	})
}

// usdValue prices an amount as the REST balance does.
func (wc *wsConn) usdValue(asset string, amt decimal.Decimal) decimal.Decimal {
	return (&call{s: wc.s}).usdValue(asset, amt)
}
