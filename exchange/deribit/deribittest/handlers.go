package deribittest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/sim"
	"github.com/vigil-trade/vigil/exchange/sim/simhttp"
)

// Error codes as Deribit sends them.
const (
	codeAuthRequired  = 10000
	codeQtyTooLow     = 10002
	codeNotFound      = 10004
	codeFunds         = 10009
	codeClosed        = 10010
	codeTooMany       = 10028
	codeWrongTick     = 10043
	codeInvalidCreds  = 13004
	codeUnauthorized  = 13009
	codeForbidden     = 13021
	codeInvalidParams = -32602
	codeNoMethod      = -32601
	// codeTimestamp is 13009 with the reason invalid_timestamp: the code
	// Deribit uses for a refused signature. The reason's wording is the
	// fake's: the docs name none.
	codeTimestamp = codeUnauthorized
)

// stampWindow is how long a signature's timestamp is good for, either
// way (the docs: 60 s after it was made).
const stampWindow = 60 * time.Second

type rpcErr struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Data    *struct {
		Reason string `json:"reason,omitempty"`
		Param  string `json:"param,omitempty"`
	} `json:"data,omitempty"`
}

func fail(code int, msg string) *rpcErr { return &rpcErr{Code: code, Message: msg} }

func failWhy(code int, msg, param, reason string) *rpcErr {
	e := fail(code, msg)
	e.Data = &struct {
		Reason string `json:"reason,omitempty"`
		Param  string `json:"param,omitempty"`
	}{Reason: reason, Param: param}
	return e
}

// need is what a method needs of a key's scope.
type need int

const (
	public need = iota
	readAccount
	trade
)

type method struct {
	need     need
	matching bool // counts on the matching engine's pool
	handle   func(q *call) (any, *rpcErr)
}

func methods() map[string]*method {
	return map[string]*method{
		"public/get_time":                      {handle: (*call).getTime},
		"public/test":                          {handle: func(*call) (any, *rpcErr) { return map[string]string{"version": "2.1.1"}, nil }},
		"public/auth":                          {handle: (*call).auth},
		"public/get_instruments":               {handle: (*call).instruments},
		"public/ticker":                        {handle: (*call).ticker},
		"private/get_account_summaries":        {need: readAccount, handle: (*call).summaries},
		"private/list_api_keys":                {need: readAccount, handle: (*call).listKeys},
		"private/get_positions":                {need: readAccount, handle: (*call).positions},
		"private/get_open_orders":              {need: readAccount, handle: (*call).openOrders},
		"private/get_order_state":              {need: readAccount, handle: (*call).orderState},
		"private/get_order_state_by_label":     {need: readAccount, handle: (*call).byLabel},
		"private/buy":                          {need: trade, matching: true, handle: func(q *call) (any, *rpcErr) { return q.place(exchange.Buy) }},
		"private/sell":                         {need: trade, matching: true, handle: func(q *call) (any, *rpcErr) { return q.place(exchange.Sell) }},
		"private/cancel":                       {need: trade, matching: true, handle: (*call).cancel},
		"private/enable_cancel_on_disconnect":  {need: trade, handle: func(*call) (any, *rpcErr) { return "ok", nil }},
		"private/disable_cancel_on_disconnect": {need: trade, handle: func(*call) (any, *rpcErr) { return "ok", nil }},
	}
}

// method is the method an operation ("GET /api/v2/public/get_time")
// calls, nil when none.
func (s *Server) method(op string) *method {
	verb, path, _ := strings.Cut(op, " ")
	name, ok := strings.CutPrefix(path, APIPath)
	if !ok || verb != http.MethodGet && verb != http.MethodPost {
		return nil
	}
	return s.methods[name]
}

