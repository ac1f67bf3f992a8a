package binancetest

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/sim"
)

type route struct {
	op       string // "METHOD /path": also the sim.Faults operation name
	security security
	weight   func(url.Values) int
	params   []string // parameters the endpoint reads (besides timestamp/recvWindow)
	newOrder bool     // counts against the ORDERS limits
	sapi     bool
	handle   func(q *call, rp *reply)
}

func weight(n int) func(url.Values) int { return func(url.Values) int { return n } }

// withSymbol weighs a request by whether it names one symbol.
func withSymbol(one, all int) func(url.Values) int {
	return func(p url.Values) int {
		if p.Get("symbol") != "" {
			return one
		}
		return all
	}
}

var orderParams = []string{
	"symbol", "side", "type", "timeInForce", "quantity", "quoteOrderQty", "price",
	"newClientOrderId", "newOrderRespType", "selfTradePreventionMode", "strategyId", "strategyType",
}

func (s *Server) buildRoutes() map[string]*route {
	rs := []*route{
		{op: "GET /api/v3/ping", weight: weight(1), handle: (*call).ping},
		{op: "GET /api/v3/time", weight: weight(1), handle: (*call).time},
		{op: "GET /api/v3/exchangeInfo", weight: weight(20), params: []string{"symbol", "symbols", "permissions", "showPermissionSets", "symbolStatus"}, handle: (*call).exchangeInfo},
		{op: "GET /api/v3/ticker/price", weight: withSymbol(2, 4), params: []string{"symbol", "symbols", "symbolStatus"}, handle: (*call).tickerPrice},
		{op: "GET /api/v3/ticker/bookTicker", weight: withSymbol(2, 4), params: []string{"symbol", "symbols", "symbolStatus"}, handle: (*call).bookTicker},
		{op: "GET /api/v3/account", security: secUserData, weight: weight(20), params: []string{"omitZeroBalances"}, handle: (*call).accountInfo},
		{op: "POST /api/v3/order", security: secTrade, weight: weight(1), params: orderParams, newOrder: true, handle: (*call).placeOrder},
		{op: "POST /api/v3/order/test", security: secTrade, weight: func(p url.Values) int {
			if p.Get("computeCommissionRates") == "true" {
				return 20
			}
			return 1
		}, params: append(slices.Clone(orderParams), "computeCommissionRates"), handle: (*call).testOrder},
		{op: "GET /api/v3/order", security: secUserData, weight: weight(4), params: []string{"symbol", "orderId", "origClientOrderId"}, handle: (*call).queryOrder},
		{op: "DELETE /api/v3/order", security: secTrade, weight: weight(1), params: []string{"symbol", "orderId", "origClientOrderId", "newClientOrderId", "cancelRestrictions"}, handle: (*call).cancelOrder},
		{op: "GET /api/v3/openOrders", security: secUserData, weight: withSymbol(6, 80), params: []string{"symbol"}, handle: (*call).openOrders},
		{op: "GET /api/v3/allOrders", security: secUserData, weight: weight(20), params: []string{"symbol", "orderId", "startTime", "endTime", "limit"}, handle: (*call).allOrders},
		{op: "GET /api/v3/rateLimit/order", security: secUserData, weight: weight(40), handle: (*call).rateLimitOrder},
	}
	if s.mode == Mainnet {
		rs = append(rs, &route{op: "GET /sapi/v1/account/apiRestrictions", security: secUserData, weight: weight(1), sapi: true, handle: (*call).apiRestrictions})
	}
	m := make(map[string]*route, len(rs))
	for _, r := range rs {
		m[r.op] = r
	}
	return m
}

func (q *call) ping(rp *reply) { rp.json(http.StatusOK, struct{}{}) }

func (q *call) time(rp *reply) {
	rp.json(http.StatusOK, struct {
		ServerTime int64 `json:"serverTime"`
	}{ms(q.s.sim.Now())})
}

func invalidSymbol() *wireErr { return badRequest(-1121, "Invalid symbol.") }

// symbols resolves the symbol / symbols parameters; nil, nil means all.
func (q *call) symbols() ([]exchange.SymbolRules, *wireErr) {
	one, many := q.params.Get("symbol"), q.params.Get("symbols")
	if one != "" && many != "" {
		return nil, badRequest(-1128, "Combination of optional parameters invalid.")
	}
	var names []string
	switch {
	case one != "":
		names = []string{one}
	case many != "":
		if err := json.Unmarshal([]byte(many), &names); err != nil || len(names) == 0 {
			return nil, badRequest(-1100, "Illegal characters found in parameter 'symbols'; legal range is '^\\[(\"[A-Z0-9-_.]{1,20}\"(,\"[A-Z0-9-_.]{1,20}\"){0,}){0,1}\\]$'.")
		}
	default:
		return nil, nil
	}
	out := make([]exchange.SymbolRules, 0, len(names))
	for _, n := range names {
		r, ok := q.s.sim.Symbol(n)
		if !ok {
			return nil, invalidSymbol()
		}
		out = append(out, r)
	}
	return out, nil
}

