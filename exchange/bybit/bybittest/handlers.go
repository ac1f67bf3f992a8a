package bybittest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/sim"
	"github.com/vigil-trade/vigil/exchange/sim/simhttp"
)

type route struct {
	op      string // "METHOD /path": also the sim.Faults operation name
	private bool
	trade   bool
	limit   func(Limits) int
	handle  func(q *call) (any, *wireErr)
}

func buildRoutes() map[string]*route {
	rs := []*route{
		{op: "GET /v5/market/time", handle: (*call).time},
		{op: "GET /v5/market/instruments-info", handle: (*call).instruments},
		{op: "GET /v5/market/tickers", handle: (*call).tickers},
		{op: "GET /v5/account/wallet-balance", private: true, limit: func(l Limits) int { return l.WalletBalance }, handle: (*call).walletBalance},
		{op: "GET /v5/user/query-api", private: true, limit: func(l Limits) int { return l.QueryAPI }, handle: (*call).queryAPI},
		{op: "POST /v5/order/create", private: true, trade: true, limit: func(l Limits) int { return l.Create }, handle: (*call).create},
		{op: "POST /v5/order/cancel", private: true, trade: true, limit: func(l Limits) int { return l.Cancel }, handle: (*call).cancel},
		{op: "GET /v5/order/realtime", private: true, limit: func(l Limits) int { return l.Realtime }, handle: (*call).realtime},
		{op: "GET /v5/order/history", private: true, limit: func(l Limits) int { return l.History }, handle: (*call).history},
	}
	m := make(map[string]*route, len(rs))
	for _, r := range rs {
		m[r.op] = r
	}
	return m
}

// parse reads the query string of a GET or the JSON body of a POST.
func (q *call) parse() *wireErr {
	if q.r.Method == http.MethodGet {
		q.params = simhttp.FirstValues(q.r)
		return nil
	}
	q.params = map[string]string{}
	var obj map[string]any
	if err := json.Unmarshal(q.body, &obj); err != nil {
		return fail(10001, "Request parameter error.")
	}
	for k, v := range obj {
		switch t := v.(type) {
		case string:
			q.params[k] = t
		case float64, bool:
			q.params[k] = fmt.Sprint(t)
		}
	}
	return nil
}

func (q *call) spotOnly() *wireErr {
	switch c := q.params["category"]; c {
	case "spot":
		return nil
	case "":
		return fail(10001, "params error: category is empty")
	default:
		return fail(10001, "params error: category only support spot in this environment")
	}
}

func str(d decimal.Decimal) string {
	if d.IsZero() {
		return "0"
	}
	return d.String()
}

func (q *call) time() (any, *wireErr) {
	now := q.s.sim.Now()
	return map[string]string{
		"timeSecond": strconv.FormatInt(now.Unix(), 10),
		"timeNano":   strconv.FormatInt(now.UnixNano(), 10),
	}, nil
}

func instrumentOut(r exchange.SymbolRules) map[string]any {
	status := "Trading"
	if !r.Trading {
		status = "Closed"
	}
	return map[string]any{
		"symbol": r.Symbol, "baseCoin": r.Base, "quoteCoin": r.Quote, "innovation": "0",
		"status": status, "marginTrading": "none", "stTag": "0",
		"lotSizeFilter": map[string]string{
			"basePrecision": str(r.StepSize), "quotePrecision": "0.00000001",
			"minOrderQty": str(r.MinQty), "maxOrderQty": str(r.MaxQty),
			"minOrderAmt": str(r.MinNotional), "maxOrderAmt": str(r.MaxNotional),
			"maxLimitOrderQty": str(r.MaxQty), "maxMarketOrderQty": str(r.MarketMaxQty),
		},
		"priceFilter":    map[string]string{"tickSize": str(r.TickSize)},
		"riskParameters": map[string]string{"priceLimitRatioX": "0.05", "priceLimitRatioY": "0.05"},
	}
}

func (q *call) instruments() (any, *wireErr) {
	if e := q.spotOnly(); e != nil {
		return nil, e
	}
	sym := q.params["symbol"]
	list := []map[string]any{}
	for _, r := range q.s.sim.Symbols() {
		if sym == "" || sym == r.Symbol {
			list = append(list, instrumentOut(r))
		}
	}
	return map[string]any{"category": "spot", "list": list, "nextPageCursor": ""}, nil
}