// envelope is every answer: JSON-RPC 2.0 with Deribit's timing fields.
type envelope struct {
	JSONRPC string  `json:"jsonrpc"`
	ID      *int64  `json:"id,omitempty"`
	Result  any     `json:"result,omitempty"`
	Error   *rpcErr `json:"error,omitempty"`
	UsIn    int64   `json:"usIn"`
	UsOut   int64   `json:"usOut"`
	UsDiff  int64   `json:"usDiff"`
	Testnet bool    `json:"testnet"`
}

func (s *Server) envelope(in time.Time, result any, e *rpcErr) envelope {
	out := s.sim.Now()
	if out.Before(in) {
		out = in
	}
	env := envelope{JSONRPC: "2.0", Result: result, Error: e, UsIn: in.UnixMicro(), UsOut: out.UnixMicro(), Testnet: !s.mainnet}
	env.UsDiff = env.UsOut - env.UsIn
	if e == nil && result == nil {
		env.Result = json.RawMessage("null")
	}
	return env
}

// call is one method call, over HTTP or the WebSocket.
type call struct {
	s      *Server
	now    time.Time
	ip     string
	params map[string]string
	key    *apiKey
}

func (s *Server) handle(c *simhttp.Call) *simhttp.Reply[int] {
	rp := simhttp.NewReply[int]()
	answer := func(result any, e *rpcErr) *simhttp.Reply[int] {
		status := http.StatusOK
		if e != nil {
			status, rp.Code = http.StatusBadRequest, e.Code
			if e.Code == codeTooMany {
				status = http.StatusTooManyRequests
			}
		}
		rp.SetJSON(status, "application/json", s.envelope(c.Now, result, e))
		return rp
	}
	switch {
	case c.Limited():
		return answer(nil, fail(codeTooMany, "too_many_requests"))
	case c.Skips():
		return rp
	}
	m := s.method(c.Op)
	q := &call{s: s, now: c.Now, ip: c.IP, params: simhttp.FirstValues(c.R)}
	if c.R.Method == http.MethodPost {
		var e *rpcErr
		if q.params, e = bodyParams(c.Body, c.Op); e != nil {
			return answer(nil, e)
		}
	}
	if m.need != public {
		if e := q.authenticate(c.R, c.Body); e != nil {
			return answer(nil, e)
		}
		if e := q.allowed(m); e != nil {
			return answer(nil, e)
		}
	}
	return answer(m.handle(q))
}

var authHeader = regexp.MustCompile(`^deri-hmac-sha256 id=([^,]*),ts=([0-9]+),sig=([0-9a-f]*),nonce=([^,]*)$`)

// HTTPSignature is a request's signature as Deribit computes it, for the
// fake and its tests: hex HMAC-SHA256 over ts, nonce, method, URI and
// body, each newline-terminated.
func HTTPSignature(secret []byte, ts, nonce, method, uri, body string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts + "\n" + nonce + "\n" + method + "\n" + uri + "\n" + body + "\n"))
	return hex.EncodeToString(m.Sum(nil))
}

// AuthSignature is public/auth's client_signature over ts, nonce and data.
func AuthSignature(secret []byte, ts, nonce, data string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts + "\n" + nonce + "\n" + data))
	return hex.EncodeToString(m.Sum(nil))
}

// bodyParams reads a POSTed JSON-RPC request's params, as text; its
// method must be the path's.
func bodyParams(body []byte, op string) (map[string]string, *rpcErr) {
	var req struct {
		Method string                     `json:"method"`
		Params map[string]json.RawMessage `json:"params"`
	}
	d := json.NewDecoder(strings.NewReader(string(body)))
	d.UseNumber()
	if err := d.Decode(&req); err != nil {
		return nil, failWhy(codeInvalidParams, "Invalid params", "", "invalid format")
	}
	if !strings.HasSuffix(op, APIPath+req.Method) {
		return nil, failWhy(codeInvalidParams, "Invalid params", "method", "does not match the path")
	}
	out := map[string]string{}
	for k, v := range req.Params {
		out[k] = param(v)
	}
	return out, nil
}