type rateLimitJSON struct {
	RateLimitType string `json:"rateLimitType"`
	Interval      string `json:"interval"`
	IntervalNum   int    `json:"intervalNum"`
	Limit         int    `json:"limit"`
	Count         *int   `json:"count,omitempty"`
}

type symbolJSON struct {
	Symbol                          string     `json:"symbol"`
	Status                          string     `json:"status"`
	BaseAsset                       string     `json:"baseAsset"`
	BaseAssetPrecision              int32      `json:"baseAssetPrecision"`
	QuoteAsset                      string     `json:"quoteAsset"`
	QuotePrecision                  int32      `json:"quotePrecision"`
	QuoteAssetPrecision             int32      `json:"quoteAssetPrecision"`
	BaseCommissionPrecision         int32      `json:"baseCommissionPrecision"`
	QuoteCommissionPrecision        int32      `json:"quoteCommissionPrecision"`
	OrderTypes                      []string   `json:"orderTypes"`
	IcebergAllowed                  bool       `json:"icebergAllowed"`
	OcoAllowed                      bool       `json:"ocoAllowed"`
	OtoAllowed                      bool       `json:"otoAllowed"`
	QuoteOrderQtyMarketAllowed      bool       `json:"quoteOrderQtyMarketAllowed"`
	AllowTrailingStop               bool       `json:"allowTrailingStop"`
	CancelReplaceAllowed            bool       `json:"cancelReplaceAllowed"`
	AmendAllowed                    bool       `json:"amendAllowed"`
	IsSpotTradingAllowed            bool       `json:"isSpotTradingAllowed"`
	IsMarginTradingAllowed          bool       `json:"isMarginTradingAllowed"`
	Filters                         []any      `json:"filters"`
	Permissions                     []string   `json:"permissions"`
	PermissionSets                  [][]string `json:"permissionSets"`
	DefaultSelfTradePreventionMode  string     `json:"defaultSelfTradePreventionMode"`
	AllowedSelfTradePreventionModes []string   `json:"allowedSelfTradePreventionModes"`
}

type priceFilter struct {
	FilterType string `json:"filterType"`
	MinPrice   string `json:"minPrice"`
	MaxPrice   string `json:"maxPrice"`
	TickSize   string `json:"tickSize"`
}

type lotFilter struct {
	FilterType string `json:"filterType"`
	MinQty     string `json:"minQty"`
	MaxQty     string `json:"maxQty"`
	StepSize   string `json:"stepSize"`
}

type notionalFilter struct {
	FilterType       string `json:"filterType"`
	MinNotional      string `json:"minNotional"`
	ApplyMinToMarket bool   `json:"applyMinToMarket"`
	MaxNotional      string `json:"maxNotional"`
	ApplyMaxToMarket bool   `json:"applyMaxToMarket"`
	AvgPriceMins     int    `json:"avgPriceMins"`
}

func symbolOut(r exchange.SymbolRules) symbolJSON {
	status := "TRADING"
	if !r.Trading {
		status = "BREAK"
	}
	return symbolJSON{
		Symbol: r.Symbol, Status: status,
		BaseAsset: r.Base, BaseAssetPrecision: r.QtyDecimals,
		QuoteAsset: r.Quote, QuotePrecision: r.PriceDecimals, QuoteAssetPrecision: r.PriceDecimals,
		BaseCommissionPrecision: r.QtyDecimals, QuoteCommissionPrecision: r.PriceDecimals,
		OrderTypes:                 []string{"LIMIT", "MARKET"},
		QuoteOrderQtyMarketAllowed: true,
		IsSpotTradingAllowed:       true,
		Filters: []any{
			priceFilter{"PRICE_FILTER", fixed(r.MinPrice), fixed(r.MaxPrice), fixed(r.TickSize)},
			lotFilter{"LOT_SIZE", fixed(r.MinQty), fixed(r.MaxQty), fixed(r.StepSize)},
			lotFilter{"MARKET_LOT_SIZE", fixed(r.MarketMinQty), fixed(r.MarketMaxQty), fixed(r.MarketStep)},
			notionalFilter{"NOTIONAL", fixed(r.MinNotional), r.NotionalAppliesToMarket, fixed(r.MaxNotional), false, 5},
		},
		Permissions:                     []string{},
		PermissionSets:                  [][]string{{"SPOT"}},
		DefaultSelfTradePreventionMode:  "EXPIRE_MAKER",
		AllowedSelfTradePreventionModes: []string{"NONE", "EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH", "DECREMENT"},
	}
}

