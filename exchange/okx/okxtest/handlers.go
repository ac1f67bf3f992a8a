package okxtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/sim"
	"github.com/vigil-trade/vigil/exchange/sim/simhttp"
)

type route struct {
	op      string // "METHOD /path": also the sim.Faults operation name
	private bool
	trade   bool // needs the trade permission
	limit   func(Limits) int
	bucket  func(q *call) []string
	handle  func(q *call, rp *reply)
}

func perIP(q *call) []string  { return []string{"ip|" + q.ip + "|" + q.rt.op} }
func perUID(q *call) []string { return []string{"uid|" + q.uid + "|" + q.rt.op} }
func perUIDInst(q *call) []string {
	return []string{"uid|" + q.uid + "|" + q.rt.op + "|" + q.params["instId"]}
}
func perIPType(q *call) []string {
	return []string{"ip|" + q.ip + "|" + q.rt.op + "|" + q.params["instType"]}
}

// perUIDBatch charges each order of a batch to its instrument's bucket.
func perUIDBatch(q *call) []string {
	out := make([]string, 0, len(q.items))
	for _, it := range q.items {
		inst, _ := it["instId"].(string)
		out = append(out, "uid|"+q.uid+"|POST /api/v5/trade/order|"+inst)
	}
	return out
}

func buildRoutes() map[string]*route {
	rs := []*route{
		{op: "GET /api/v5/public/time", limit: func(l Limits) int { return l.Time }, bucket: perIP, handle: (*call).time},
		{op: "GET /api/v5/public/instruments", limit: func(l Limits) int { return l.Instruments }, bucket: perIPType, handle: (*call).instruments},
		{op: "GET /api/v5/market/ticker", limit: func(l Limits) int { return l.Ticker }, bucket: perIP, handle: (*call).ticker},
		{op: "GET /api/v5/account/balance", private: true, limit: func(l Limits) int { return l.Balance }, bucket: perUID, handle: (*call).balance},
		{op: "GET /api/v5/account/config", private: true, limit: func(l Limits) int { return l.Config }, bucket: perUID, handle: (*call).config},
		{op: "POST /api/v5/trade/order", private: true, trade: true, limit: func(l Limits) int { return l.Place }, bucket: perUIDInst, handle: (*call).placeOrder},
		{op: "POST /api/v5/trade/batch-orders", private: true, trade: true, limit: func(l Limits) int { return l.BatchPlace }, bucket: perUIDBatch, handle: (*call).batchOrders},
		{op: "POST /api/v5/trade/cancel-order", private: true, trade: true, limit: func(l Limits) int { return l.Cancel }, bucket: perUIDInst, handle: (*call).cancelOrder},
		{op: "GET /api/v5/trade/order", private: true, limit: func(l Limits) int { return l.GetOrder }, bucket: perUIDInst, handle: (*call).getOrder},
		{op: "GET /api/v5/trade/orders-pending", private: true, limit: func(l Limits) int { return l.OrdersPending }, bucket: perUID, handle: (*call).ordersPending},
	}
	m := make(map[string]*route, len(rs))
	for _, r := range rs {
		m[r.op] = r
	}
	return m
}

func badRequest(code, msg string) *wireErr {
	return &wireErr{status: http.StatusBadRequest, code: code, msg: msg}
}

func empty(name string) *wireErr {
	return badRequest("50014", fmt.Sprintf("Parameter %s can not be empty.", name))
}

// paramErr is OKX's 51000, answered with HTTP 200 on trade endpoints.
func paramErr(name string) *wireErr {
	return &wireErr{status: http.StatusOK, code: "51000", msg: fmt.Sprintf("Parameter %s error", name)}
}

func noInstrument() *wireErr {
	return &wireErr{status: http.StatusOK, code: "51001", msg: "Instrument ID or Spread ID doesn't exist."}
}

// parse reads the query string of a GET, or the JSON body of a POST. OKX
// takes every value as a JSON string.
func (q *call) parse() *wireErr {
	if q.r.Method == http.MethodGet {
		q.params = simhttp.FirstValues(q.r)
		return nil
	}
	q.params = map[string]string{}
	b := bytes.TrimSpace(q.body)
	if len(b) == 0 {
		return badRequest("50000", "Body can not be empty.")
	}
	if b[0] == '[' {
		if err := json.Unmarshal(b, &q.items); err != nil {
			return badRequest("50002", "Json data format error.")
		}
		return nil
	}
	var obj map[string]any
	if err := json.Unmarshal(b, &obj); err != nil {
		return badRequest("50002", "Json data format error.")
	}
	q.items = []map[string]any{obj}
	q.params = strings1(obj)
	return nil
}

