package krakentest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/sim"
	"github.com/vigil-trade/vigil/exchange/sim/simhttp"
)

type route struct {
	op      string
	private bool
	perm    string  // the GetApiKeyInfo permission the call needs
	calls   float64 // what it adds to the key's call counter
	handle  func(q *call) (any, string)
}

func buildRoutes() map[string]*route {
	rs := []*route{
		{op: "GET /0/public/Time", handle: (*call).time},
		{op: "GET /0/public/AssetPairs", handle: (*call).assetPairs},
		{op: "GET /0/public/Ticker", handle: (*call).ticker},
		{op: "POST /0/private/Balance", private: true, perm: "query-funds", calls: 1, handle: (*call).balance},
		{op: "POST /0/private/BalanceEx", private: true, perm: "query-funds", calls: 1, handle: (*call).balanceEx},
		{op: "POST /0/private/GetApiKeyInfo", private: true, calls: 1, handle: (*call).apiKeyInfo},
		{op: "POST /0/private/GetWebSocketsToken", private: true, perm: "create-ws-token", calls: 1, handle: (*call).wsToken},
		{op: "POST /0/private/AddOrder", private: true, perm: "modify-trades", handle: (*call).addOrder},
		{op: "POST /0/private/CancelOrder", private: true, perm: "modify-trades", handle: (*call).cancelOrder},
		{op: "POST /0/private/QueryOrders", private: true, perm: "query-open-trades", calls: 1, handle: (*call).queryOrders},
		{op: "POST /0/private/OpenOrders", private: true, perm: "query-open-trades", calls: 1, handle: (*call).openOrders},
		{op: "POST /0/private/ClosedOrders", private: true, perm: "query-closed-trades", calls: 1, handle: (*call).closedOrders},
	}
	m := make(map[string]*route, len(rs))
	for _, r := range rs {
		m[r.op] = r
	}
	return m
}

// envelope is every Kraken reply: HTTP 200 whatever happened.
type envelope struct {
	Error  []string `json:"error"`
	Result any      `json:"result,omitempty"`
}

func (s *Server) handle(c *simhttp.Call) *simhttp.Reply[string] {
	rp := simhttp.NewReply[string]()
	answer := func(result any, e string) *simhttp.Reply[string] {
		env := envelope{Error: []string{}, Result: result}
		if e != "" {
			env = envelope{Error: []string{e}}
			rp.Code, _ = splitCode(e)
		}
		rp.SetJSON(http.StatusOK, "application/json; charset=utf-8", env)
		return rp
	}
	switch {
	case c.Limited():
		return answer(nil, errRate)
	case c.Skips():
		return rp
	}
	q := &call{s: s, r: c.R, rt: s.routes[c.Op], now: c.Now, ip: c.IP, body: c.Body}
	if e := q.parse(); e != "" {
		return answer(nil, e)
	}
	if q.rt.private {
		if e := q.authenticate(); e != "" {
			return answer(nil, e)
		}
	}
	return answer(q.rt.handle(q))
}

// splitCode is an error string's category and message.
func splitCode(e string) (string, string) {
	parts := strings.SplitN(e, ":", 3)
	if len(parts) < 2 {
		return e, ""
	}
	code := parts[0] + ":" + strings.TrimSpace(parts[1])
	if len(parts) == 3 {
		return code, parts[2]
	}
	return code, ""
}

func (q *call) account() string { return q.key.perms.Account }

func (q *call) time() (any, string) {
	now := q.s.sim.Now()
	return map[string]any{"unixtime": now.Unix(), "rfc1123": now.UTC().Format("Mon, 02 Jan 06 15:04:05 -0700")}, ""
}

// assetCodes are Kraken's legacy codes for the assets the fake lists.
var assetCodes = map[string]string{"BTC": "XXBT", "ETH": "XETH", "USD": "ZUSD", "EUR": "ZEUR"}

func assetCode(a string) string {
	if c, ok := assetCodes[a]; ok {
		return c
	}
	return a
}

// wsAsset is how WS v2 and the wsname spell an asset (XBT in wsname).
func wsname(r exchange.SymbolRules) string {
	b := r.Base
	if b == "BTC" {
		b = "XBT"
	}
	return b + "/" + r.Quote
}

