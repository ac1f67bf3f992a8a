package bybit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/rest"
)

// KeyInfo reads GET /v5/user/query-api.
func (c *Client) KeyInfo(ctx context.Context) (exchange.KeyInfo, error) {
	var res wireKey
	r := &request{method: http.MethodGet, path: "/v5/user/query-api", query: newQuery(), signed: true, ep: epQueryAPI}
	if err := c.do(ctx, r, &res); err != nil {
		return exchange.KeyInfo{}, err
	}
	return res.keyInfo(c.now())
}

type wireKey struct {
	ReadOnly    int                 `json:"readOnly"`
	Permissions map[string][]string `json:"permissions"`
	IPs         []string            `json:"ips"`
	ExpiredAt   string              `json:"expiredAt"`
	DeadlineDay int                 `json:"deadlineDay"`
	CreatedAt   string              `json:"createdAt"`
	Note        string              `json:"note"`
	UserID      json.Number         `json:"userID"`
	IsMaster    bool                `json:"isMaster"`
}

func (w wireKey) keyInfo(now time.Time) (exchange.KeyInfo, error) {
	var ips []string
	for _, ip := range w.IPs {
		if ip = strings.TrimSpace(ip); ip != "" && ip != "*" {
			ips = append(ips, ip)
		}
	}
	spotTrade := slices.Contains(w.Permissions["Spot"], "SpotTrade")
	k := exchange.KeyInfo{
		Read:       exchange.TriYes,
		Trade:      exchange.TriOf(w.ReadOnly == 0 && spotTrade),
		Withdraw:   exchange.TriOf(slices.Contains(w.Permissions["Wallet"], "Withdraw")),
		IPBound:    exchange.TriOf(len(ips) > 0),
		IPs:        ips,
		Source:     "user/query-api readOnly+permissions+ips",
		CheckedAt:  now,
		AccountUID: w.UserID.String(),
	}
	var err error
	if k.Created, err = isoTime(w.CreatedAt); err != nil {
		return k, fmt.Errorf("bybit: query-api createdAt: %w", err)
	}
	if k.Expires, err = isoTime(w.ExpiredAt); err != nil {
		return k, fmt.Errorf("bybit: query-api expiredAt: %w", err)
	}
	if w.ReadOnly == 0 && !spotTrade {
		k.Notes = append(k.Notes, "read-write key without SpotTrade: it cannot place spot orders")
	}
	if w.Note != "" {
		k.Notes = append(k.Notes, fmt.Sprintf("key note %q", w.Note))
	}
	switch {
	case !k.Expires.IsZero():
		left := k.Expires.Sub(now)
		days := int(left.Hours() / 24)
		if w.DeadlineDay > 0 {
			days = w.DeadlineDay
		}
		if left <= 0 {
			k.Notes = append(k.Notes, fmt.Sprintf("key EXPIRED on %s", k.Expires.UTC().Format("2006-01-02")))
		} else {
			k.Notes = append(k.Notes, fmt.Sprintf("key expires %s (in %d days)", k.Expires.UTC().Format("2006-01-02"), days))
		}
		if len(ips) == 0 {
			k.Notes = append(k.Notes, "not bound to an IP: Bybit expires such keys; bind one to keep it")
		}
	case len(ips) == 0:
		k.Notes = append(k.Notes, "not bound to an IP: Bybit expires such keys (no date reported yet)")
	}
	return k, nil
}

// isoTime parses Bybit's "2023-12-01T00:00:00Z"; empty is zero.
func isoTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339, s)
}

// Balances reads GET /v5/account/wallet-balance?accountType=UNIFIED:
// free is walletBalance minus locked.
func (c *Client) Balances(ctx context.Context) ([]exchange.Balance, error) {
	var res struct {
		List []struct {
			Coin []struct {
				Coin          string `json:"coin"`
				WalletBalance string `json:"walletBalance"`
				Locked        string `json:"locked"`
			} `json:"coin"`
		} `json:"list"`
	}
	r := &request{method: http.MethodGet, path: "/v5/account/wallet-balance", query: newQuery(), signed: true, ep: epWallet}
	r.query.Add("accountType", "UNIFIED")
	if err := c.do(ctx, r, &res); err != nil {
		return nil, err
	}
	var out []exchange.Balance
	for _, acct := range res.List {
		for _, coin := range acct.Coin {
			wb, err := dec(coin.WalletBalance)
			if err != nil {
				return nil, fmt.Errorf("bybit: balance %s walletBalance: %w", coin.Coin, err)
			}
			locked, err := dec(coin.Locked)
			if err != nil {
				return nil, fmt.Errorf("bybit: balance %s locked: %w", coin.Coin, err)
			}
			out = append(out, exchange.Balance{Asset: coin.Coin, Free: wb.Sub(locked), Locked: locked})
		}
	}
	return out, nil
}