// strings1 keeps the string values of a JSON object.
func strings1(obj map[string]any) map[string]string {
	out := map[string]string{}
	for k, v := range obj {
		if s, ok := v.(string); ok {
			out[k] = s
		}
	}
	return out
}

func (q *call) time(rp *reply) {
	rp.ok([]map[string]string{{"ts": ms(q.s.sim.Now())}})
}

type instrumentJSON struct {
	InstType     string `json:"instType"`
	InstID       string `json:"instId"`
	InstIDCode   int64  `json:"instIdCode"`
	Uly          string `json:"uly"`
	InstFamily   string `json:"instFamily"`
	Category     string `json:"category"`
	BaseCcy      string `json:"baseCcy"`
	QuoteCcy     string `json:"quoteCcy"`
	SettleCcy    string `json:"settleCcy"`
	CtVal        string `json:"ctVal"`
	CtMult       string `json:"ctMult"`
	CtValCcy     string `json:"ctValCcy"`
	OptType      string `json:"optType"`
	Stk          string `json:"stk"`
	ListTime     string `json:"listTime"`
	ExpTime      string `json:"expTime"`
	Lever        string `json:"lever"`
	TickSz       string `json:"tickSz"`
	LotSz        string `json:"lotSz"`
	MinSz        string `json:"minSz"`
	CtType       string `json:"ctType"`
	Alias        string `json:"alias"`
	State        string `json:"state"`
	RuleType     string `json:"ruleType"`
	MaxLmtSz     string `json:"maxLmtSz"`
	MaxMktSz     string `json:"maxMktSz"`
	MaxLmtAmt    string `json:"maxLmtAmt"`
	MaxMktAmt    string `json:"maxMktAmt"`
	MaxTwapSz    string `json:"maxTwapSz"`
	MaxIcebergSz string `json:"maxIcebergSz"`
	MaxTriggerSz string `json:"maxTriggerSz"`
	MaxStopSz    string `json:"maxStopSz"`
}

func str(d decimal.Decimal) string {
	if d.IsZero() {
		return "0"
	}
	return d.String()
}

func instrumentOut(r exchange.SymbolRules, n int) instrumentJSON {
	state := "live"
	if !r.Trading {
		state = "suspend"
	}
	maxMkt := r.MarketMaxQty
	if maxMkt.IsZero() {
		maxMkt = r.MaxQty
	}
	return instrumentJSON{
		InstType: "SPOT", InstID: r.Symbol, InstIDCode: int64(100000 + n), Category: "1",
		BaseCcy: r.Base, QuoteCcy: r.Quote, ListTime: "1606468572000", Lever: "",
		TickSz: str(r.TickSize), LotSz: str(r.StepSize), MinSz: str(r.MinQty),
		State: state, RuleType: "normal",
		MaxLmtSz: str(r.MaxQty), MaxMktSz: str(maxMkt), MaxLmtAmt: "20000000", MaxMktAmt: "1000000",
		MaxTwapSz: str(r.MaxQty), MaxIcebergSz: str(r.MaxQty), MaxTriggerSz: str(r.MaxQty), MaxStopSz: str(maxMkt),
	}
}

func (q *call) instruments(rp *reply) {
	typ := q.params["instType"]
	if typ == "" {
		rp.fail(empty("instType"))
		return
	}
	out := []instrumentJSON{}
	if typ != "SPOT" {
		rp.ok(out) // only spot is listed
		return
	}
	inst := q.params["instId"]
	for i, r := range q.s.sim.Symbols() {
		if inst == "" || inst == r.Symbol {
			out = append(out, instrumentOut(r, i))
		}
	}
	if inst != "" && len(out) == 0 {
		rp.fail(noInstrument())
		return
	}
	rp.ok(out)
}

func (q *call) ticker(rp *reply) {
	inst := q.params["instId"]
	if inst == "" {
		rp.fail(empty("instId"))
		return
	}
	r, ok := q.s.sim.Symbol(inst)
	if !ok {
		rp.fail(noInstrument())
		return
	}
	p, _ := q.s.sim.Price(inst)
	bid, ask := p.Sub(r.TickSize), p.Add(r.TickSize)
	now := ms(q.s.sim.Now())
	rp.ok([]map[string]string{{
		"instType": "SPOT", "instId": inst, "last": str(p), "lastSz": str(r.MinQty),
		"askPx": str(ask), "askSz": "1", "bidPx": str(bid), "bidSz": "1",
		"open24h": str(p), "high24h": str(p), "low24h": str(p), "volCcy24h": "0", "vol24h": "0",
		"sodUtc0": str(p), "sodUtc8": str(p), "ts": now,
	}})
}