func (q *call) assetPairs() (any, string) {
	want := map[string]bool{}
	if p := q.params["pair"]; p != "" {
		for _, x := range strings.Split(p, ",") {
			want[x] = true
		}
	}
	out := map[string]any{}
	for _, r := range q.s.sim.Symbols() {
		if len(want) > 0 && !want[r.Symbol] {
			continue
		}
		status := "online"
		if !r.Trading {
			status = "cancel_only"
		}
		out[r.Symbol] = map[string]any{
			"altname": r.Symbol, "wsname": wsname(r), "aclass_base": "currency", "base": assetCode(r.Base),
			"aclass_quote": "currency", "quote": assetCode(r.Quote), "lot": "unit",
			"cost_decimals": 5, "pair_decimals": exchange.DecimalsOf(r.TickSize), "lot_decimals": exchange.DecimalsOf(r.StepSize),
			"lot_multiplier": 1, "leverage_buy": []int{}, "leverage_sell": []int{},
			"fees": [][]any{{0, 0.26}}, "fees_maker": [][]any{{0, 0.16}}, "fee_volume_currency": "ZUSD",
			"margin_call": 80, "margin_stop": 40, "ordermin": r.MinQty.String(), "costmin": r.MinNotional.String(),
			"tick_size": r.TickSize.String(), "status": status,
		}
	}
	if len(want) > 0 && len(out) == 0 {
		return nil, errPair
	}
	return out, ""
}

func (q *call) ticker() (any, string) {
	pair := q.params["pair"]
	r, ok := q.s.sim.Symbol(pair)
	if !ok {
		return nil, errPair
	}
	p, _ := q.s.sim.Price(r.Symbol)
	last := p.String()
	return map[string]any{r.Symbol: map[string]any{
		"a": []string{p.Add(r.TickSize).String(), "1", "1.000"}, "b": []string{p.Sub(r.TickSize).String(), "1", "1.000"},
		"c": []string{last, "0.00100000"}, "v": []string{"0", "0"}, "p": []string{last, last},
		"t": []int{0, 0}, "l": []string{last, last}, "h": []string{last, last}, "o": last,
	}}, ""
}

func (q *call) balance() (any, string) {
	out := map[string]string{}
	for _, b := range q.s.sim.Balances(q.account()) {
		out[assetCode(b.Asset)] = b.Total().String()
	}
	return out, ""
}

func (q *call) balanceEx() (any, string) {
	out := map[string]any{}
	for _, b := range q.s.sim.Balances(q.account()) {
		out[assetCode(b.Asset)] = map[string]string{"balance": b.Total().String(), "hold_trading": b.Locked.String()}
	}
	return out, ""
}

func (q *call) apiKeyInfo() (any, string) {
	if q.s.noKeyInfo {
		return nil, "EGeneral:Unknown method"
	}
	k := q.key
	k.mu.Lock()
	nonce := k.lastNonce
	k.mu.Unlock()
	p := k.perms
	valid := "0"
	if !p.Expires.IsZero() {
		valid = strconv.FormatInt(p.Expires.Unix(), 10)
	}
	ips := p.IPs
	if ips == nil {
		ips = []string{}
	}
	return map[string]any{
		"apiKeyName": p.Name, "apiKey": k.id, "nonce": strconv.FormatUint(nonce, 10), "nonceWindow": p.NonceWindow,
		"permissions": k.permissions(), "iban": "AA00 N84G XXXX XXXX", "validUntil": valid, "queryFrom": "0", "queryTo": "0",
		"createdTime": strconv.FormatInt(p.Created.Unix(), 10), "modifiedTime": strconv.FormatInt(p.Created.Unix(), 10),
		"ipAllowlist": ips, "lastUsed": nil,
	}, ""
}

func (q *call) wsToken() (any, string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	tok := base64.StdEncoding.EncodeToString(b)
	q.s.mu.Lock()
	q.s.tokens[tok] = q.key
	q.s.mu.Unlock()
	return map[string]any{"token": tok, "expires": 900}, ""
}

var (
	uuidForm  = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	shortForm = regexp.MustCompile(`^[0-9a-fA-F]{32}$`)
	textForm  = regexp.MustCompile(`^[!-~]{1,18}$`)
	number    = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)
)

func decimalsOf(s string) int32 {
	_, frac, ok := strings.Cut(s, ".")
	if !ok {
		return 0
	}
	return int32(len(strings.TrimRight(frac, "0")))
}

