package coinbasetest

import (
	"encoding/json"
	"errors"
	"net/http"
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

// Per key, private requests a second.
const perSecond = 30

type endpoint struct {
	private bool
	trade   bool // needs the trade permission
	handle  func(q *call) (any, *failure)
}

// failure is a refused request: its status and Coinbase's error body.
type failure struct {
	status  int
	code    string
	message string
}

func fail(status int, code, msg string) *failure {
	return &failure{status: status, code: code, message: msg}
}

// route finds op's endpoint; paths with an id in them match by prefix.
func route(op string) (endpoint, bool) {
	method, path, _ := strings.Cut(op, " ")
	p, ok := strings.CutPrefix(path, Prefix)
	if !ok {
		return endpoint{}, false
	}
	switch method + " " + p {
	case "GET /time":
		return endpoint{handle: (*call).time}, true
	case "GET /market/products":
		return endpoint{handle: (*call).products}, true
	case "GET /accounts":
		return endpoint{private: true, handle: (*call).accounts}, true
	case "GET /key_permissions":
		return endpoint{private: true, handle: (*call).keyPermissions}, true
	case "POST /orders":
		return endpoint{private: true, trade: true, handle: (*call).createOrder}, true
	case "POST /orders/batch_cancel":
		return endpoint{private: true, trade: true, handle: (*call).cancelOrders}, true
	case "GET /orders/historical/batch":
		return endpoint{private: true, handle: (*call).listOrders}, true
	}
	if method != http.MethodGet {
		return endpoint{}, false
	}
	if id, ok := strings.CutPrefix(p, "/orders/historical/"); ok && id != "" && !strings.Contains(id, "/") {
		return endpoint{private: true, handle: (*call).getOrder}, true
	}
	if rest, ok := strings.CutPrefix(p, "/market/products/"); ok {
		if id, ok := strings.CutSuffix(rest, "/ticker"); ok && id != "" && !strings.Contains(id, "/") {
			return endpoint{handle: (*call).ticker}, true
		}
	}
	return endpoint{}, false
}

type call struct {
	s    *Server
	r    *http.Request
	now  time.Time
	body []byte
	key  *apiKey
}

func (q *call) account() string { return q.key.perms.Account }

func (s *Server) handle(c *simhttp.Call) *simhttp.Reply[string] {
	rp := simhttp.NewReply[string]()
	ep, _ := route(c.Op)
	if c.Limited() {
		return s.limited(rp, c.Now, c.Now.Add(time.Second))
	}
	if c.Skips() {
		return rp
	}
	q := &call{s: s, r: c.R, now: c.Now, body: c.Body}
	if ep.private {
		k, why := s.authenticate(c.R, c.Body, c.Now, c.IP)
		if k == nil {
			// Coinbase says no more than this, whatever the cause.
			rp = simhttp.Text[string](http.StatusUnauthorized, "text/plain; charset=utf-8", "Unauthorized\n")
			rp.Code = "unauthorized:" + why
			return rp
		}
		q.key = k
		if !s.unlimited {
			ok, left, reset := s.rolling.Take(c.Now, perSecond, time.Second, "key:"+k.name)
			if !ok {
				return s.limited(rp, c.Now, reset)
			}
			rp.Header.Set("x-ratelimit-limit", strconv.Itoa(perSecond))
			rp.Header.Set("x-ratelimit-remaining", strconv.Itoa(left))
			rp.Header.Set("x-ratelimit-reset", strconv.FormatInt(reset.Add(time.Second).Unix(), 10))
		}
		if ep.trade && k.perms.ReadOnly {
			return answer(rp, nil, fail(http.StatusForbidden, "PERMISSION_DENIED", "Missing required scopes"))
		}
	}
	v, f := ep.handle(q)
	return answer(rp, v, f)
}

func (s *Server) limited(rp *simhttp.Reply[string], now, reset time.Time) *simhttp.Reply[string] {
	rp.Header.Set("x-ratelimit-limit", strconv.Itoa(perSecond))
	rp.Header.Set("x-ratelimit-remaining", "0")
	rp.Header.Set("x-ratelimit-reset", strconv.FormatInt(reset.Add(time.Second).Unix(), 10))
	return answer(rp, nil, fail(http.StatusTooManyRequests, "RATE_LIMIT_EXCEEDED", "Too many requests"))
}

func answer(rp *simhttp.Reply[string], v any, f *failure) *simhttp.Reply[string] {
	if f != nil {
		rp.SetJSON(f.status, "application/json", map[string]any{"error": f.code, "code": codeNumber(f.status), "message": f.message, "error_details": f.message, "details": []any{}})
		rp.Code = f.code
		return rp
	}
	rp.SetJSON(http.StatusOK, "application/json", v)
	if m, ok := v.(map[string]any); ok {
		// An order refused in a 200 is logged by its reason.
		if succ, ok := m["success"].(bool); ok && !succ {
			if er, ok := m["error_response"].(map[string]any); ok {
				rp.Code, _ = er["error"].(string)
			}
			if res, ok := m["results"].([]any); ok && len(res) > 0 {
				rp.Code = "UNKNOWN_CANCEL_ORDER"
			}
		}
	}
	return rp
}

// codeNumber is the gRPC code Coinbase puts beside the name.
func codeNumber(status int) int {
	switch status {
	case http.StatusBadRequest:
		return 3
	case http.StatusNotFound:
		return 5
	case http.StatusForbidden:
		return 7
	case http.StatusTooManyRequests:
		return 8
	}
	return 2
}

func (q *call) time() (any, *failure) {
	now := q.s.sim.Now()
	return map[string]any{"iso": now.UTC().Format(time.RFC3339Nano),
		"epochSeconds": strconv.FormatInt(now.Unix(), 10), "epochMillis": strconv.FormatInt(now.UnixMilli(), 10)}, nil
}

func productOf(x *sim.Exchange, r exchange.SymbolRules) map[string]any {
	p, _ := x.Price(r.Symbol)
	status := "online"
	if !r.Trading {
		status = "offline"
	}
	return map[string]any{
		"product_id": r.Symbol, "price": p.String(), "price_percentage_change_24h": "0", "volume_24h": "0",
		"base_increment": r.StepSize.String(), "quote_increment": r.TickSize.String(), "price_increment": r.TickSize.String(),
		"base_min_size": r.MinQty.String(), "base_max_size": r.MaxQty.String(),
		"quote_min_size": r.MinNotional.String(), "quote_max_size": r.MaxNotional.String(),
		"base_name": r.Base, "quote_name": r.Quote, "base_currency_id": r.Base, "quote_currency_id": r.Quote,
		"status": status, "trading_disabled": !r.Trading, "is_disabled": false, "cancel_only": false,
		"limit_only": false, "post_only": false, "auction_mode": false, "product_type": "SPOT", "new": false,
	}
}

func (q *call) products() (any, *failure) {
	var ps []any
	if t := q.r.URL.Query().Get("product_type"); t != "" && t != "SPOT" {
		return map[string]any{"products": []any{}, "num_products": 0}, nil
	}
	for _, r := range q.s.sim.Symbols() {
		ps = append(ps, productOf(q.s.sim, r))
	}
	return map[string]any{"products": ps, "num_products": len(ps)}, nil
}

func (q *call) ticker() (any, *failure) {
	id := strings.TrimSuffix(strings.TrimPrefix(q.r.URL.Path, Prefix+"/market/products/"), "/ticker")
	r, ok := q.s.sim.Symbol(id)
	if !ok {
		return nil, fail(http.StatusNotFound, "NOT_FOUND", "product not found")
	}
	p, _ := q.s.sim.Price(r.Symbol)
	return map[string]any{
		"trades": []any{map[string]any{"trade_id": "1", "product_id": r.Symbol, "price": p.String(), "size": "0.001",
			"time": q.now.UTC().Format(time.RFC3339Nano), "side": "BUY", "exchange": ""}},
		"best_bid": p.Sub(r.TickSize).String(), "best_ask": p.Add(r.TickSize).String(),
	}, nil
}

func (q *call) accounts() (any, *failure) {
	var out []any
	for _, b := range q.s.sim.Balances(q.account()) {
		out = append(out, map[string]any{
			"uuid": "wallet-" + strings.ToLower(b.Asset), "name": b.Asset + " Wallet", "currency": b.Asset,
			"available_balance": map[string]string{"value": b.Free.String(), "currency": b.Asset},
			"default":           false, "active": true, "type": "ACCOUNT_TYPE_CRYPTO", "ready": true,
			"hold": map[string]string{"value": b.Locked.String(), "currency": b.Asset},
		})
	}
	if out == nil {
		out = []any{}
	}
	return map[string]any{"accounts": out, "has_next": false, "cursor": "", "size": len(out)}, nil
}

func (q *call) keyPermissions() (any, *failure) {
	p := q.key.perms
	return map[string]any{"can_view": true, "can_trade": !p.ReadOnly, "can_transfer": p.Transfer, "can_receive": true,
		"portfolio_uuid": "portfolio-" + p.Account, "portfolio_type": "DEFAULT"}, nil
}

type orderConfig struct {
	BaseSize   string `json:"base_size"`
	QuoteSize  string `json:"quote_size"`
	LimitPrice string `json:"limit_price"`
	PostOnly   bool   `json:"post_only"`
}

type createBody struct {
	ClientOrderID string                 `json:"client_order_id"`
	ProductID     string                 `json:"product_id"`
	Side          string                 `json:"side"`
	Config        map[string]orderConfig `json:"order_configuration"`
}

// refused is a create-order answer for an order refused: HTTP 200.
func refused(code, msg string) map[string]any {
	return map[string]any{"success": false, "failure_reason": "UNKNOWN_FAILURE_REASON", "order_id": "",
		"error_response": map[string]any{"error": code, "message": msg, "error_details": msg,
			"preview_failure_reason": "UNKNOWN_PREVIEW_FAILURE_REASON", "new_order_failure_reason": code}}
}

func onGrid(v, step decimal.Decimal) bool { return !step.IsPositive() || v.Mod(step).IsZero() }

// createOrder validates as Coinbase does (form, product, precision, size
// limits), returns the existing order for a client_order_id seen before,
// and places the rest on the book.
func (q *call) createOrder() (any, *failure) {
	var b createBody
	if err := json.Unmarshal(q.body, &b); err != nil {
		return nil, fail(http.StatusBadRequest, "INVALID_ARGUMENT", "bad request body")
	}
	if b.ClientOrderID == "" {
		return nil, fail(http.StatusBadRequest, "INVALID_ARGUMENT", "client_order_id is required")
	}
	acct := q.account()
	if o, ok := q.s.sim.OrderByClientID(acct, b.ClientOrderID); ok {
		return success(o), nil
	}
	r, ok := q.s.sim.Symbol(b.ProductID)
	if !ok {
		return refused("INVALID_PRODUCT_ID", "product not found"), nil
	}
	req := exchange.OrderRequest{Symbol: r.Symbol, ClientID: b.ClientOrderID}
	switch b.Side {
	case "BUY":
		req.Side = exchange.Buy
	case "SELL":
		req.Side = exchange.Sell
	default:
		return refused("INVALID_SIDE", "side must be BUY or SELL"), nil
	}
	if len(b.Config) != 1 {
		return refused("UNSUPPORTED_ORDER_CONFIGURATION", "one order configuration"), nil
	}
	var cfg orderConfig
	for name, c := range b.Config {
		cfg = c
		switch name {
		case "limit_limit_gtc":
			req.Type, req.TIF = exchange.LimitOrder, exchange.GTC
		case "sor_limit_ioc":
			req.Type, req.TIF = exchange.LimitOrder, exchange.IOC
		case "limit_limit_fok":
			req.Type, req.TIF = exchange.LimitOrder, exchange.FOK
		case "market_market_ioc":
			req.Type = exchange.MarketOrder
		default:
			return refused("UNSUPPORTED_ORDER_CONFIGURATION", name+" is not served by the fake"), nil
		}
	}
	size, err := decimal.NewFromString(cfg.BaseSize)
	if err != nil || !size.IsPositive() {
		return refused("INVALID_SIZE_PRECISION", "base_size"), nil
	}
	if !onGrid(size, r.StepSize) {
		return refused("INVALID_SIZE_PRECISION", "size is not a multiple of base_increment "+r.StepSize.String()), nil
	}
	req.Qty = size
	price, _ := q.s.sim.Price(r.Symbol)
	if req.Type == exchange.LimitOrder {
		p, err := decimal.NewFromString(cfg.LimitPrice)
		if err != nil || !p.IsPositive() {
			return refused("INVALID_LIMIT_PRICE", "limit_price"), nil
		}
		if !onGrid(p, r.TickSize) {
			return refused("INVALID_PRICE_PRECISION", "price is not a multiple of quote_increment "+r.TickSize.String()), nil
		}
		req.Price, price = p, p
	}
	switch {
	case size.LessThan(r.MinQty):
		return refused("PREVIEW_INVALID_BASE_SIZE_TOO_SMALL", "base size below base_min_size "+r.MinQty.String()), nil
	case r.MaxQty.IsPositive() && size.GreaterThan(r.MaxQty):
		return refused("PREVIEW_INVALID_BASE_SIZE_TOO_LARGE", "base size above base_max_size"), nil
	case size.Mul(price).LessThan(r.MinNotional):
		return refused("PREVIEW_INVALID_QUOTE_SIZE_TOO_SMALL", "order value below quote_min_size "+r.MinNotional.String()), nil
	case !r.Trading:
		return refused("ORDER_ENTRY_DISABLED", "trading disabled"), nil
	}
	o, _, err := q.s.sim.Place(acct, req)
	if err != nil {
		var se *sim.Error
		if errors.As(err, &se) && se.Kind == exchange.KindBalance {
			return refused("INSUFFICIENT_FUND", "Insufficient balance in source account"), nil
		}
		return refused("UNKNOWN_FAILURE_REASON", err.Error()), nil
	}
	return success(o), nil
}

func success(o exchange.Order) map[string]any {
	return map[string]any{"success": true, "order_id": o.OrderID,
		"success_response":    map[string]any{"order_id": o.OrderID, "product_id": o.Symbol, "side": string(o.Side), "client_order_id": o.ClientID},
		"order_configuration": configOf(o)}
}

func (q *call) cancelOrders() (any, *failure) {
	var b struct {
		OrderIDs []string `json:"order_ids"`
	}
	if err := json.Unmarshal(q.body, &b); err != nil || len(b.OrderIDs) == 0 {
		return nil, fail(http.StatusBadRequest, "INVALID_ARGUMENT", "order_ids is required")
	}
	results := make([]any, 0, len(b.OrderIDs))
	allOK := true
	for _, id := range b.OrderIDs {
		n, err := sim.ParseOrderID(id)
		ok := err == nil
		if ok {
			o, found := q.s.sim.OrderByID(q.account(), n)
			ok = found && o.Status.Open()
		}
		if ok {
			_, err := q.s.sim.Cancel(q.account(), n)
			ok = err == nil
		}
		reason := "UNKNOWN_CANCEL_FAILURE_REASON"
		if !ok {
			reason, allOK = "UNKNOWN_CANCEL_ORDER", false
		}
		results = append(results, map[string]any{"success": ok, "failure_reason": reason, "order_id": id})
	}
	out := map[string]any{"results": results}
	if !allOK {
		out["success"] = false
	}
	return out, nil
}

func (q *call) getOrder() (any, *failure) {
	id := strings.TrimPrefix(q.r.URL.Path, Prefix+"/orders/historical/")
	n, err := sim.ParseOrderID(id)
	if err == nil {
		if o, ok := q.s.sim.OrderByID(q.account(), n); ok {
			return map[string]any{"order": q.s.orderOut(q.account(), o)}, nil
		}
	}
	return nil, fail(http.StatusNotFound, "NOT_FOUND", "order with this orderID was not found")
}

// listOrders serves the account's orders newest first, filtered by
// order_status and product_ids, limit a page, the cursor an offset.
func (q *call) listOrders() (any, *failure) {
	v := q.r.URL.Query()
	all := q.s.sim.Orders(q.account())
	sort.SliceStable(all, func(i, j int) bool { return all[i].Created.After(all[j].Created) })
	var keep []exchange.Order
	for _, o := range all {
		if st := v["order_status"]; len(st) > 0 && !slices.Contains(st, StatusName(o)) {
			continue
		}
		if ps := v["product_ids"]; len(ps) > 0 && !slices.Contains(ps, o.Symbol) {
			continue
		}
		keep = append(keep, o)
	}
	limit, err := strconv.Atoi(v.Get("limit"))
	if err != nil || limit <= 0 || limit > 1000 {
		limit = 1000
	}
	from, _ := strconv.Atoi(v.Get("cursor"))
	from = min(max(from, 0), len(keep))
	to := min(from+limit, len(keep))
	out := make([]any, 0, to-from)
	for _, o := range keep[from:to] {
		out = append(out, q.s.orderOut(q.account(), o))
	}
	next := ""
	if to < len(keep) {
		next = strconv.Itoa(to)
	}
	return map[string]any{"orders": out, "sequence": "0", "has_next": next != "", "cursor": next}, nil
}

// StatusName is an order's status as Coinbase names it.
func StatusName(o exchange.Order) string {
	switch o.Status {
	case exchange.StatusNew, exchange.StatusPartiallyFilled:
		return "OPEN"
	case exchange.StatusFilled:
		return "FILLED"
	case exchange.StatusCanceled:
		return "CANCELLED"
	case exchange.StatusExpired:
		return "EXPIRED"
	case exchange.StatusRejected:
		return "FAILED"
	}
	return "PENDING"
}

func tifName(o exchange.Order) string {
	switch o.TIF {
	case exchange.IOC:
		return "IMMEDIATE_OR_CANCEL"
	case exchange.FOK:
		return "FILL_OR_KILL"
	}
	return "GOOD_UNTIL_CANCELLED"
}

func configOf(o exchange.Order) map[string]any {
	if o.Type == exchange.MarketOrder {
		return map[string]any{"market_market_ioc": map[string]any{"base_size": o.Qty.String()}}
	}
	switch o.TIF {
	case exchange.IOC:
		return map[string]any{"sor_limit_ioc": map[string]any{"base_size": o.Qty.String(), "limit_price": o.Price.String()}}
	case exchange.FOK:
		return map[string]any{"limit_limit_fok": map[string]any{"base_size": o.Qty.String(), "limit_price": o.Price.String()}}
	}
	return map[string]any{"limit_limit_gtc": map[string]any{"base_size": o.Qty.String(), "limit_price": o.Price.String(), "post_only": false}}
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }

// fees is what an order's fills cost.
func (s *Server) fees(account string, o exchange.Order) decimal.Decimal {
	id, _ := sim.ParseOrderID(o.OrderID)
	fee := decimal.Zero
	for _, f := range s.sim.Fills(account, id) {
		fee = fee.Add(f.Fee)
	}
	return fee
}

// orderOut is an order in GET /orders/historical's shape.
func (s *Server) orderOut(account string, o exchange.Order) map[string]any {
	avg := "0"
	if o.Filled.IsPositive() {
		avg = o.QuoteFilled.Div(o.Filled).Round(8).String()
	}
	var lastFill any
	if o.Filled.IsPositive() {
		lastFill = stamp(o.Updated)
	}
	cancel := ""
	if o.Status == exchange.StatusCanceled {
		cancel = "User requested cancel"
	}
	fee := s.fees(account, o)
	return map[string]any{
		"order_id": o.OrderID, "product_id": o.Symbol, "user_id": "user-" + account, "order_configuration": configOf(o),
		"side": string(o.Side), "client_order_id": o.ClientID, "status": StatusName(o), "time_in_force": tifName(o),
		"created_time": stamp(o.Created), "completion_percentage": "0", "filled_size": o.Filled.String(),
		"average_filled_price": avg, "fee": "", "number_of_fills": "0", "filled_value": o.QuoteFilled.String(),
		"pending_cancel": false, "size_in_quote": false, "total_fees": fee.String(), "size_inclusive_of_fees": false,
		"total_value_after_fees": o.QuoteFilled.Add(fee).String(), "trigger_status": "INVALID_ORDER_TYPE",
		"order_type": string(o.Type), "reject_reason": "", "settled": o.Status.Final(), "product_type": "SPOT",
		"reject_message": o.Reason, "cancel_message": cancel, "order_placement_source": "RETAIL_ADVANCED",
		"outstanding_hold_amount": "0", "is_liquidation": false, "last_fill_time": lastFill,
	}
}