func (q *call) tickers() (any, *wireErr) {
	if e := q.spotOnly(); e != nil {
		return nil, e
	}
	sym := q.params["symbol"]
	list := []map[string]string{}
	for _, r := range q.s.sim.Symbols() {
		if sym != "" && sym != r.Symbol {
			continue
		}
		p, _ := q.s.sim.Price(r.Symbol)
		list = append(list, map[string]string{
			"symbol": r.Symbol, "lastPrice": str(p), "bid1Price": str(p.Sub(r.TickSize)), "bid1Size": "1",
			"ask1Price": str(p.Add(r.TickSize)), "ask1Size": "1", "prevPrice24h": str(p), "price24hPcnt": "0",
			"highPrice24h": str(p), "lowPrice24h": str(p), "turnover24h": "0", "volume24h": "0", "usdIndexPrice": str(p),
		})
	}
	if sym != "" && len(list) == 0 {
		return nil, fail(10001, "Not supported symbols")
	}
	return map[string]any{"category": "spot", "list": list}, nil
}

func (q *call) usdValue(coin string, amt decimal.Decimal) decimal.Decimal {
	switch coin {
	case "USDT", "USDC":
		return amt
	}
	if p, ok := q.s.sim.Price(coin + "USDT"); ok {
		return amt.Mul(p)
	}
	return decimal.Zero
}

func (q *call) walletBalance() (any, *wireErr) {
	switch q.params["accountType"] {
	case "UNIFIED":
	case "":
		return nil, fail(10001, "accountType is required")
	default:
		return nil, fail(10001, "accountType only support UNIFIED.")
	}
	var want []string
	if c := q.params["coin"]; c != "" {
		want = strings.Split(c, ",")
	}
	worths, total := q.s.sim.BalancesWorth(q.account, want, q.usdValue)
	coins := []map[string]any{}
	for _, b := range worths {
		eq, usd := b.Total(), b.Value
		coins = append(coins, map[string]any{
			"coin": b.Asset, "equity": str(eq), "usdValue": str(usd), "walletBalance": str(eq),
			"locked": str(b.Locked), "spotHedgingQty": "0", "borrowAmount": "0", "accruedInterest": "0",
			"totalOrderIM": "0", "totalPositionIM": "0", "totalPositionMM": "0", "unrealisedPnl": "0",
			"cumRealisedPnl": "0", "bonus": "0", "collateralSwitch": true, "marginCollateral": true,
			"availableToWithdraw": "", "availableToBorrow": "", "free": "",
		})
	}
	t := str(total)
	return map[string]any{"list": []map[string]any{{
		"accountType": "UNIFIED", "totalEquity": t, "totalWalletBalance": t, "totalMarginBalance": t,
		"totalAvailableBalance": t, "totalPerpUPL": "0", "totalInitialMargin": "0",
		"totalMaintenanceMargin": "0", "accountIMRate": "0", "accountMMRate": "0", "accountLTV": "0",
		"coin": coins,
	}}}, nil
}

const keyLifetime = 90 * 24 * time.Hour

func (q *call) queryAPI() (any, *wireErr) {
	k := q.key
	p := k.perms
	readOnly := 0
	perms := map[string][]string{
		"ContractTrade": {}, "Spot": {}, "Wallet": {}, "Options": {}, "Derivatives": {},
		"CopyTrading": {}, "BlockTrade": {}, "Exchange": {}, "NFT": {}, "Affiliate": {}, "Earn": {},
	}
	if p.ReadOnly {
		readOnly = 1
	} else {
		perms["ContractTrade"] = []string{"Order", "Position"}
		perms["Spot"] = []string{"SpotTrade"}
		perms["Options"] = []string{"OptionsTrade"}
		perms["Wallet"] = []string{"AccountTransfer", "SubMemberTransfer"}
	}
	if p.Withdraw {
		perms["Wallet"] = append(perms["Wallet"], "Withdraw")
	}
	ips := p.IPs
	expiredAt, deadline := "", 0
	if len(ips) == 0 {
		// Bybit expires keys without an IP binding after 90 days.
		ips = []string{"*"}
		exp := p.Created.Add(keyLifetime)
		if !p.Expires.IsZero() {
			exp = p.Expires
		}
		expiredAt = exp.UTC().Format(time.RFC3339)
		deadline = int(exp.Sub(q.now).Hours() / 24)
	}
	return map[string]any{
		"id": strconv.FormatInt(k.seq, 10), "note": p.Note, "apiKey": k.id, "readOnly": readOnly,
		"secret": "", "permissions": perms, "ips": ips, "type": 1, "deadlineDay": deadline,
		"expiredAt": expiredAt, "createdAt": p.Created.UTC().Format(time.RFC3339), "unified": 0, "uta": 1,
		"userID": q.uid, "inviterID": 0, "vipLevel": "No VIP", "mktMakerLevel": "0", "affiliateID": 0,
		"rsaPublicKey": "", "isMaster": true, "parentUid": "0", "kycLevel": "LEVEL_1", "kycRegion": "",
	}, nil
}