// tradeCounter charges n on account's counter for pair.
func (q *call) tradeCounter(pair string, n float64) bool {
	l := q.s.limits()
	q.s.mu.Lock()
	defer q.s.mu.Unlock()
	k := q.account() + "|" + pair
	d := q.s.pairs[k]
	if d == nil {
		d = &decay{}
		q.s.pairs[k] = d
	}
	return d.take(q.now, n, l.orders, l.orderDecay)
}

// addOrder validates in Kraken's order: arguments, pair, precision,
// minimums, client id, then the trading counter (charged even for a
// validate-only order) and the book.
func (q *call) addOrder() (any, string) {
	p := q.params
	r, ok := q.s.sim.Symbol(p["pair"])
	if !ok {
		return nil, errPair
	}
	req := exchange.OrderRequest{Symbol: r.Symbol}
	switch p["type"] {
	case "buy":
		req.Side = exchange.Buy
	case "sell":
		req.Side = exchange.Sell
	default:
		return nil, errArgs + ":type"
	}
	vol := p["volume"]
	if !number.MatchString(vol) {
		return nil, errArgs + ":volume"
	}
	if decimalsOf(vol) > exchange.DecimalsOf(r.StepSize) {
		return nil, errArgs + ":volume"
	}
	req.Qty = decimal.RequireFromString(vol)
	price, _ := q.s.sim.Price(r.Symbol)
	switch p["ordertype"] {
	case "limit":
		req.Type = exchange.LimitOrder
		if !number.MatchString(p["price"]) {
			return nil, errArgs + ":price"
		}
		if d := exchange.DecimalsOf(r.TickSize); decimalsOf(p["price"]) > d {
			return nil, fmt.Sprintf("%s:%s price can only be specified up to %d decimals.", errPrice, r.Symbol, d)
		}
		req.Price = decimal.RequireFromString(p["price"])
		price = req.Price
		switch tif := p["timeinforce"]; tif {
		case "", "GTC":
			req.TIF = exchange.GTC
		case "IOC":
			req.TIF = exchange.IOC
		default:
			return nil, errArgs + ":timeinforce"
		}
	case "market":
		req.Type = exchange.MarketOrder
	default:
		return nil, errArgs + ":ordertype"
	}
	if req.Qty.LessThan(r.MinQty) {
		return nil, errMinimum
	}
	if req.Qty.Mul(price).LessThan(r.MinNotional) {
		return nil, errCost
	}
	if id, ok := p["cl_ord_id"]; ok {
		if !uuidForm.MatchString(id) && !shortForm.MatchString(id) && !textForm.MatchString(id) {
			return nil, errArgs + ":cl_ord_id"
		}
		// Unique among open orders only.
		if o, ok := q.s.sim.OrderByClientID(q.account(), id); ok && o.Status.Open() {
			return nil, errDuplicate
		}
		req.ClientID = id
	}
	if !q.tradeCounter(r.Symbol, 1) {
		return nil, errOrderRate
	}
	descr := map[string]string{"order": fmt.Sprintf("%s %s %s @ %s %s", p["type"], vol, r.Symbol, p["ordertype"], p["price"])}
	if p["validate"] == "true" {
		return map[string]any{"descr": descr}, ""
	}
	o, _, err := q.s.sim.Place(q.account(), req)
	if err != nil {
		var se *sim.Error
		switch {
		case errors.As(err, &se) && se.Kind == exchange.KindBalance:
			return nil, errFunds
		case errors.As(err, &se) && se.Kind == exchange.KindDuplicate:
			return nil, errDuplicate
		case errors.As(err, &se):
			return nil, errArgs + ":" + se.Msg
		}
		return nil, errInternal
	}
	return map[string]any{"descr": descr, "txid": []string{o.OrderID}}, ""
}

func (q *call) find(txid, clOrdID string) (exchange.Order, bool) {
	if txid != "" {
		n, err := sim.ParseOrderID(txid)
		if err != nil {
			return exchange.Order{}, false
		}
		return q.s.sim.OrderByID(q.account(), n)
	}
	return q.s.sim.OrderByClientID(q.account(), clOrdID)
}

func (q *call) cancelOrder() (any, string) {
	txid, cl := q.params["txid"], q.params["cl_ord_id"]
	if txid == "" && cl == "" {
		return nil, errArgs + ":txid"
	}
	o, ok := q.find(txid, cl)
	if !ok || !o.Status.Open() {
		return nil, errUnknown
	}
	if !q.tradeCounter(o.Symbol, cancelPenalty(q.now.Sub(o.Created))) {
		return nil, errOrderRate
	}
	id, _ := sim.ParseOrderID(o.OrderID)
	if _, err := q.s.sim.Cancel(q.account(), id); err != nil {
		return nil, errUnknown
	}
	return map[string]any{"count": 1}, ""
}