// usdValue prices an amount of ccy in USDT at the sim's current price.
func (q *call) usdValue(ccy string, amt decimal.Decimal) decimal.Decimal {
	switch ccy {
	case "USDT", "USDC", "USD":
		return amt
	}
	if p, ok := q.s.sim.Price(ccy + "-USDT"); ok {
		return amt.Mul(p)
	}
	return decimal.Zero
}

func (q *call) balance(rp *reply) {
	var want []string
	if c := q.params["ccy"]; c != "" {
		want = strings.Split(c, ",")
	}
	now := ms(q.now)
	worths, total := q.s.sim.BalancesWorth(q.account, want, q.usdValue)
	details := []map[string]string{}
	for _, b := range worths {
		eq, usd := b.Total(), b.Value
		details = append(details, map[string]string{
			"ccy": b.Asset, "eq": str(eq), "cashBal": str(eq), "availBal": str(b.Free),
			"availEq": str(b.Free), "frozenBal": str(b.Locked), "ordFrozen": str(b.Locked),
			"disEq": str(usd), "eqUsd": str(usd), "fixedBal": "0", "uTime": now,
			"upl": "0", "liab": "", "crossLiab": "", "isoEq": "0", "isoUpl": "0",
			"interest": "", "maxLoan": "", "mgnRatio": "", "notionalLever": "", "stgyEq": "0",
			"twap": "0", "spotInUseAmt": "", "spotBal": str(eq), "openAvgPx": "", "accAvgPx": "",
			"spotUpl": "", "spotUplRatio": "", "totalPnl": "", "totalPnlRatio": "",
		})
	}
	rp.ok([]map[string]any{{
		"adjEq": "", "borrowFroz": "", "imr": "", "isoEq": "0", "mgnRatio": "", "mmr": "",
		"notionalUsd": "", "ordFroz": "", "totalEq": str(total), "uTime": now, "upl": "",
		"details": details,
	}})
}

func (q *call) config(rp *reply) {
	k := q.key
	perm := "read_only"
	if k.perms.Trade {
		perm += ",trade"
	}
	if k.perms.Withdraw {
		perm += ",withdraw"
	}
	rp.ok([]map[string]any{{
		"uid": q.uid, "mainUid": q.uid, "acctLv": "1", "acctStpMode": "cancel_maker",
		"posMode": "net_mode", "autoLoan": false, "greeksType": "PA", "level": "Lv1", "levelTmp": "",
		"ctIsoMode": "automatic", "mgnIsoMode": "automatic", "spotOffsetType": "", "roleType": "0",
		"traderInsts": []string{}, "spotRoleType": "0", "spotTraderInsts": []string{},
		"opAuth": "0", "kycLv": "2", "label": k.perms.Label, "ip": strings.Join(k.perms.IPs, ","),
		"perm": perm, "liquidationGear": "-1", "enableSpotBorrow": false, "spotBorrowAutoRepay": false,
		"type": "0", "settleCcy": "USDT", "settleCcyList": []string{"USDT"},
	}})
}

var (
	clOrdIDFormat = regexp.MustCompile(`^[A-Za-z0-9]{1,32}$`)
	numberFormat  = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)
)

// orderAck is one entry of a place or cancel answer.
type orderAck struct {
	ClOrdID string `json:"clOrdId"`
	OrdID   string `json:"ordId"`
	Tag     string `json:"tag"`
	Ts      string `json:"ts"`
	SCode   string `json:"sCode"`
	SMsg    string `json:"sMsg"`
}