var (
	linkIDFormat = regexp.MustCompile(`^[A-Za-z0-9_-]{1,36}$`)
	numberFormat = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)
)

func decimalsOf(s string) int32 {
	_, frac, ok := strings.Cut(s, ".")
	if !ok {
		return 0
	}
	return int32(len(strings.TrimRight(frac, "0")))
}

// create validates in Bybit's order: parameters, link id, precision, then
// the sim's filters and balance.
func (q *call) create() (any, *wireErr) {
	if e := q.spotOnly(); e != nil {
		return nil, e
	}
	p := q.params
	for _, n := range []string{"symbol", "side", "orderType", "qty"} {
		if p[n] == "" {
			return nil, fail(10001, "params error: %s is empty", n)
		}
	}
	rules, ok := q.s.sim.Symbol(p["symbol"])
	if !ok {
		return nil, fail(170121, "Invalid symbol.")
	}
	req := exchange.OrderRequest{Symbol: rules.Symbol}
	switch p["side"] {
	case "Buy":
		req.Side = exchange.Buy
	case "Sell":
		req.Side = exchange.Sell
	default:
		return nil, fail(10001, "params error: side invalid")
	}
	if cid, ok := p["orderLinkId"]; ok {
		if !linkIDFormat.MatchString(cid) {
			return nil, fail(10001, "params error: orderLinkId invalid")
		}
		// Bybit refuses a link id used before, open or not.
		if q.s.sim.ClientIDCount(q.account, cid) > 0 {
			return nil, fail(170141, "Duplicate clientOrderId")
		}
		req.ClientID = cid
	}
	if !numberFormat.MatchString(p["qty"]) {
		return nil, fail(170130, "Data sent for paramter '%s' is not valid.", "qty")
	}
	qty := decimal.RequireFromString(p["qty"])
	quoteQty := false
	switch p["orderType"] {
	case "Limit":
		req.Type = exchange.LimitOrder
		switch tif := p["timeInForce"]; tif {
		case "", "GTC":
			req.TIF = exchange.GTC
		case "IOC", "FOK":
			req.TIF = exchange.TimeInForce(tif)
		default:
			return nil, fail(10001, "params error: timeInForce invalid")
		}
		if !numberFormat.MatchString(p["price"]) {
			return nil, fail(170130, "Data sent for paramter '%s' is not valid.", "price")
		}
		if decimalsOf(p["price"]) > exchange.DecimalsOf(rules.TickSize) {
			return nil, fail(170134, "Order price decimal too long.")
		}
		req.Price = decimal.RequireFromString(p["price"])
	case "Market":
		req.Type = exchange.MarketOrder
		switch p["marketUnit"] {
		case "":
			quoteQty = req.Side == exchange.Buy // spot market buys are sized in quote by default
		case "quoteCoin":
			quoteQty = true
		case "baseCoin":
		default:
			return nil, fail(10001, "params error: marketUnit invalid")
		}
	default:
		return nil, fail(10001, "params error: orderType invalid")
	}
	if quoteQty {
		if decimalsOf(p["qty"]) > 8 {
			return nil, fail(170148, "Market order amount decimal too long")
		}
		if qty.LessThan(rules.MinNotional) {
			return nil, fail(170140, "Transaction amount lower than the minimum.")
		}
		price, _ := q.s.sim.Price(rules.Symbol)
		req.Qty = qty.Div(price).Div(rules.StepSize).Floor().Mul(rules.StepSize)
	} else {
		if decimalsOf(p["qty"]) > exchange.DecimalsOf(rules.StepSize) {
			return nil, fail(170137, "Order volume decimal too long")
		}
		req.Qty = qty
	}
	if req.Qty.LessThan(rules.MinQty) || !req.Qty.IsPositive() {
		return nil, fail(170136, "Order quantity lower than the minimum.")
	}
	o, _, err := q.s.sim.Place(q.account, req)
	if err != nil {
		return nil, simError(err, req, rules)
	}
	return map[string]string{"orderId": o.OrderID, "orderLinkId": o.ClientID}, nil
}