func (q *call) exchangeInfo(rp *reply) {
	syms, e := q.symbols()
	if e != nil {
		rp.err(e.status, e.code, e.msg)
		return
	}
	if syms == nil {
		syms = q.s.sim.Symbols()
	}
	l := q.s.limits
	out := struct {
		Timezone        string          `json:"timezone"`
		ServerTime      int64           `json:"serverTime"`
		RateLimits      []rateLimitJSON `json:"rateLimits"`
		ExchangeFilters []any           `json:"exchangeFilters"`
		Symbols         []symbolJSON    `json:"symbols"`
	}{
		Timezone:   "UTC",
		ServerTime: ms(q.s.sim.Now()),
		RateLimits: []rateLimitJSON{
			{RateLimitType: "REQUEST_WEIGHT", Interval: "MINUTE", IntervalNum: 1, Limit: l.WeightPerMinute},
			{RateLimitType: "ORDERS", Interval: "SECOND", IntervalNum: 10, Limit: l.OrdersPer10s},
			{RateLimitType: "ORDERS", Interval: "DAY", IntervalNum: 1, Limit: l.OrdersPerDay},
			{RateLimitType: "RAW_REQUESTS", Interval: "MINUTE", IntervalNum: 5, Limit: l.RawPer5m},
		},
		ExchangeFilters: []any{},
	}
	for _, r := range syms {
		out.Symbols = append(out.Symbols, symbolOut(r))
	}
	rp.json(http.StatusOK, out)
}

type tickerJSON struct {
	Symbol string `json:"symbol"`
	Price  string `json:"price"`
}

func (q *call) tickerPrice(rp *reply) {
	syms, e := q.symbols()
	if e != nil {
		rp.err(e.status, e.code, e.msg)
		return
	}
	single := q.params.Get("symbol") != ""
	if syms == nil {
		syms = q.s.sim.Symbols()
	}
	out := make([]tickerJSON, 0, len(syms))
	for _, r := range syms {
		p, _ := q.s.sim.Price(r.Symbol)
		out = append(out, tickerJSON{r.Symbol, fixed(p)})
	}
	if single {
		rp.json(http.StatusOK, out[0])
		return
	}
	rp.json(http.StatusOK, out)
}

type bookTickerJSON struct {
	Symbol   string `json:"symbol"`
	BidPrice string `json:"bidPrice"`
	BidQty   string `json:"bidQty"`
	AskPrice string `json:"askPrice"`
	AskQty   string `json:"askQty"`
}

// bookTicker is the sim's price one tick either side, as the OKX and Bybit
// fakes quote it: the sim keeps no resting book of others' orders.
func (q *call) bookTicker(rp *reply) {
	syms, e := q.symbols()
	if e != nil {
		rp.err(e.status, e.code, e.msg)
		return
	}
	single := q.params.Get("symbol") != ""
	if syms == nil {
		syms = q.s.sim.Symbols()
	}
	out := make([]bookTickerJSON, 0, len(syms))
	for _, r := range syms {
		p, _ := q.s.sim.Price(r.Symbol)
		out = append(out, bookTickerJSON{r.Symbol, fixed(p.Sub(r.TickSize)), "1.00000000", fixed(p.Add(r.TickSize)), "1.00000000"})
	}
	if single {
		rp.json(http.StatusOK, out[0])
		return
	}
	rp.json(http.StatusOK, out)
}

type balanceJSON struct {
	Asset  string `json:"asset"`
	Free   string `json:"free"`
	Locked string `json:"locked"`
}