// placeOne validates and places one order. A non-nil top error answers the
// whole request (missing mandatory fields); otherwise the ack carries the
// result in sCode/sMsg.
func (q *call) placeOne(it map[string]any) (orderAck, *wireErr) {
	p := strings1(it)
	ack := orderAck{ClOrdID: p["clOrdId"], Tag: p["tag"], Ts: ms(q.s.sim.Now())}
	for _, n := range []string{"instId", "tdMode", "side", "ordType", "sz"} {
		if p[n] == "" {
			return ack, empty(n)
		}
	}
	fail := func(e *wireErr) (orderAck, *wireErr) {
		ack.SCode, ack.SMsg = e.code, e.msg
		return ack, nil
	}
	if _, ok := it["clOrdId"]; ok && !clOrdIDFormat.MatchString(p["clOrdId"]) {
		return fail(paramErr("clOrdId"))
	}
	rules, ok := q.s.sim.Symbol(p["instId"])
	if !ok {
		return fail(noInstrument())
	}
	if p["tdMode"] != "cash" {
		return fail(paramErr("tdMode"))
	}
	req := exchange.OrderRequest{Symbol: rules.Symbol, ClientID: p["clOrdId"]}
	switch p["side"] {
	case "buy":
		req.Side = exchange.Buy
	case "sell":
		req.Side = exchange.Sell
	default:
		return fail(paramErr("side"))
	}
	switch p["ordType"] {
	case "limit":
		req.Type, req.TIF = exchange.LimitOrder, exchange.GTC
	case "ioc":
		req.Type, req.TIF = exchange.LimitOrder, exchange.IOC
	case "fok":
		req.Type, req.TIF = exchange.LimitOrder, exchange.FOK
	case "market":
		req.Type = exchange.MarketOrder
	default:
		return fail(paramErr("ordType"))
	}
	if !numberFormat.MatchString(p["sz"]) {
		return fail(paramErr("sz"))
	}
	sz := decimal.RequireFromString(p["sz"])
	quoteSz := false
	if req.Type == exchange.LimitOrder {
		if !numberFormat.MatchString(p["px"]) {
			return fail(paramErr("px"))
		}
		req.Price = decimal.RequireFromString(p["px"])
		req.Qty = sz
	} else {
		// Spot market buys are sized in the quote currency unless tgtCcy
		// says base_ccy.
		switch p["tgtCcy"] {
		case "":
			quoteSz = req.Side == exchange.Buy
		case "quote_ccy":
			quoteSz = true
		case "base_ccy":
		default:
			return fail(paramErr("tgtCcy"))
		}
		req.Qty = sz
		if quoteSz {
			price, _ := q.s.sim.Price(rules.Symbol)
			req.Qty = sz.Div(price).Div(rules.StepSize).Floor().Mul(rules.StepSize)
		}
	}
	if !quoteSz {
		if !sz.IsPositive() {
			return fail(paramErr("sz"))
		}
		if !sz.Mod(rules.StepSize).IsZero() {
			return fail(&wireErr{status: http.StatusOK, code: "51121", msg: fmt.Sprintf("Order quantity must be a multiple of the lot size. The lot size is %s.", str(rules.StepSize))})
		}
	}
	if req.Qty.LessThan(rules.MinQty) || !req.Qty.IsPositive() {
		return fail(&wireErr{status: http.StatusOK, code: "51020", msg: "Your order should meet or exceed the minimum order amount."})
	}
	o, _, err := q.s.sim.Place(q.account, req)
	if err != nil {
		return fail(q.simError(err, req, rules))
	}
	if quoteSz {
		q.s.mu.Lock()
		q.s.quoteSz[o.OrderID] = str(sz)
		q.s.mu.Unlock()
	}
	ack.OrdID, ack.SCode, ack.SMsg = o.OrderID, "0", "Order placed"
	ack.ClOrdID = req.ClientID
	return ack, nil
}

// simError maps a sim rejection to OKX's code and message.
func (q *call) simError(err error, req exchange.OrderRequest, r exchange.SymbolRules) *wireErr {
	ok200 := func(code, msg string) *wireErr { return &wireErr{status: http.StatusOK, code: code, msg: msg} }
	var se *sim.Error
	if !errors.As(err, &se) {
		return ok200("50026", "System error. Try again later.")
	}
	switch se.Kind {
	case exchange.KindFilter:
		switch se.Rule {
		case exchange.RulePrice:
			p, _ := q.s.sim.Price(r.Symbol)
			return ok200("51006", fmt.Sprintf("Order price is not within the price limit (max buy price: %s min sell price: %s)", str(p.Mul(decimal.RequireFromString("1.05")).Round(r.TickSize.Exponent()*-1)), str(p.Mul(decimal.RequireFromString("0.95")).Round(r.TickSize.Exponent()*-1))))
		case exchange.RuleTick:
			return paramErr("px")
		case exchange.RuleQty:
			if req.Qty.LessThan(r.MinQty) {
				return ok200("51020", "Your order should meet or exceed the minimum order amount.")
			}
			return paramErr("sz")
		case exchange.RuleStep:
			return ok200("51121", fmt.Sprintf("Order quantity must be a multiple of the lot size. The lot size is %s.", str(r.StepSize)))
		case exchange.RuleNotional:
			return ok200("51020", "Your order should meet or exceed the minimum order amount.")
		case exchange.RuleStatus:
			return ok200("51001", "Instrument ID or Spread ID doesn't exist.")
		}
	case exchange.KindBalance:
		ccy := r.Quote
		if req.Side == exchange.Sell {
			ccy = r.Base
		}
		return ok200("51008", fmt.Sprintf("Order failed. Insufficient %s balance in account.", ccy))
	case exchange.KindDuplicate:
		return ok200("51016", "Client order ID already exists.")
	case exchange.KindBadRequest:
		return paramErr(se.Rule)
	}
	return ok200("51000", se.Msg)
}