func simError(err error, req exchange.OrderRequest, r exchange.SymbolRules) *wireErr {
	var se *sim.Error
	if !errors.As(err, &se) {
		return fail(10016, "Server error.")
	}
	switch se.Kind {
	case exchange.KindFilter:
		switch se.Rule {
		case exchange.RulePrice:
			if r.MaxPrice.IsPositive() && req.Price.GreaterThan(r.MaxPrice) {
				return fail(170132, "Order price too high.")
			}
			return fail(170133, "Order price lower than the minimum.")
		case exchange.RuleTick:
			return fail(170134, "Order price decimal too long.")
		case exchange.RuleQty:
			if req.Qty.LessThan(r.MinQty) {
				return fail(170136, "Order quantity lower than the minimum.")
			}
			return fail(170135, "Order quantity too large.")
		case exchange.RuleStep:
			return fail(170137, "Order volume decimal too long")
		case exchange.RuleNotional:
			if r.MaxNotional.IsPositive() && req.Qty.Mul(req.Price).GreaterThan(r.MaxNotional) {
				return fail(170124, "Order amount too large.")
			}
			return fail(170140, "Transaction amount lower than the minimum.")
		case exchange.RuleStatus:
			return fail(170151, "The trading pair is not open yet")
		}
	case exchange.KindBalance:
		return fail(170131, "Insufficient balance.")
	case exchange.KindDuplicate:
		return fail(170141, "Duplicate clientOrderId")
	}
	return fail(10001, "%s", se.Msg)
}

// find resolves orderId (preferred) or orderLinkId.
func (q *call) find() (exchange.Order, bool) {
	if id := q.params["orderId"]; id != "" {
		n, err := sim.ParseOrderID(id)
		if err != nil {
			return exchange.Order{}, false
		}
		return q.s.sim.OrderByID(q.account, n)
	}
	if cid := q.params["orderLinkId"]; cid != "" {
		return q.s.sim.OrderByClientID(q.account, cid)
	}
	return exchange.Order{}, false
}

func (q *call) cancel() (any, *wireErr) {
	if e := q.spotOnly(); e != nil {
		return nil, e
	}
	if q.params["symbol"] == "" {
		return nil, fail(10001, "params error: symbol is empty")
	}
	if q.params["orderId"] == "" && q.params["orderLinkId"] == "" {
		return nil, fail(10001, "params error: orderId or orderLinkId is required")
	}
	o, ok := q.find()
	if !ok || o.Symbol != q.params["symbol"] || !o.Status.Open() {
		return nil, fail(170213, "Order does not exist.")
	}
	id, _ := sim.ParseOrderID(o.OrderID)
	if _, err := q.s.sim.Cancel(q.account, id); err != nil {
		return nil, fail(170213, "Order does not exist.")
	}
	return map[string]string{"orderId": o.OrderID, "orderLinkId": o.ClientID}, nil
}

func (q *call) realtime() (any, *wireErr) {
	if e := q.spotOnly(); e != nil {
		return nil, e
	}
	p := q.params
	var list []exchange.Order
	switch {
	case p["orderId"] != "" || p["orderLinkId"] != "":
		// By id, Bybit ignores openOnly and finds recent closed orders too.
		if o, ok := q.find(); ok {
			list = append(list, o)
		}
	case p["openOnly"] == "1":
		all := q.s.sim.Orders(q.account)
		for i := len(all) - 1; i >= 0 && len(list) < 500; i-- {
			list = append(list, all[i])
		}
	default:
		open := q.s.sim.OpenOrders(q.account, "")
		for i := len(open) - 1; i >= 0; i-- {
			list = append(list, open[i])
		}
	}
	return q.orderList(list)
}

func (q *call) history() (any, *wireErr) {
	if e := q.spotOnly(); e != nil {
		return nil, e
	}
	p := q.params
	var list []exchange.Order
	if p["orderId"] != "" || p["orderLinkId"] != "" {
		// By id, history answers for that order alone (or not at all).
		if o, ok := q.find(); ok && o.Status.Final() {
			list = append(list, o)
		}
		return q.orderList(list)
	}
	all := q.s.sim.Orders(q.account)
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].Status.Final() {
			list = append(list, all[i])
		}
	}
	return q.orderList(list)
}