func (q *call) accountInfo(rp *reply) {
	omitZero := q.params.Get("omitZeroBalances") == "true"
	q.s.mu.Lock()
	f := *q.s.accountLocked(q.account)
	q.s.mu.Unlock()
	fee := fixed(q.s.sim.FeeRate())
	bps := q.s.sim.FeeRate().Mul(decimal.NewFromInt(10000)).IntPart()
	balances := []balanceJSON{}
	for _, b := range q.s.sim.Balances(q.account) {
		if omitZero && b.Total().IsZero() {
			continue
		}
		balances = append(balances, balanceJSON{b.Asset, fixed(b.Free), fixed(b.Locked)})
	}
	type rates struct {
		Maker  string `json:"maker"`
		Taker  string `json:"taker"`
		Buyer  string `json:"buyer"`
		Seller string `json:"seller"`
	}
	rp.json(http.StatusOK, struct {
		MakerCommission            int64         `json:"makerCommission"`
		TakerCommission            int64         `json:"takerCommission"`
		BuyerCommission            int64         `json:"buyerCommission"`
		SellerCommission           int64         `json:"sellerCommission"`
		CommissionRates            rates         `json:"commissionRates"`
		CanTrade                   bool          `json:"canTrade"`
		CanWithdraw                bool          `json:"canWithdraw"`
		CanDeposit                 bool          `json:"canDeposit"`
		Brokered                   bool          `json:"brokered"`
		RequireSelfTradePrevention bool          `json:"requireSelfTradePrevention"`
		PreventSor                 bool          `json:"preventSor"`
		UpdateTime                 int64         `json:"updateTime"`
		AccountType                string        `json:"accountType"`
		Balances                   []balanceJSON `json:"balances"`
		Permissions                []string      `json:"permissions"`
		UID                        int64         `json:"uid"`
	}{
		MakerCommission: bps, TakerCommission: bps,
		CommissionRates: rates{fee, fee, fixed(decimal.Zero), fixed(decimal.Zero)},
		CanTrade:        f.canTrade, CanWithdraw: f.canWithdraw, CanDeposit: f.canDeposit,
		UpdateTime:  ms(q.now),
		AccountType: "SPOT",
		Balances:    balances,
		Permissions: []string{"SPOT"},
		UID:         f.uid,
	})
}

var (
	numberFormat   = regexp.MustCompile(`^([0-9]{1,20})(\.[0-9]{1,20})?$`)
	clientIDFormat = regexp.MustCompile(`^[.A-Z:/a-z0-9_-]{1,36}$`)
)

// decimals counts significant fraction digits.
func decimals(s string) int32 {
	_, frac, ok := strings.Cut(s, ".")
	if !ok {
		return 0
	}
	return int32(len(strings.TrimRight(frac, "0")))
}

func (q *call) number(name string, prec int32) (decimal.Decimal, *wireErr) {
	raw := q.params.Get(name)
	if !numberFormat.MatchString(raw) {
		return decimal.Zero, badRequest(-1100, "Illegal characters found in parameter '%s'; legal range is '^([0-9]{1,20})(\\.[0-9]{1,20})?$'.", name)
	}
	if decimals(raw) > prec {
		return decimal.Zero, badRequest(-1111, "Parameter '%s' has too much precision.", name)
	}
	return decimal.RequireFromString(raw), nil
}

func notRequired(name string) *wireErr {
	return badRequest(-1106, "Parameter '%s' sent when not required.", name)
}

type orderIntent struct {
	req      exchange.OrderRequest
	respType string
	quoteQty decimal.Decimal // MARKET by quoteOrderQty
}

// parseOrder validates new-order parameters in Binance's order: presence,
// enums, number format, precision. Symbol filters come after, in sim.
func (q *call) parseOrder() (orderIntent, *wireErr) {
	var in orderIntent
	p := q.params
	for _, n := range []string{"symbol", "side", "type"} {
		if p.Get(n) == "" {
			return in, mandatory(n)
		}
	}
	rules, ok := q.s.sim.Symbol(p.Get("symbol"))
	if !ok {
		return in, invalidSymbol()
	}
	r := &in.req
	r.Symbol = rules.Symbol
	switch side := p.Get("side"); side {
	case "BUY", "SELL":
		r.Side = exchange.Side(side)
	default:
		return in, badRequest(-1100, "Illegal characters found in parameter 'side'; legal range is 'BUY, SELL'.")
	}
	switch typ := p.Get("type"); typ {
	case "LIMIT":
		r.Type = exchange.LimitOrder
		for _, n := range []string{"timeInForce", "quantity", "price"} {
			if p.Get(n) == "" {
				return in, mandatory(n)
			}
		}
		if p.Has("quoteOrderQty") {
			return in, notRequired("quoteOrderQty")
		}
		switch tif := p.Get("timeInForce"); tif {
		case "GTC", "IOC", "FOK":
			r.TIF = exchange.TimeInForce(tif)
		default:
			return in, badRequest(-1115, "Invalid timeInForce.")
		}
	case "MARKET":
		r.Type = exchange.MarketOrder
		if p.Has("price") {
			return in, notRequired("price")
		}
		if p.Has("timeInForce") {
			return in, notRequired("timeInForce")
		}
		hasQ, hasQQ := p.Get("quantity") != "", p.Get("quoteOrderQty") != ""
		if hasQ == hasQQ {
			return in, badRequest(-1102, "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!")
		}
	default:
		return in, badRequest(-1116, "Invalid orderType.")
	}
	var e *wireErr
	if p.Get("quantity") != "" {
		if r.Qty, e = q.number("quantity", rules.QtyDecimals); e != nil {
			return in, e
		}
	} else {
		if in.quoteQty, e = q.number("quoteOrderQty", rules.PriceDecimals); e != nil {
			return in, e
		}
		price, _ := q.s.sim.Price(rules.Symbol)
		step := rules.StepSize
		r.Qty = in.quoteQty.Div(price).Div(step).Floor().Mul(step)
	}
	if r.Type == exchange.LimitOrder {
		if r.Price, e = q.number("price", rules.PriceDecimals); e != nil {
			return in, e
		}
	}
	if r.Qty.IsZero() {
		return in, badRequest(-1013, "Invalid quantity.")
	}
	if r.Type == exchange.LimitOrder && r.Price.IsZero() {
		return in, badRequest(-1013, "Invalid price.")
	}
	if cid := p.Get("newClientOrderId"); p.Has("newClientOrderId") {
		if !clientIDFormat.MatchString(cid) {
			return in, badRequest(-1100, "Illegal characters found in parameter 'newClientOrderId'; legal range is '^[\\.A-Z\\:/a-z0-9_-]{1,36}$'.")
		}
		r.ClientID = cid
	} else {
		r.ClientID = q.s.newClientOrderID()
	}
	in.respType = p.Get("newOrderRespType")
	switch in.respType {
	case "":
		in.respType = "FULL" // LIMIT and MARKET default to FULL
	case "ACK", "RESULT", "FULL":
	default:
		return in, badRequest(-1100, "Illegal characters found in parameter 'newOrderRespType'; legal range is 'ACK, RESULT, FULL'.")
	}
	return in, nil
}