// dec parses a wire decimal; Bybit sends "" for absent numbers.
var dec = rest.Decimal

type wireInstrument struct {
	Symbol      string `json:"symbol"`
	BaseCoin    string `json:"baseCoin"`
	QuoteCoin   string `json:"quoteCoin"`
	Status      string `json:"status"`
	PriceFilter struct {
		TickSize string `json:"tickSize"`
	} `json:"priceFilter"`
	LotSizeFilter struct {
		BasePrecision     string `json:"basePrecision"`
		MinOrderQty       string `json:"minOrderQty"`
		MaxOrderQty       string `json:"maxOrderQty"` // deprecated for spot, still sent
		MinOrderAmt       string `json:"minOrderAmt"`
		MaxOrderAmt       string `json:"maxOrderAmt"`
		MaxLimitOrderQty  string `json:"maxLimitOrderQty"`
		MaxMarketOrderQty string `json:"maxMarketOrderQty"`
	} `json:"lotSizeFilter"`
}

func (w wireInstrument) rules() (exchange.SymbolRules, error) {
	var f rest.Fields
	d := f.Decimal
	lf := w.LotSizeFilter
	maxQty := lf.MaxLimitOrderQty
	if maxQty == "" {
		maxQty = lf.MaxOrderQty
	}
	r := exchange.SymbolRules{
		Symbol:   w.Symbol,
		Base:     w.BaseCoin,
		Quote:    w.QuoteCoin,
		Trading:  w.Status == "Trading",
		Kind:     exchange.KindSpot,
		TickSize: d("tickSize", w.PriceFilter.TickSize),
		// basePrecision is the quantity step for spot.
		StepSize:                d("basePrecision", lf.BasePrecision),
		MinQty:                  d("minOrderQty", lf.MinOrderQty),
		MaxQty:                  d("maxLimitOrderQty", maxQty),
		MarketMinQty:            d("minOrderQty", lf.MinOrderQty),
		MarketMaxQty:            d("maxMarketOrderQty", lf.MaxMarketOrderQty),
		MinNotional:             d("minOrderAmt", lf.MinOrderAmt),
		MaxNotional:             d("maxOrderAmt", lf.MaxOrderAmt),
		NotionalAppliesToMarket: true,
	}
	if err := f.Rules(&r); err != nil {
		return r, fmt.Errorf("bybit: instrument %s: %w", w.Symbol, err)
	}
	return r, nil
}

// loadRules fetches every spot instrument in one call (spot is not
// paginated).
func (c *Client) loadRules(ctx context.Context) ([]exchange.SymbolRules, error) {
	var res struct {
		List []wireInstrument `json:"list"`
	}
	r := &request{method: http.MethodGet, path: "/v5/market/instruments-info", query: newQuery(), ep: epInstruments}
	r.query.Add("category", "spot")
	if err := c.do(ctx, r, &res); err != nil {
		return nil, err
	}
	return rest.RulesOf(res.List, wireInstrument.rules)
}

func unlisted(symbol string) error { return fmt.Errorf("bybit: no spot symbol %q", symbol) }

// Rules returns a spot symbol's rules (Bybit symbols look like BTCUSDT).
func (c *Client) Rules(ctx context.Context, symbol string) (exchange.SymbolRules, error) {
	return c.instruments.Rules(ctx, symbol)
}

// Symbols lists trading spot symbols.
func (c *Client) Symbols(ctx context.Context) ([]string, error) { return c.instruments.Symbols(ctx) }

// LastPrice reads GET /v5/market/tickers.
func (c *Client) LastPrice(ctx context.Context, symbol string) (decimal.Decimal, error) {
	var res struct {
		List []struct {
			LastPrice string `json:"lastPrice"`
		} `json:"list"`
	}
	r := &request{method: http.MethodGet, path: "/v5/market/tickers", query: newQuery(), ep: epTickers}
	r.query.Add("category", "spot")
	r.query.Add("symbol", symbol)
	if err := c.do(ctx, r, &res); err != nil {
		return decimal.Zero, err
	}
	if len(res.List) == 0 {
		return decimal.Zero, fmt.Errorf("bybit: no ticker for %s", symbol)
	}
	p, err := decimal.NewFromString(res.List[0].LastPrice)
	if err != nil {
		return decimal.Zero, fmt.Errorf("bybit: ticker %s lastPrice %q: %w", symbol, res.List[0].LastPrice, err)
	}
	return p, nil
}