// stamp checks a signature's timestamp against the server clock.
func (q *call) stamp(ts string) *rpcErr {
	ms, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return failWhy(codeInvalidParams, "Invalid params", "timestamp", "must be milliseconds")
	}
	if d := q.now.Sub(time.UnixMilli(ms)); d > stampWindow || d < -stampWindow {
		q.s.stamps.Add(1)
		return failWhy(codeTimestamp, "unauthorized", "timestamp", "invalid_timestamp")
	}
	return nil
}

// authenticate checks the Authorization header of a private request:
// key, timestamp, signature over the URI as received, then the address.
func (q *call) authenticate(r *http.Request, body []byte) *rpcErr {
	h := r.Header.Get("Authorization")
	if h == "" {
		return fail(codeAuthRequired, "authorization_required")
	}
	m := authHeader.FindStringSubmatch(h)
	if m == nil {
		return failWhy(codeUnauthorized, "unauthorized", "Authorization", "malformed header")
	}
	k, ok := q.s.keys.Get(m[1])
	if !ok {
		return fail(codeInvalidCreds, "invalid_credentials")
	}
	if e := q.stamp(m[2]); e != nil {
		return e
	}
	want := HTTPSignature(k.secret, m[2], m[4], r.Method, r.URL.RequestURI(), string(body))
	if !hmac.Equal([]byte(m[3]), []byte(want)) {
		return failWhy(codeUnauthorized, "unauthorized", "sig", "invalid_signature")
	}
	return q.admit(k)
}

// admit binds the call to k if k may be used from the caller's address.
func (q *call) admit(k *apiKey) *rpcErr {
	if len(k.perms.IPs) > 0 && !slices.Contains(k.perms.IPs, q.ip) {
		return failWhy(codeForbidden, "forbidden", "", "ip_not_whitelisted")
	}
	q.key = k
	return nil
}

// allowed checks the scope, then charges the key's pool.
func (q *call) allowed(m *method) *rpcErr {
	if m.need == trade && q.key.perms.ReadOnly {
		return failWhy(codeForbidden, "forbidden", "", "scope trade:read_write required")
	}
	if q.s.unlimited {
		return nil
	}
	k := q.key
	k.mu.Lock()
	defer k.mu.Unlock()
	ok := k.credits.take(q.now, 500, 50_000, 10_000)
	if m.matching {
		ok = k.matching.take(q.now, 1, 20, 5)
	}
	if !ok {
		return fail(codeTooMany, "too_many_requests")
	}
	return nil
}

// pool is credits that each request spends and that refill.
type pool struct {
	spent float64
	at    time.Time
}

func (p *pool) take(now time.Time, cost, capacity, rate float64) bool {
	if !p.at.IsZero() {
		p.spent = max(0, p.spent-now.Sub(p.at).Seconds()*rate)
	}
	p.at = now
	if p.spent+cost > capacity {
		return false
	}
	p.spent += cost
	return true
}

func (q *call) account() string { return q.key.perms.Account }

func (q *call) getTime() (any, *rpcErr) { return q.s.sim.Now().UnixMilli(), nil }

// auth answers public/auth with client_signature; its tokens are never
// accepted back (the fake takes signed requests only).
func (q *call) auth() (any, *rpcErr) {
	p := q.params
	if p["grant_type"] != "client_signature" {
		return nil, failWhy(codeInvalidParams, "Invalid params", "grant_type", "only client_signature here")
	}
	k, ok := q.s.keys.Get(p["client_id"])
	if !ok {
		return nil, fail(codeInvalidCreds, "invalid_credentials")
	}
	if e := q.stamp(p["timestamp"]); e != nil {
		return nil, e
	}
	if !hmac.Equal([]byte(p["signature"]), []byte(AuthSignature(k.secret, p["timestamp"], p["nonce"], p["data"]))) {
		return nil, failWhy(codeUnauthorized, "unauthorized", "signature", "invalid_signature")
	}
	if e := q.admit(k); e != nil {
		return nil, e
	}
	return map[string]any{"access_token": "fake." + simhttp.KitKey(k.id+p["nonce"], 40), "refresh_token": "fake." + simhttp.KitKey(p["nonce"]+k.id, 40),
		"expires_in": 31536000, "scope": k.perms.scope(), "token_type": "bearer", "enabled_features": []string{}}, nil
}