// simError maps a sim rejection to Binance's code and message.
func simError(err error, typ exchange.OrderType) *wireErr {
	var se *sim.Error
	if !errors.As(err, &se) {
		return &wireErr{status: http.StatusInternalServerError, code: -1000, msg: "An unknown error occurred while processing the request."}
	}
	switch se.Kind {
	case exchange.KindFilter:
		switch se.Rule {
		case exchange.RulePrice, exchange.RuleTick:
			return badRequest(-1013, "Filter failure: PRICE_FILTER")
		case exchange.RuleQty, exchange.RuleStep:
			if se.Market && typ == exchange.MarketOrder {
				return badRequest(-1013, "Filter failure: MARKET_LOT_SIZE")
			}
			return badRequest(-1013, "Filter failure: LOT_SIZE")
		case exchange.RuleNotional:
			return badRequest(-1013, "Filter failure: NOTIONAL")
		case exchange.RuleStatus:
			return badRequest(-1013, "Market is closed.")
		}
	case exchange.KindBalance:
		return badRequest(-2010, "Account has insufficient balance for requested action.")
	case exchange.KindDuplicate:
		return badRequest(-2010, "Duplicate order sent.")
	case exchange.KindBadRequest:
		if se.Rule == "symbol" {
			return invalidSymbol()
		}
		return badRequest(-1013, "Invalid %s.", se.Rule)
	case exchange.KindNotFound:
		return badRequest(-2011, "Unknown order sent.")
	}
	return badRequest(-1013, "%s", se.Msg)
}

func (q *call) canTrade() bool {
	q.s.mu.Lock()
	defer q.s.mu.Unlock()
	return q.s.accountLocked(q.account).canTrade
}

type ackJSON struct {
	Symbol        string `json:"symbol"`
	OrderID       uint64 `json:"orderId"`
	OrderListID   int    `json:"orderListId"`
	ClientOrderID string `json:"clientOrderId"`
	TransactTime  int64  `json:"transactTime"`
}

type resultJSON struct {
	ackJSON
	Price                   string `json:"price"`
	OrigQty                 string `json:"origQty"`
	ExecutedQty             string `json:"executedQty"`
	OrigQuoteOrderQty       string `json:"origQuoteOrderQty"`
	CummulativeQuoteQty     string `json:"cummulativeQuoteQty"`
	Status                  string `json:"status"`
	TimeInForce             string `json:"timeInForce"`
	Type                    string `json:"type"`
	Side                    string `json:"side"`
	WorkingTime             int64  `json:"workingTime"`
	SelfTradePreventionMode string `json:"selfTradePreventionMode"`
}

type fillJSON struct {
	Price           string `json:"price"`
	Qty             string `json:"qty"`
	Commission      string `json:"commission"`
	CommissionAsset string `json:"commissionAsset"`
	TradeID         uint64 `json:"tradeId"`
}

type fullJSON struct {
	resultJSON
	Fills []fillJSON `json:"fills"`
}

func tifOut(o exchange.Order) string {
	if o.TIF == "" {
		return "GTC" // Binance reports GTC for MARKET orders
	}
	return string(o.TIF)
}