// tradeReply writes a trade answer: code "0" when every entry succeeded,
// "1" when all failed, "2" when some did.
func (q *call) tradeReply(rp *reply, acks []orderAck) {
	failed := 0
	for _, a := range acks {
		if a.SCode != "0" {
			failed++
		}
	}
	env := envelope{Code: "0", Msg: "", Data: acks, InTime: us(q.now), OutTime: us(q.s.sim.Now())}
	switch {
	case failed == len(acks):
		env.Code, env.Msg = "1", "All operations failed"
		rp.Code = acks[0].SCode
	case failed > 0:
		env.Code, env.Msg = "2", "Bulk operation partially succeeded"
		rp.Code = "2"
	default:
		rp.Code = "0"
	}
	rp.json(http.StatusOK, env)
}

func (q *call) placeOrder(rp *reply) {
	if len(q.items) != 1 {
		rp.fail(badRequest("50002", "Json data format error."))
		return
	}
	ack, top := q.placeOne(q.items[0])
	if top != nil {
		rp.fail(top)
		return
	}
	q.tradeReply(rp, []orderAck{ack})
}

func (q *call) batchOrders(rp *reply) {
	if len(q.items) == 0 {
		rp.fail(badRequest("50002", "Json data format error."))
		return
	}
	if len(q.items) > 20 {
		rp.fail(&wireErr{status: http.StatusOK, code: "50025", msg: "Parameter orders count exceeds the limit 20."})
		return
	}
	acks := make([]orderAck, 0, len(q.items))
	for _, it := range q.items {
		ack, top := q.placeOne(it)
		if top != nil {
			ack.SCode, ack.SMsg = top.code, top.msg
		}
		acks = append(acks, ack)
	}
	q.tradeReply(rp, acks)
}

// lookup finds the order named by ordId (preferred) or clOrdId on instId.
func (q *call) lookup() (exchange.Order, bool, *wireErr) {
	p := q.params
	if p["instId"] == "" {
		return exchange.Order{}, false, empty("instId")
	}
	ordID, cid := p["ordId"], p["clOrdId"]
	var o exchange.Order
	var found bool
	switch {
	case ordID != "":
		id, err := sim.ParseOrderID(ordID)
		if err != nil {
			return o, false, nil
		}
		o, found = q.s.sim.OrderByID(q.account, id)
	case cid != "":
		o, found = q.s.sim.OrderByClientID(q.account, cid)
	default:
		return o, false, badRequest("50015", "Either parameter ordId or clOrdId is required.")
	}
	if found && o.Symbol != p["instId"] {
		found = false
	}
	return o, found, nil
}

func (q *call) cancelOrder(rp *reply) {
	o, found, e := q.lookup()
	if e != nil {
		rp.fail(e)
		return
	}
	ack := orderAck{ClOrdID: q.params["clOrdId"], OrdID: q.params["ordId"], Ts: ms(q.s.sim.Now())}
	if found {
		id, _ := sim.ParseOrderID(o.OrderID)
		if _, err := q.s.sim.Cancel(q.account, id); err != nil {
			found = false
		} else {
			ack.ClOrdID, ack.OrdID, ack.SCode = o.ClientID, o.OrderID, "0"
		}
	}
	if !found {
		ack.SCode, ack.SMsg = "51400", "Order cancellation failed as the order has been filled, canceled or does not exist."
	}
	q.tradeReply(rp, []orderAck{ack})
}

func (q *call) getOrder(rp *reply) {
	o, found, e := q.lookup()
	switch {
	case e != nil:
		rp.fail(e)
	case !found:
		rp.fail(&wireErr{status: http.StatusOK, code: "51603", msg: "Order does not exist"})
	default:
		rp.ok([]map[string]any{q.s.orderOut(q.account, o)})
	}
}