// instrument is a sim symbol as public/get_instruments lists it.
func instrument(r exchange.SymbolRules) map[string]any {
	kind, period, typ := "future", "week", "linear"
	switch r.Kind {
	case exchange.KindPerpetual:
		period = "perpetual"
	case exchange.KindOption:
		kind = "option"
	case exchange.KindSpot:
		kind, period = "spot", ""
	}
	cs, minAmt := r.StepSize, r.MinQty
	if r.Inverse() {
		typ, cs, minAmt = "reversed", r.ContractSize, r.MinQty.Mul(r.ContractSize)
	}
	return map[string]any{
		"instrument_name": r.Symbol, "kind": kind, "settlement_period": period, "instrument_type": typ,
		"base_currency": r.Base, "quote_currency": r.Quote, "counter_currency": r.Quote, "settlement_currency": r.SettleCurrency(),
		"contract_size": num(cs), "min_trade_amount": num(minAmt), "tick_size": num(r.TickSize), "is_active": r.Trading,
		"maker_commission": 0, "taker_commission": 0.0005, "max_leverage": 50, "price_index": strings.ToLower(r.Base) + "_usd",
	}
}

func num(d decimal.Decimal) json.Number { return json.Number(d.String()) }

func (q *call) instruments() (any, *rpcErr) {
	cur := strings.ToUpper(q.params["currency"])
	if cur == "" {
		return nil, failWhy(codeInvalidParams, "Invalid params", "currency", "must be one of BTC, ETH, USDC, USDT, any")
	}
	out := []any{}
	for _, r := range q.s.sim.Symbols() {
		if cur != "ANY" && r.SettleCurrency() != cur && r.Base != cur {
			continue
		}
		out = append(out, instrument(r))
	}
	return out, nil
}

func (q *call) ticker() (any, *rpcErr) {
	r, ok := q.s.sim.Symbol(q.params["instrument_name"])
	if !ok {
		return nil, failWhy(codeInvalidParams, "Invalid params", "instrument_name", "wrong format")
	}
	p, _ := q.s.sim.Price(r.Symbol)
	return map[string]any{"instrument_name": r.Symbol, "best_bid_price": num(p.Sub(r.TickSize)), "best_ask_price": num(p.Add(r.TickSize)),
		"last_price": num(p), "mark_price": num(p), "index_price": num(p), "state": "open", "timestamp": q.now.UnixMilli()}, nil
}

// summary is one currency of an account as get_account_summary sends it:
// the sim's free funds available, what orders hold as initial margin.
func summary(b exchange.Balance) map[string]any {
	t := b.Total()
	return map[string]any{"currency": b.Asset, "balance": num(t), "equity": num(t), "available_funds": num(b.Free),
		"available_withdrawal_funds": num(b.Free), "initial_margin": num(b.Locked), "maintenance_margin": num(decimal.Zero),
		"margin_balance": num(t), "total_pl": 0, "session_upl": 0, "portfolio_margining_enabled": false}
}

// limits are the pools as get_account_summary (extended) reports them.
var limits = map[string]any{"non_matching_engine": map[string]any{"rate": 20, "burst": 100},
	"matching_engine": map[string]any{"rate": 5, "burst": 20}}

func (q *call) summaries() (any, *rpcErr) {
	list := []any{}
	for _, b := range q.s.sim.Balances(q.account()) {
		list = append(list, summary(b))
	}
	res := map[string]any{"summaries": list, "id": 1, "type": "main", "username": q.account()}
	if q.params["extended"] == "true" {
		res["limits"] = limits
	}
	return res, nil
}