func (q *call) placeOrder(rp *reply) {
	if !q.canTrade() {
		rp.err(http.StatusBadRequest, -2010, "This account may not place or cancel orders.")
		return
	}
	in, e := q.parseOrder()
	if e != nil {
		rp.err(e.status, e.code, e.msg)
		return
	}
	o, fills, err := q.s.sim.Place(q.account, in.req)
	if err != nil {
		e := simError(err, in.req.Type)
		rp.err(e.status, e.code, e.msg)
		return
	}
	id, _ := sim.ParseOrderID(o.OrderID)
	ack := ackJSON{Symbol: o.Symbol, OrderID: id, OrderListID: -1, ClientOrderID: o.ClientID, TransactTime: ms(o.Created)}
	if in.respType == "ACK" {
		rp.json(http.StatusOK, ack)
		return
	}
	res := resultJSON{
		ackJSON: ack, Price: fixed(o.Price), OrigQty: fixed(o.Qty), ExecutedQty: fixed(o.Filled),
		OrigQuoteOrderQty: fixed(in.quoteQty), CummulativeQuoteQty: fixed(o.QuoteFilled),
		Status: string(o.Status), TimeInForce: tifOut(o), Type: string(o.Type), Side: string(o.Side),
		WorkingTime: ms(o.Created), SelfTradePreventionMode: "EXPIRE_MAKER",
	}
	if in.respType == "RESULT" {
		rp.json(http.StatusOK, res)
		return
	}
	full := fullJSON{resultJSON: res, Fills: []fillJSON{}}
	for _, f := range fills {
		full.Fills = append(full.Fills, fillJSON{fixed(f.Price), fixed(f.Qty), fixed(f.Fee), f.FeeAsset, f.TradeID})
	}
	rp.json(http.StatusOK, full)
}

func (q *call) testOrder(rp *reply) {
	in, e := q.parseOrder()
	if e != nil {
		rp.err(e.status, e.code, e.msg)
		return
	}
	if err := q.s.sim.Check(in.req); err != nil {
		e := simError(err, in.req.Type)
		rp.err(e.status, e.code, e.msg)
		return
	}
	if q.params.Get("computeCommissionRates") != "true" {
		rp.json(http.StatusOK, struct{}{})
		return
	}
	fee := fixed(q.s.sim.FeeRate())
	zero := fixed(decimal.Zero)
	type mt struct {
		Maker string `json:"maker"`
		Taker string `json:"taker"`
	}
	rp.json(http.StatusOK, struct {
		Standard mt `json:"standardCommissionForOrder"`
		Special  mt `json:"specialCommissionForOrder"`
		Tax      mt `json:"taxCommissionForOrder"`
		Discount struct {
			EnabledForAccount bool   `json:"enabledForAccount"`
			EnabledForSymbol  bool   `json:"enabledForSymbol"`
			DiscountAsset     string `json:"discountAsset"`
			Discount          string `json:"discount"`
		} `json:"discount"`
	}{Standard: mt{fee, fee}, Special: mt{zero, zero}, Tax: mt{zero, zero}})
}

type orderJSON struct {
	Symbol                  string `json:"symbol"`
	OrderID                 uint64 `json:"orderId"`
	OrderListID             int    `json:"orderListId"`
	ClientOrderID           string `json:"clientOrderId"`
	Price                   string `json:"price"`
	OrigQty                 string `json:"origQty"`
	ExecutedQty             string `json:"executedQty"`
	CummulativeQuoteQty     string `json:"cummulativeQuoteQty"`
	Status                  string `json:"status"`
	TimeInForce             string `json:"timeInForce"`
	Type                    string `json:"type"`
	Side                    string `json:"side"`
	StopPrice               string `json:"stopPrice"`
	IcebergQty              string `json:"icebergQty"`
	Time                    int64  `json:"time"`
	UpdateTime              int64  `json:"updateTime"`
	IsWorking               bool   `json:"isWorking"`
	WorkingTime             int64  `json:"workingTime"`
	OrigQuoteOrderQty       string `json:"origQuoteOrderQty"`
	SelfTradePreventionMode string `json:"selfTradePreventionMode"`
}

func orderOut(o exchange.Order) orderJSON {
	id, _ := sim.ParseOrderID(o.OrderID)
	zero := fixed(decimal.Zero)
	return orderJSON{
		Symbol: o.Symbol, OrderID: id, OrderListID: -1, ClientOrderID: o.ClientID,
		Price: fixed(o.Price), OrigQty: fixed(o.Qty), ExecutedQty: fixed(o.Filled), CummulativeQuoteQty: fixed(o.QuoteFilled),
		Status: string(o.Status), TimeInForce: tifOut(o), Type: string(o.Type), Side: string(o.Side),
		StopPrice: zero, IcebergQty: zero, Time: ms(o.Created), UpdateTime: ms(o.Updated),
		IsWorking: true, WorkingTime: ms(o.Created), OrigQuoteOrderQty: zero, SelfTradePreventionMode: "EXPIRE_MAKER",
	}
}