func (q *call) orderList(list []exchange.Order) (any, *wireErr) {
	p := q.params
	limit := 20
	if l := p["limit"]; l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 50 {
			return nil, fail(10001, "params error: limit invalid")
		}
		limit = n
	}
	out := []map[string]any{}
	for _, o := range list {
		if s := p["symbol"]; s != "" && o.Symbol != s {
			continue
		}
		if len(out) == limit {
			break
		}
		out = append(out, q.s.orderOut(q.account, o))
	}
	return map[string]any{"category": "spot", "list": out, "nextPageCursor": ""}, nil
}

func statusOf(o exchange.Order) string {
	switch o.Status {
	case exchange.StatusNew:
		return "New"
	case exchange.StatusPartiallyFilled:
		return "PartiallyFilled"
	case exchange.StatusFilled:
		return "Filled"
	case exchange.StatusRejected:
		return "Rejected"
	}
	if o.Filled.IsPositive() {
		return "PartiallyFilledCanceled"
	}
	return "Cancelled"
}

// orderOut is an order in Bybit's shape, shared by order/realtime,
// order/history and the order topic.
func (s *Server) orderOut(account string, o exchange.Order) map[string]any {
	r, _ := s.sim.Symbol(o.Symbol)
	id, _ := sim.ParseOrderID(o.OrderID)
	fee := decimal.Zero
	cum := decimal.Zero
	for _, f := range s.sim.Fills(account, id) {
		if cum.GreaterThanOrEqual(o.Filled) {
			break // o may be an event's snapshot: count only what it saw
		}
		cum = cum.Add(f.Qty)
		fee = fee.Add(f.Fee)
	}
	feeCcy := r.Base
	if o.Side == exchange.Sell {
		feeCcy = r.Quote
	}
	avg := ""
	if o.Filled.IsPositive() {
		avg = str(o.QuoteFilled.Div(o.Filled).Round(exchange.DecimalsOf(r.TickSize)))
	}
	leaves := o.Qty.Sub(o.Filled)
	if !o.Status.Open() {
		leaves = decimal.Zero
	}
	tif := string(o.TIF)
	if o.Type == exchange.MarketOrder {
		tif = "IOC"
	}
	cancelType := "UNKNOWN"
	switch o.Status {
	case exchange.StatusCanceled:
		cancelType = "CancelByUser"
	case exchange.StatusExpired:
		cancelType = "CancelByIOC" // not a documented value; marks IOC/FOK/market remainders
	}
	price := str(o.Price)
	if o.Type == exchange.MarketOrder {
		price = "0"
	}
	return map[string]any{
		"category": "spot", "orderId": o.OrderID, "orderLinkId": o.ClientID, "blockTradeId": "",
		"symbol": o.Symbol, "price": price, "qty": str(o.Qty), "side": sideOut(o.Side), "isLeverage": "0",
		"positionIdx": 0, "orderStatus": statusOf(o), "cancelType": cancelType, "rejectReason": "EC_NoError",
		"avgPrice": avg, "leavesQty": str(leaves), "leavesValue": str(leaves.Mul(o.Price)),
		"cumExecQty": str(o.Filled), "cumExecValue": str(o.QuoteFilled), "cumExecFee": str(fee),
		"feeCurrency": feeCcy, "timeInForce": tif, "orderType": typeOut(o.Type), "stopOrderType": "",
		"orderIv": "", "triggerPrice": "0", "takeProfit": "0", "stopLoss": "0", "tpTriggerBy": "",
		"slTriggerBy": "", "triggerDirection": 0, "triggerBy": "", "lastPriceOnCreated": "",
		"reduceOnly": false, "closeOnTrigger": false, "smpType": "None", "smpGroup": 0, "smpOrderId": "",
		"tpslMode": "", "tpLimitPrice": "", "slLimitPrice": "", "placeType": "", "marketUnit": "",
		"createdTime": ms(o.Created), "updatedTime": ms(o.Updated),
	}
}

func sideOut(s exchange.Side) string {
	if s == exchange.Sell {
		return "Sell"
	}
	return "Buy"
}

func typeOut(t exchange.OrderType) string {
	if t == exchange.MarketOrder {
		return "Market"
	}
	return "Limit"
}