func (q *call) listKeys() (any, *rpcErr) {
	k := q.key
	ips := k.perms.IPs
	if ips == nil {
		ips = []string{}
	}
	return []any{map[string]any{"client_id": k.id, "max_scope": k.perms.scope(), "enabled": true, "default": false,
		"ip_whitelist": ips, "name": k.perms.Name, "timestamp": k.perms.Created.UnixMilli(), "enabled_features": []string{}, "id": 1}}, nil
}

// scale is an instrument's amount per unit of the sim's quantity.
func scale(r exchange.SymbolRules) decimal.Decimal {
	if r.Inverse() {
		return r.ContractSize
	}
	return decimal.NewFromInt(1)
}

// orderOut is an order as Deribit sends it.
func (s *Server) orderOut(o exchange.Order) map[string]any {
	r, _ := s.sim.Symbol(o.Symbol)
	sc := scale(r)
	dir, typ := "buy", "limit"
	if o.Side == exchange.Sell {
		dir = "sell"
	}
	var price any = num(o.Price)
	if o.Type == exchange.MarketOrder {
		typ, price = "market", "market_price"
	}
	state := map[exchange.OrderStatus]string{exchange.StatusNew: "open", exchange.StatusPartiallyFilled: "open",
		exchange.StatusFilled: "filled", exchange.StatusCanceled: "cancelled", exchange.StatusExpired: "cancelled",
		exchange.StatusRejected: "rejected"}[o.Status]
	avg := decimal.Zero
	if o.Filled.IsPositive() {
		avg = o.QuoteFilled.DivRound(o.Filled, 16)
	}
	tif := map[exchange.TimeInForce]string{exchange.GTC: "good_til_cancelled", exchange.IOC: "immediate_or_cancel", exchange.FOK: "fill_or_kill"}[o.TIF]
	if tif == "" {
		tif = "good_til_cancelled"
	}
	m := map[string]any{
		"order_id": o.OrderID, "label": o.ClientID, "order_state": state, "direction": dir, "instrument_name": o.Symbol,
		"order_type": typ, "time_in_force": tif, "amount": num(o.Qty.Mul(sc)), "filled_amount": num(o.Filled.Mul(sc)),
		"price": price, "average_price": num(avg), "creation_timestamp": o.Created.UnixMilli(), "last_update_timestamp": o.Updated.UnixMilli(),
		"post_only": false, "reduce_only": false, "api": true, "web": false, "replaced": false, "is_liquidation": false, "max_show": num(o.Qty.Mul(sc)),
	}
	if r.Inverse() {
		m["contracts"] = num(o.Qty)
	}
	switch o.Status {
	case exchange.StatusCanceled:
		m["cancel_reason"] = "user_request"
	case exchange.StatusExpired:
		m["cancel_reason"] = "immediate_or_cancel"
	}
	return m
}

func decimalsOf(s string) int32 {
	_, frac, ok := strings.Cut(s, ".")
	if !ok {
		return 0
	}
	return int32(len(strings.TrimRight(frac, "0")))
}

var number = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)