// lookup finds the order a query or cancel names. With both ids, the order
// is found by orderId and must also carry the client id.
func (q *call) lookup(openOnly bool) (exchange.Order, bool, *wireErr) {
	p := q.params
	if p.Get("symbol") == "" {
		return exchange.Order{}, false, mandatory("symbol")
	}
	sym := p.Get("symbol")
	if _, ok := q.s.sim.Symbol(sym); !ok {
		return exchange.Order{}, false, invalidSymbol()
	}
	idRaw, cid := p.Get("orderId"), p.Get("origClientOrderId")
	var o exchange.Order
	var found bool
	switch {
	case idRaw != "":
		id, err := strconv.ParseUint(idRaw, 10, 64)
		if err != nil {
			return o, false, badRequest(-1100, "Illegal characters found in parameter 'orderId'; legal range is '^[0-9]{1,20}$'.")
		}
		o, found = q.s.sim.OrderByID(q.account, id)
		if found && cid != "" && o.ClientID != cid {
			found = false
		}
	case cid != "":
		if openOnly {
			for _, c := range q.s.sim.OpenOrders(q.account, sym) {
				if c.ClientID == cid {
					o, found = c, true
				}
			}
		} else {
			o, found = q.s.sim.OrderByClientID(q.account, cid)
		}
	default:
		return o, false, badRequest(-1102, "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!")
	}
	if found && o.Symbol != sym {
		found = false
	}
	return o, found, nil
}

func (q *call) queryOrder(rp *reply) {
	o, found, e := q.lookup(false)
	switch {
	case e != nil:
		rp.err(e.status, e.code, e.msg)
	case !found:
		rp.err(http.StatusBadRequest, -2013, "Order does not exist.")
	default:
		rp.json(http.StatusOK, orderOut(o))
	}
}

func (q *call) cancelOrder(rp *reply) {
	if !q.canTrade() {
		rp.err(http.StatusBadRequest, -2010, "This account may not place or cancel orders.")
		return
	}
	if cid := q.params.Get("newClientOrderId"); q.params.Has("newClientOrderId") && !clientIDFormat.MatchString(cid) {
		rp.err(http.StatusBadRequest, -1100, "Illegal characters found in parameter 'newClientOrderId'; legal range is '^[\\.A-Z\\:/a-z0-9_-]{1,36}$'.")
		return
	}
	o, found, e := q.lookup(true)
	if e != nil {
		rp.err(e.status, e.code, e.msg)
		return
	}
	if !found {
		rp.err(http.StatusBadRequest, -2011, "Unknown order sent.")
		return
	}
	id, _ := sim.ParseOrderID(o.OrderID)
	o, err := q.s.sim.Cancel(q.account, id)
	if err != nil {
		e := simError(err, o.Type)
		rp.err(e.status, e.code, e.msg)
		return
	}
	newCID := q.params.Get("newClientOrderId")
	if newCID == "" {
		newCID = q.s.newClientOrderID()
	}
	rp.json(http.StatusOK, struct {
		Symbol                  string `json:"symbol"`
		OrigClientOrderID       string `json:"origClientOrderId"`
		OrderID                 uint64 `json:"orderId"`
		OrderListID             int    `json:"orderListId"`
		ClientOrderID           string `json:"clientOrderId"`
		TransactTime            int64  `json:"transactTime"`
		Price                   string `json:"price"`
		OrigQty                 string `json:"origQty"`
		ExecutedQty             string `json:"executedQty"`
		OrigQuoteOrderQty       string `json:"origQuoteOrderQty"`
		CummulativeQuoteQty     string `json:"cummulativeQuoteQty"`
		Status                  string `json:"status"`
		TimeInForce             string `json:"timeInForce"`
		Type                    string `json:"type"`
		Side                    string `json:"side"`
		SelfTradePreventionMode string `json:"selfTradePreventionMode"`
	}{
		Symbol: o.Symbol, OrigClientOrderID: o.ClientID, OrderID: id, OrderListID: -1, ClientOrderID: newCID,
		TransactTime: ms(o.Updated), Price: fixed(o.Price), OrigQty: fixed(o.Qty), ExecutedQty: fixed(o.Filled),
		OrigQuoteOrderQty: fixed(decimal.Zero), CummulativeQuoteQty: fixed(o.QuoteFilled),
		Status: string(o.Status), TimeInForce: tifOut(o), Type: string(o.Type), Side: string(o.Side),
		SelfTradePreventionMode: "EXPIRE_MAKER",
	})
}