func (q *call) queryOrders() (any, string) {
	out := map[string]any{}
	for _, id := range strings.Split(q.params["txid"], ",") {
		if o, ok := q.find(id, ""); ok {
			out[o.OrderID] = q.s.orderOut(q.account(), o)
		}
	}
	if len(out) == 0 {
		return nil, "EOrder:Invalid order"
	}
	return out, ""
}

func (q *call) openOrders() (any, string) {
	out := map[string]any{}
	for _, o := range q.s.sim.OpenOrders(q.account(), "") {
		if cl := q.params["cl_ord_id"]; cl != "" && o.ClientID != cl {
			continue
		}
		out[o.OrderID] = q.s.orderOut(q.account(), o)
	}
	return map[string]any{"open": out}, ""
}

func (q *call) closedOrders() (any, string) {
	all := q.s.sim.Orders(q.account())
	sort.SliceStable(all, func(i, j int) bool { return all[i].Updated.After(all[j].Updated) })
	out := map[string]any{}
	n := 0
	for _, o := range all {
		if !o.Status.Final() {
			continue
		}
		if cl := q.params["cl_ord_id"]; cl != "" && o.ClientID != cl {
			continue
		}
		n++
		if len(out) < 50 {
			out[o.OrderID] = q.s.orderOut(q.account(), o)
		}
	}
	return map[string]any{"closed": out, "count": n}, ""
}

// statusOf is an order's status as Kraken names it.
func statusOf(o exchange.Order) string {
	switch o.Status {
	case exchange.StatusNew, exchange.StatusPartiallyFilled:
		return "open"
	case exchange.StatusFilled:
		return "closed"
	case exchange.StatusExpired:
		return "expired"
	}
	return "canceled"
}

func seconds(t time.Time) json.Number {
	if t.IsZero() {
		return "0"
	}
	return json.Number(decimal.NewFromInt(t.UnixMicro()).Shift(-6).StringFixed(6))
}

// orderOut is an order in QueryOrders' shape.
func (s *Server) orderOut(account string, o exchange.Order) map[string]any {
	r, _ := s.sim.Symbol(o.Symbol)
	id, _ := sim.ParseOrderID(o.OrderID)
	fee := decimal.Zero
	cum := decimal.Zero
	for _, f := range s.sim.Fills(account, id) {
		if cum.GreaterThanOrEqual(o.Filled) {
			break
		}
		cum = cum.Add(f.Qty)
		fee = fee.Add(f.Fee)
	}
	avg := "0"
	if o.Filled.IsPositive() {
		avg = o.QuoteFilled.Div(o.Filled).StringFixed(exchange.DecimalsOf(r.TickSize))
	}
	side, ot, price := "buy", "limit", o.Price.String()
	if o.Side == exchange.Sell {
		side = "sell"
	}
	if o.Type == exchange.MarketOrder {
		ot, price = "market", "0"
	}
	lot := exchange.DecimalsOf(r.StepSize)
	out := map[string]any{
		"refid": nil, "userref": 0, "cl_ord_id": o.ClientID, "status": statusOf(o),
		"opentm": seconds(o.Created), "starttm": 0, "expiretm": 0,
		"descr": map[string]string{"pair": o.Symbol, "type": side, "ordertype": ot, "price": price, "price2": "0",
			"leverage": "none", "order": fmt.Sprintf("%s %s %s @ %s %s", side, o.Qty.StringFixed(lot), o.Symbol, ot, price), "close": ""},
		"vol": o.Qty.StringFixed(lot), "vol_exec": o.Filled.StringFixed(lot), "cost": o.QuoteFilled.String(),
		"fee": fee.String(), "price": avg, "stopprice": "0.00000", "limitprice": "0.00000", "misc": "", "oflags": "fciq",
	}
	if o.Type == exchange.LimitOrder && o.TIF == exchange.IOC {
		out["timeinforce"] = "IOC"
	}
	if o.Status.Final() {
		out["closetm"] = seconds(o.Updated)
		if o.Status != exchange.StatusFilled {
			out["reason"] = "User requested"
		}
	}
	return out
}