// createBody is POST /v5/order/create in the documented field order.
type createBody struct {
	Category    string `json:"category"`
	Symbol      string `json:"symbol"`
	Side        string `json:"side"`
	OrderType   string `json:"orderType"`
	Qty         string `json:"qty"`
	Price       string `json:"price,omitempty"`
	TimeInForce string `json:"timeInForce,omitempty"`
	OrderLinkID string `json:"orderLinkId,omitempty"`
	// MarketUnit: a spot market buy is sized in quote coin unless told
	// otherwise; vigil's quantities are always base units.
	MarketUnit string `json:"marketUnit,omitempty"`
}

// marshal encodes without HTML escaping; see rest.Marshal.
var marshal = rest.Marshal

// validLinkID: Bybit allows up to 36 of [A-Za-z0-9_-].
func validLinkID(id string) bool {
	if id == "" || len(id) > 36 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func newCreateBody(req exchange.OrderRequest) (createBody, error) {
	if !validLinkID(req.ClientID) {
		return createBody{}, fmt.Errorf("bybit: client id %q: Bybit wants 1–36 of letters, digits, '_' and '-'", req.ClientID)
	}
	b := createBody{Category: "spot", Symbol: req.Symbol, OrderLinkID: req.ClientID}
	switch req.Side {
	case exchange.Buy:
		b.Side = "Buy"
	case exchange.Sell:
		b.Side = "Sell"
	default:
		return createBody{}, fmt.Errorf("bybit: side %q not supported", req.Side)
	}
	if !req.Qty.IsPositive() {
		return createBody{}, fmt.Errorf("bybit: quantity %s must be positive", req.Qty)
	}
	b.Qty = req.Qty.String()
	switch req.Type {
	case exchange.MarketOrder:
		b.OrderType = "Market"
		b.MarketUnit = "baseCoin"
	case exchange.LimitOrder:
		b.OrderType = "Limit"
		if !req.Price.IsPositive() {
			return createBody{}, fmt.Errorf("bybit: limit price %s must be positive", req.Price)
		}
		b.Price = req.Price.String()
		switch req.TIF {
		case exchange.GTC, "":
			b.TimeInForce = "GTC"
		case exchange.IOC, exchange.FOK:
			b.TimeInForce = string(req.TIF)
		default:
			return createBody{}, fmt.Errorf("bybit: time in force %q not supported", req.TIF)
		}
	default:
		return createBody{}, fmt.Errorf("bybit: order type %q not supported", req.Type)
	}
	return b, nil
}

// Place sends POST /v5/order/create.
func (c *Client) Place(ctx context.Context, req exchange.OrderRequest) (exchange.Order, error) {
	cb, err := newCreateBody(req)
	if err != nil {
		return exchange.Order{}, err
	}
	body, err := marshal(cb)
	if err != nil {
		return exchange.Order{}, fmt.Errorf("bybit: encode order: %w", err)
	}
	var res struct {
		OrderID     string `json:"orderId"`
		OrderLinkID string `json:"orderLinkId"`
	}
	r := &request{method: http.MethodPost, path: "/v5/order/create", body: body, signed: true, ep: epCreate, op: "place"}
	if err := c.do(ctx, r, &res); err != nil {
		return exchange.Order{}, err
	}
	if res.OrderID == "" {
		return exchange.Order{}, &exchange.AmbiguousError{Op: "place", Err: errors.New("bybit: order accepted without an orderId")}
	}
	return exchange.Order{
		Account:  c.info.Name,
		Symbol:   req.Symbol,
		Side:     req.Side,
		Type:     req.Type,
		TIF:      req.TIF,
		Price:    req.Price,
		Qty:      req.Qty,
		Status:   exchange.StatusNew,
		ClientID: req.ClientID,
		OrderID:  res.OrderID,
	}, nil
}

type refBody struct {
	Category    string `json:"category"`
	Symbol      string `json:"symbol"`
	OrderID     string `json:"orderId,omitempty"`
	OrderLinkID string `json:"orderLinkId,omitempty"`
}

// Cancel sends POST /v5/order/cancel, then reads the order back: Bybit's
// success says the cancel was accepted, not what the order ended as. If the
// read fails the order comes back Unknown for the stream or Query to settle.
func (c *Client) Cancel(ctx context.Context, ref exchange.OrderRef) (exchange.Order, error) {
	if ref.OrderID == "" && ref.ClientID == "" {
		return exchange.Order{}, errors.New("bybit: cancel needs an order id or a client id")
	}
	body, err := marshal(refBody{Category: "spot", Symbol: ref.Symbol, OrderID: ref.OrderID, OrderLinkID: ref.ClientID})
	if err != nil {
		return exchange.Order{}, fmt.Errorf("bybit: encode cancel: %w", err)
	}
	var res struct {
		OrderID     string `json:"orderId"`
		OrderLinkID string `json:"orderLinkId"`
	}
	r := &request{method: http.MethodPost, path: "/v5/order/cancel", body: body, signed: true, ep: epCancel, op: "cancel"}
	if err := c.do(ctx, r, &res); err != nil {
		return exchange.Order{}, err
	}
	if ref.OrderID == "" {
		ref.OrderID = res.OrderID
	}
	o, err := c.Query(ctx, ref)
	if err != nil {
		return exchange.Order{Account: c.info.Name, Symbol: ref.Symbol, ClientID: ref.ClientID, OrderID: ref.OrderID, Status: exchange.StatusUnknown}, nil
	}
	return o, nil
}

// Query reads GET /v5/order/realtime by orderId or orderLinkId; by id Bybit
// ignores openOnly and also returns recent closed orders. After a Bybit
// restart closed orders are only in /v5/order/history, so an empty answer is
// checked there before saying not found.
func (c *Client) Query(ctx context.Context, ref exchange.OrderRef) (exchange.Order, error) {
	for _, ep := range []struct {
		path string
		ep   endpoint
	}{{"/v5/order/realtime", epRealtime}, {"/v5/order/history", epHistory}} {
		r := &request{method: http.MethodGet, path: ep.path, query: newQuery(), signed: true, ep: ep.ep}
		r.query.Add("category", "spot")
		if ref.Symbol != "" {
			r.query.Add("symbol", ref.Symbol)
		}
		switch {
		case ref.OrderID != "":
			r.query.Add("orderId", ref.OrderID)
		case ref.ClientID != "":
			r.query.Add("orderLinkId", ref.ClientID)
		default:
			return exchange.Order{}, errors.New("bybit: query needs an order id or a client id")
		}
		var res struct {
			List []wireOrder `json:"list"`
		}
		if err := c.do(ctx, r, &res); err != nil {
			if exchange.KindOf(err) == exchange.KindNotFound {
				return exchange.Order{}, fmt.Errorf("%w: %w", exchange.ErrOrderNotFound, err)
			}
			return exchange.Order{}, err
		}
		// Only an entry naming the order we asked for answers the query: an
		// endpoint that ignored the filter must not hand back another order.
		for _, w := range res.List {
			if ref.OrderID != "" && w.OrderID == ref.OrderID || ref.OrderID == "" && w.OrderLinkID == ref.ClientID {
				return w.order(c.info.Name)
			}
		}
	}
	return exchange.Order{}, exchange.ErrOrderNotFound
}

// maxOpenPages bounds OpenOrders' cursor walk (50 per page).
const maxOpenPages = 20

// OpenOrders reads GET /v5/order/realtime?category=spot&openOnly=0
// (0 means open orders only), following the cursor.
func (c *Client) OpenOrders(ctx context.Context, symbol string) ([]exchange.Order, error) {
	var out []exchange.Order
	cursor := ""
	for range maxOpenPages {
		r := &request{method: http.MethodGet, path: "/v5/order/realtime", query: newQuery(), signed: true, ep: epRealtime}
		r.query.Add("category", "spot")
		if symbol != "" {
			r.query.Add("symbol", symbol)
		}
		r.query.Add("openOnly", "0")
		r.query.Add("limit", "50")
		if cursor != "" {
			r.query.Add("cursor", cursor)
		}
		var res struct {
			List           []wireOrder `json:"list"`
			NextPageCursor string      `json:"nextPageCursor"`
		}
		if err := c.do(ctx, r, &res); err != nil {
			return nil, err
		}
		for _, w := range res.List {
			o, err := w.order(c.info.Name)
			if err != nil {
				return nil, err
			}
			out = append(out, o)
		}
		if res.NextPageCursor == "" || len(res.List) == 0 {
			return out, nil
		}
		cursor = res.NextPageCursor
	}
	return out, nil
}

// wireOrder is an order as REST and the order topic send it.
type wireOrder struct {
	Category     string `json:"category"`
	OrderID      string `json:"orderId"`
	OrderLinkID  string `json:"orderLinkId"`
	Symbol       string `json:"symbol"`
	Side         string `json:"side"`
	OrderType    string `json:"orderType"`
	Price        string `json:"price"`
	Qty          string `json:"qty"`
	OrderStatus  string `json:"orderStatus"`
	TimeInForce  string `json:"timeInForce"`
	CumExecQty   string `json:"cumExecQty"`
	CumExecValue string `json:"cumExecValue"`
	AvgPrice     string `json:"avgPrice"`
	RejectReason string `json:"rejectReason"`
	CancelType   string `json:"cancelType"`
	CreatedTime  string `json:"createdTime"`
	UpdatedTime  string `json:"updatedTime"`
}

// status maps Bybit order statuses.
func status(s string) exchange.OrderStatus {
	switch s {
	case "New", "Untriggered", "Triggered":
		return exchange.StatusNew
	case "PartiallyFilled":
		return exchange.StatusPartiallyFilled
	case "Filled":
		return exchange.StatusFilled
	case "Cancelled", "PartiallyFilledCanceled", "Deactivated":
		return exchange.StatusCanceled
	case "Rejected":
		return exchange.StatusRejected
	}
	return exchange.StatusUnknown
}

// msTime reads Bybit's millisecond stamps.
var msTime = rest.UnixMilli

func (w wireOrder) order(account string) (exchange.Order, error) {
	var f rest.Fields
	d := f.Decimal
	o := exchange.Order{
		Account:     account,
		Symbol:      w.Symbol,
		Side:        exchange.Side(strings.ToUpper(w.Side)),
		Type:        exchange.OrderType(strings.ToUpper(w.OrderType)),
		Price:       d("price", w.Price),
		Qty:         d("qty", w.Qty),
		Filled:      d("cumExecQty", w.CumExecQty),
		QuoteFilled: d("cumExecValue", w.CumExecValue),
		Status:      status(w.OrderStatus),
		ClientID:    w.OrderLinkID,
		OrderID:     w.OrderID,
		Created:     msTime(w.CreatedTime),
		Updated:     msTime(w.UpdatedTime),
	}
	if o.Type == exchange.LimitOrder {
		o.TIF = exchange.TimeInForce(strings.ToUpper(w.TimeInForce))
	}
	switch {
	case w.RejectReason != "" && w.RejectReason != "EC_NoError":
		o.Reason = w.RejectReason
	case w.CancelType != "" && w.CancelType != "UNKNOWN":
		o.Reason = w.CancelType
	}
	if err := f.Order(o); err != nil {
		return o, fmt.Errorf("bybit: order %s: %w", w.OrderID, err)
	}
	return o, nil
}

// tickersReply is GET /v5/market/tickers' result for spot.
type tickersReply struct {
	List []struct {
		Symbol    string `json:"symbol"`
		LastPrice string `json:"lastPrice"`
		Bid1Price string `json:"bid1Price"`
		Ask1Price string `json:"ask1Price"`
	} `json:"list"`
}

// Quote reads best bid, best ask and last from GET /v5/market/tickers.
func (c *Client) Quote(ctx context.Context, symbol string) (exchange.Quote, error) {
	var res tickersReply
	r := &request{method: http.MethodGet, path: "/v5/market/tickers", query: newQuery(), ep: epTickers}
	r.query.Add("category", "spot")
	r.query.Add("symbol", symbol)
	if err := c.do(ctx, r, &res); err != nil {
		return exchange.Quote{}, err
	}
	return quoteOf(symbol, res)
}

// quoteOf decodes a tickers reply; see rest.QuoteOf.
func quoteOf(symbol string, res tickersReply) (exchange.Quote, error) {
	if len(res.List) == 0 {
		return exchange.Quote{}, fmt.Errorf("bybit: no ticker for %s", symbol)
	}
	t := res.List[0]
	return rest.QuoteOf(venueName, symbol, rest.Field{Name: "bid1Price", Value: t.Bid1Price}, rest.Field{Name: "ask1Price", Value: t.Ask1Price}, rest.Field{Name: "lastPrice", Value: t.LastPrice})
}