func (q *call) openOrders(rp *reply) {
	sym := q.params.Get("symbol")
	if sym != "" {
		if _, ok := q.s.sim.Symbol(sym); !ok {
			rp.err(http.StatusBadRequest, -1121, "Invalid symbol.")
			return
		}
	}
	out := []orderJSON{}
	for _, o := range q.s.sim.OpenOrders(q.account, sym) {
		out = append(out, orderOut(o))
	}
	rp.json(http.StatusOK, out)
}

func (q *call) allOrders(rp *reply) {
	p := q.params
	sym := p.Get("symbol")
	if sym == "" {
		e := mandatory("symbol")
		rp.err(e.status, e.code, e.msg)
		return
	}
	if _, ok := q.s.sim.Symbol(sym); !ok {
		rp.err(http.StatusBadRequest, -1121, "Invalid symbol.")
		return
	}
	intParam := func(name string, def int64) (int64, bool) {
		raw := p.Get(name)
		if raw == "" {
			return def, true
		}
		v, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || v < 0 {
			rp.err(http.StatusBadRequest, -1100, "Illegal characters found in parameter '"+name+"'; legal range is '^[0-9]{1,20}$'.")
			return 0, false
		}
		return v, true
	}
	var fromID uint64
	if raw := p.Get("orderId"); raw != "" {
		v, err := strconv.ParseUint(raw, 10, 64)
		if err != nil {
			rp.err(http.StatusBadRequest, -1100, "Illegal characters found in parameter 'orderId'; legal range is '^[0-9]{1,20}$'.")
			return
		}
		fromID = v
	}
	start, ok1 := intParam("startTime", 0)
	end, ok2 := intParam("endTime", 0)
	limit, ok3 := intParam("limit", 500)
	if !ok1 || !ok2 || !ok3 {
		return
	}
	limit = min(max(limit, 1), 1000)
	var sel []exchange.Order
	for _, o := range q.s.sim.Orders(q.account) {
		id, _ := sim.ParseOrderID(o.OrderID)
		t := ms(o.Created)
		if o.Symbol != sym || id < fromID || (start > 0 && t < start) || (end > 0 && t > end) {
			continue
		}
		sel = append(sel, o)
	}
	// From an orderId: the first limit orders from it; otherwise the latest.
	if int64(len(sel)) > limit {
		if fromID > 0 {
			sel = sel[:limit]
		} else {
			sel = sel[int64(len(sel))-limit:]
		}
	}
	out := make([]orderJSON, 0, len(sel))
	for _, o := range sel {
		out = append(out, orderOut(o))
	}
	rp.json(http.StatusOK, out)
}

func (q *call) rateLimitOrder(rp *reply) {
	n10, nDay := q.s.OrderCounts(q.account)
	l := q.s.limits
	rp.json(http.StatusOK, []rateLimitJSON{
		{RateLimitType: "ORDERS", Interval: "SECOND", IntervalNum: 10, Limit: l.OrdersPer10s, Count: &n10},
		{RateLimitType: "ORDERS", Interval: "DAY", IntervalNum: 1, Limit: l.OrdersPerDay, Count: &nDay},
	})
}

func (q *call) apiRestrictions(rp *reply) {
	k := q.key
	out := struct {
		IPRestrict                     bool   `json:"ipRestrict"`
		CreateTime                     int64  `json:"createTime"`
		EnableInternalTransfer         bool   `json:"enableInternalTransfer"`
		EnableFutures                  bool   `json:"enableFutures"`
		EnablePortfolioMarginTrading   bool   `json:"enablePortfolioMarginTrading"`
		EnableVanillaOptions           bool   `json:"enableVanillaOptions"`
		PermitsUniversalTransfer       bool   `json:"permitsUniversalTransfer"`
		EnableReading                  bool   `json:"enableReading"`
		EnableSpotAndMarginTrading     bool   `json:"enableSpotAndMarginTrading"`
		EnableWithdrawals              bool   `json:"enableWithdrawals"`
		EnableMargin                   bool   `json:"enableMargin"`
		EnableFixAPITrade              bool   `json:"enableFixApiTrade"`
		EnableFixReadOnly              bool   `json:"enableFixReadOnly"`
		TradingAuthorityExpirationTime *int64 `json:"tradingAuthorityExpirationTime,omitempty"`
	}{
		IPRestrict:                 k.perms.IPRestrict,
		CreateTime:                 ms(k.perms.Created),
		EnableReading:              k.perms.Read,
		EnableSpotAndMarginTrading: k.perms.Trade,
		EnableWithdrawals:          k.perms.Withdraw,
	}
	if k.perms.Created.IsZero() {
		out.CreateTime = 0
	}
	if t := k.perms.TradingAuthorityExpiration; !t.IsZero() {
		v := ms(t)
		out.TradingAuthorityExpirationTime = &v
	}
	rp.json(http.StatusOK, out)
}