// place validates as Deribit does: instrument, size, label, price, then
// the account's funds.
func (q *call) place(side exchange.Side) (any, *rpcErr) {
	p := q.params
	r, ok := q.s.sim.Symbol(p["instrument_name"])
	if !ok {
		return nil, failWhy(codeInvalidParams, "Invalid params", "instrument_name", "wrong format")
	}
	req := exchange.OrderRequest{Symbol: r.Symbol, Side: side, ClientID: p["label"]}
	size, field := p["amount"], "amount"
	if c, ok := p["contracts"]; ok {
		size, field = c, "contracts"
	}
	if !number.MatchString(size) {
		return nil, failWhy(codeInvalidParams, "Invalid params", field, "must be a number")
	}
	qty := decimal.RequireFromString(size)
	if field == "amount" {
		qty = qty.Div(scale(r))
	}
	if len(req.ClientID) > 64 {
		return nil, failWhy(codeInvalidParams, "Invalid params", "label", "too long")
	}
	if qty.LessThan(r.MinQty) {
		return nil, fail(codeQtyTooLow, "qty_too_low")
	}
	if !qty.Sub(r.MinQty).Mod(r.StepSize).IsZero() {
		return nil, failWhy(codeInvalidParams, "Invalid params", "amount", "must be a multiple of contract size")
	}
	req.Qty = qty
	switch p["type"] {
	case "limit", "":
		req.Type = exchange.LimitOrder
		if !number.MatchString(p["price"]) {
			return nil, failWhy(codeInvalidParams, "Invalid params", "price", "must be a number")
		}
		req.Price = decimal.RequireFromString(p["price"])
		if !req.Price.Mod(r.TickSize).IsZero() || decimalsOf(p["price"]) > exchange.DecimalsOf(r.TickSize) {
			return nil, fail(codeWrongTick, "price_wrong_tick")
		}
		switch p["time_in_force"] {
		case "good_til_cancelled", "":
			req.TIF = exchange.GTC
		case "immediate_or_cancel":
			req.TIF = exchange.IOC
		case "fill_or_kill":
			req.TIF = exchange.FOK
		default:
			return nil, failWhy(codeInvalidParams, "Invalid params", "time_in_force", "wrong value")
		}
	case "market":
		req.Type = exchange.MarketOrder
	default:
		return nil, failWhy(codeInvalidParams, "Invalid params", "type", "wrong value")
	}
	o, fills, err := q.s.place(q.account(), req)
	if err != nil {
		var se *sim.Error
		switch {
		case errors.As(err, &se) && se.Kind == exchange.KindBalance:
			return nil, fail(codeFunds, "not_enough_funds")
		case errors.As(err, &se):
			return nil, failWhy(codeInvalidParams, "Invalid params", se.Rule, se.Msg)
		}
		return nil, fail(11050, "bad_request")
	}
	trades := []any{}
	for _, f := range fills {
		trades = append(trades, map[string]any{"trade_id": strconv.FormatUint(f.TradeID, 10), "order_id": o.OrderID, "instrument_name": o.Symbol,
			"direction": strings.ToLower(string(side)), "amount": num(f.Qty.Mul(scale(r))), "price": num(f.Price), "timestamp": f.Time.UnixMilli(), "label": o.ClientID})
	}
	return map[string]any{"order": q.s.orderOut(o), "trades": trades}, nil
}

// place puts req on the sim. A label need not be unique at Deribit, and
// the sim refuses a client id an open order carries, so a repeated label
// goes to the sim under a suffix and comes back as sent.
func (s *Server) place(account string, req exchange.OrderRequest) (exchange.Order, []sim.Fill, error) {
	label := req.ClientID
	if label != "" {
		if o, ok := s.sim.OrderByClientID(account, label); ok && o.Status.Open() {
			req.ClientID = label + "\x00" + strconv.Itoa(s.sim.ClientIDCount(account, label))
		}
	}
	o, fills, err := s.sim.Place(account, req)
	o.ClientID = labelOf(o.ClientID)
	return o, fills, err
}

// labelOf is the label an order was sent with (see place); the sim's own
// "sim-…" ids stand for no label.
func labelOf(id string) string {
	if l, _, ok := strings.Cut(id, "\x00"); ok {
		return l
	}
	if strings.HasPrefix(id, "sim-") {
		return ""
	}
	return id
}

// orders are account's orders as Deribit names them (labels as sent).
func (s *Server) orders(account string) []exchange.Order {
	os := s.sim.Orders(account)
	for i := range os {
		os[i].ClientID = labelOf(os[i].ClientID)
	}
	return os
}

func (q *call) find(id string) (exchange.Order, bool) {
	n, err := sim.ParseOrderID(id)
	if err != nil {
		return exchange.Order{}, false
	}
	o, ok := q.s.sim.OrderByID(q.account(), n)
	o.ClientID = labelOf(o.ClientID)
	return o, ok
}