func (q *call) ordersPending(rp *reply) {
	p := q.params
	if t := p["instType"]; t != "" && t != "SPOT" {
		rp.ok([]any{})
		return
	}
	open := q.s.sim.OpenOrders(q.account, p["instId"])
	out := []map[string]any{}
	for i := len(open) - 1; i >= 0; i-- { // newest first, as OKX lists them
		m := q.s.orderOut(q.account, open[i])
		if t := p["ordType"]; t != "" && m["ordType"] != t {
			continue
		}
		if st := p["state"]; st != "" && m["state"] != st {
			continue
		}
		out = append(out, m)
	}
	rp.ok(out)
}

func stateOf(st exchange.OrderStatus) string {
	switch st {
	case exchange.StatusNew:
		return "live"
	case exchange.StatusPartiallyFilled:
		return "partially_filled"
	case exchange.StatusFilled:
		return "filled"
	}
	return "canceled"
}

func ordTypeOf(o exchange.Order) string {
	if o.Type == exchange.MarketOrder {
		return "market"
	}
	switch o.TIF {
	case exchange.IOC:
		return "ioc"
	case exchange.FOK:
		return "fok"
	}
	return "limit"
}

// orderOut is an order in OKX's shape (GET trade/order, orders-pending and
// the orders channel share it).
func (s *Server) orderOut(account string, o exchange.Order) map[string]any {
	id, _ := sim.ParseOrderID(o.OrderID)
	fills := s.sim.Fills(account, id)
	r, _ := s.sim.Symbol(o.Symbol)
	fee := decimal.Zero
	feeCcy := r.Base
	if o.Side == exchange.Sell {
		feeCcy = r.Quote
	}
	// o may be a snapshot from an event: count only the fills it had seen.
	cum := decimal.Zero
	for i, f := range fills {
		if cum.GreaterThanOrEqual(o.Filled) {
			fills = fills[:i]
			break
		}
		cum = cum.Add(f.Qty)
		fee = fee.Add(f.Fee)
	}
	m := map[string]any{
		"instType": "SPOT", "instId": o.Symbol, "tgtCcy": "", "ccy": "", "ordId": o.OrderID,
		"clOrdId": o.ClientID, "tag": "", "px": "", "pxUsd": "", "pxVol": "", "pxType": "",
		"sz": str(o.Qty), "pnl": "0", "ordType": ordTypeOf(o), "side": strings.ToLower(string(o.Side)),
		"posSide": "net", "tdMode": "cash", "accFillSz": str(o.Filled), "fillPx": "", "tradeId": "",
		"fillSz": "0", "fillTime": "", "avgPx": "", "state": stateOf(o.Status), "lever": "",
		"attachAlgoClOrdId": "", "tpTriggerPx": "", "tpTriggerPxType": "", "tpOrdPx": "",
		"slTriggerPx": "", "slTriggerPxType": "", "slOrdPx": "", "attachAlgoOrds": []any{},
		"linkedAlgoOrd": map[string]string{"algoId": ""}, "stpId": "", "stpMode": "cancel_maker",
		"feeCcy": feeCcy, "fee": str(fee.Neg()), "rebateCcy": r.Quote, "rebate": "0", "source": "",
		"category": "normal", "reduceOnly": "false", "isTpLimit": "false", "cancelSource": "",
		"cancelSourceReason": "", "quickMgnType": "", "algoClOrdId": "", "algoId": "",
		"uTime": ms(o.Updated), "cTime": ms(o.Created),
	}
	if o.Type == exchange.LimitOrder {
		m["px"] = str(o.Price)
	}
	s.mu.Lock()
	qs, quote := s.quoteSz[o.OrderID]
	s.mu.Unlock()
	if quote {
		m["sz"], m["tgtCcy"] = qs, "quote_ccy"
	} else if o.Type == exchange.MarketOrder {
		m["tgtCcy"] = "base_ccy"
	}
	if o.Filled.IsPositive() {
		m["avgPx"] = str(o.QuoteFilled.Div(o.Filled).Round(r.TickSize.Exponent() * -1))
	}
	if n := len(fills); n > 0 {
		f := fills[n-1]
		m["fillPx"], m["fillSz"], m["tradeId"], m["fillTime"] = str(f.Price), str(f.Qty), fmt.Sprint(f.TradeID), ms(f.Time)
	}
	return m
}