func (q *call) cancel() (any, *rpcErr) {
	o, ok := q.find(q.params["order_id"])
	switch {
	case !ok:
		return nil, fail(codeNotFound, "order_not_found")
	case !o.Status.Open():
		return nil, fail(codeClosed, "already_closed")
	}
	n, _ := sim.ParseOrderID(o.OrderID)
	c, err := q.s.sim.Cancel(q.account(), n)
	if err != nil {
		return nil, fail(codeClosed, "already_closed")
	}
	c.ClientID = labelOf(c.ClientID)
	return q.s.orderOut(c), nil
}

func (q *call) orderState() (any, *rpcErr) {
	o, ok := q.find(q.params["order_id"])
	if !ok {
		return nil, fail(codeNotFound, "order_not_found")
	}
	return q.s.orderOut(o), nil
}

// byLabel lists the account's orders with a label in a currency, most
// recent first.
func (q *call) byLabel() (any, *rpcErr) {
	cur, label := strings.ToUpper(q.params["currency"]), q.params["label"]
	if cur == "" || label == "" {
		return nil, failWhy(codeInvalidParams, "Invalid params", "currency", "currency and label are required")
	}
	os := q.s.orders(q.account())
	sort.SliceStable(os, func(i, j int) bool { return os[i].Updated.After(os[j].Updated) })
	out := []any{}
	for _, o := range os {
		r, _ := q.s.sim.Symbol(o.Symbol)
		if o.ClientID == label && r.SettleCurrency() == cur {
			out = append(out, q.s.orderOut(o))
		}
	}
	return out, nil
}

func (q *call) openOrders() (any, *rpcErr) {
	out := []any{}
	for _, o := range q.s.orders(q.account()) {
		if o.Status.Open() {
			out = append(out, q.s.orderOut(o))
		}
	}
	return out, nil
}

// Position is one net position of an account, as the fake keeps it.
type Position = sim.Position

// Positions are account's net fills per instrument that is not spot.
func (s *Server) Positions(account string) []Position { return s.sim.Positions(account) }

func (q *call) positions() (any, *rpcErr) {
	out := []any{}
	for _, p := range q.s.Positions(q.account()) {
		out = append(out, q.s.positionOut(p))
	}
	return out, nil
}

// position is account's position in symbol as Deribit sends it, size 0
// when flat.
func (s *Server) position(account, symbol string) map[string]any {
	for _, p := range s.Positions(account) {
		if p.Symbol == symbol {
			return s.positionOut(p)
		}
	}
	return s.positionOut(Position{Symbol: symbol})
}

func (s *Server) positionOut(p Position) map[string]any {
	r, _ := s.sim.Symbol(p.Symbol)
	mark, _ := s.sim.Price(p.Symbol)
	size, pnl := p.Size.Mul(scale(r)), p.Size.Mul(mark.Sub(p.Entry))
	if r.Inverse() && p.Entry.IsPositive() && mark.IsPositive() {
		one := decimal.NewFromInt(1)
		pnl = size.Mul(one.DivRound(p.Entry, 16).Sub(one.DivRound(mark, 16))).Round(8)
	}
	// A rough estimate, as Deribit's is: half the entry away.
	liq := p.Entry.Mul(decimal.RequireFromString("0.5"))
	dir := "buy"
	if p.Size.IsNegative() {
		dir, liq = "sell", p.Entry.Mul(decimal.RequireFromString("1.5"))
	}
	kind := "future"
	if r.Kind == exchange.KindOption {
		kind = "option"
	}
	return map[string]any{"instrument_name": p.Symbol, "kind": kind, "direction": dir, "size": num(size),
		"average_price": num(p.Entry), "mark_price": num(mark), "estimated_liquidation_price": num(liq.Round(exchange.DecimalsOf(r.TickSize))),
		"floating_profit_loss": num(pnl.Round(8)), "total_profit_loss": num(pnl.Round(8)), "leverage": 10, "settlement_price": num(mark)}
}
