package okx

import (
	"context"
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

// KeyInfo reads GET /api/v5/account/config.
func (c *Client) KeyInfo(ctx context.Context) (exchange.KeyInfo, error) {
	var data []struct {
		UID   string `json:"uid"`
		Perm  string `json:"perm"`
		IP    string `json:"ip"`
		Label string `json:"label"`
	}
	r := &request{method: http.MethodGet, path: "/api/v5/account/config", signed: true, ep: epConfig}
	if err := c.do(ctx, r, &data); err != nil {
		return exchange.KeyInfo{}, err
	}
	if len(data) == 0 {
		return exchange.KeyInfo{}, errors.New("okx: account/config: empty data")
	}
	return keyInfo(data[0].UID, data[0].Perm, data[0].IP, data[0].Label, c.demo, c.info.KeyCreated, c.now()), nil
}

func keyInfo(uid, perm, ip, label string, demo bool, created, now time.Time) exchange.KeyInfo {
	perms := splitList(perm)
	ips := splitList(ip)
	trade := slices.Contains(perms, "trade")
	withdraw := slices.Contains(perms, "withdraw")
	k := exchange.KeyInfo{
		// Any key that can call account/config can read.
		Read:       exchange.TriYes,
		Trade:      exchange.TriOf(trade),
		Withdraw:   exchange.TriOf(withdraw),
		IPBound:    exchange.TriOf(len(ips) > 0),
		IPs:        ips,
		Created:    created,
		Source:     "account/config perm+ip",
		CheckedAt:  now,
		AccountUID: uid,
	}
	if label != "" {
		k.Notes = append(k.Notes, fmt.Sprintf("key label %q", label))
	}
	switch {
	case demo:
		k.Notes = append(k.Notes, "demo-trading key: OKX does not expire demo keys")
	case (trade || withdraw) && len(ips) == 0:
		k.Notes = append(k.Notes, "OKX reports no expiry, but a key with trade or withdraw permission and no IP binding expires after 14 days without use; bind it to an IP to keep it")
	default:
		k.Notes = append(k.Notes, "OKX reports no expiry date for keys")
	}
	return k
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Balances reads GET /api/v5/account/balance: availBal is free, frozenBal is
// locked (held by orders).
func (c *Client) Balances(ctx context.Context) ([]exchange.Balance, error) {
	var data []struct {
		Details []struct {
			Ccy       string `json:"ccy"`
			AvailBal  string `json:"availBal"`
			FrozenBal string `json:"frozenBal"`
			CashBal   string `json:"cashBal"`
		} `json:"details"`
	}
	r := &request{method: http.MethodGet, path: "/api/v5/account/balance", signed: true, ep: epBalance}
	if err := c.do(ctx, r, &data); err != nil {
		return nil, err
	}
	var out []exchange.Balance
	for _, acct := range data {
		for _, d := range acct.Details {
			avail := d.AvailBal
			if avail == "" { // some account modes leave availBal empty: cash minus frozen
				cash, err1 := dec(d.CashBal)
				frozen, err2 := dec(d.FrozenBal)
				if err1 != nil || err2 != nil {
					return nil, fmt.Errorf("okx: balance %s: %w", d.Ccy, errors.Join(err1, err2))
				}
				avail = cash.Sub(frozen).String()
			}
			free, err := dec(avail)
			if err != nil {
				return nil, fmt.Errorf("okx: balance %s availBal: %w", d.Ccy, err)
			}
			locked, err := dec(d.FrozenBal)
			if err != nil {
				return nil, fmt.Errorf("okx: balance %s frozenBal: %w", d.Ccy, err)
			}
			out = append(out, exchange.Balance{Asset: d.Ccy, Free: free, Locked: locked})
		}
	}
	return out, nil
}

// dec parses a wire decimal; OKX sends "" for absent numbers.
var dec = rest.Decimal

type wireInstrument struct {
	InstID   string `json:"instId"`
	BaseCcy  string `json:"baseCcy"`
	QuoteCcy string `json:"quoteCcy"`
	TickSz   string `json:"tickSz"`
	LotSz    string `json:"lotSz"`
	MinSz    string `json:"minSz"`
	MaxLmtSz string `json:"maxLmtSz"`
	MaxMktSz string `json:"maxMktSz"`
	State    string `json:"state"`
}

func (w wireInstrument) rules() (exchange.SymbolRules, error) {
	var f rest.Fields
	d := f.Decimal
	r := exchange.SymbolRules{
		Symbol:   w.InstID,
		Base:     w.BaseCcy,
		Quote:    w.QuoteCcy,
		Trading:  w.State == "live",
		Kind:     exchange.KindSpot,
		TickSize: d("tickSz", w.TickSz),
		StepSize: d("lotSz", w.LotSz),
		MinQty:   d("minSz", w.MinSz),
		MaxQty:   d("maxLmtSz", w.MaxLmtSz),
		// maxMktSz is in USDT for spot, not in base units, so it is not a
		// MarketMaxQty; market orders share the limit-order size rules.
		MarketMinQty: d("minSz", w.MinSz),
	}
	if err := f.Rules(&r); err != nil {
		return r, fmt.Errorf("okx: instrument %s: %w", w.InstID, err)
	}
	return r, nil
}

// loadRules fetches every SPOT instrument in one call.
func (c *Client) loadRules(ctx context.Context) ([]exchange.SymbolRules, error) {
	var data []wireInstrument
	r := &request{method: http.MethodGet, path: "/api/v5/public/instruments", ep: epInstruments}
	r.query.Add("instType", "SPOT")
	if err := c.do(ctx, r, &data); err != nil {
		return nil, err
	}
	return rest.RulesOf(data, wireInstrument.rules)
}

func unlisted(symbol string) error {
	return fmt.Errorf("okx: no spot instrument %q (OKX spells them BASE-QUOTE, e.g. BTC-USDT)", symbol)
}

// Rules returns instId's rules (instIds look like BTC-USDT).
func (c *Client) Rules(ctx context.Context, symbol string) (exchange.SymbolRules, error) {
	return c.instruments.Rules(ctx, symbol)
}

// Symbols lists live spot instIds.
func (c *Client) Symbols(ctx context.Context) ([]string, error) { return c.instruments.Symbols(ctx) }

// LastPrice reads GET /api/v5/market/ticker.
func (c *Client) LastPrice(ctx context.Context, symbol string) (decimal.Decimal, error) {
	var data []struct {
		Last string `json:"last"`
	}
	r := &request{method: http.MethodGet, path: "/api/v5/market/ticker", ep: epTicker}
	r.query.Add("instId", symbol)
	if err := c.do(ctx, r, &data); err != nil {
		return decimal.Zero, err
	}
	if len(data) == 0 {
		return decimal.Zero, fmt.Errorf("okx: no ticker for %s", symbol)
	}
	p, err := decimal.NewFromString(data[0].Last)
	if err != nil {
		return decimal.Zero, fmt.Errorf("okx: ticker %s last %q: %w", symbol, data[0].Last, err)
	}
	return p, nil
}

// orderBody is POST /api/v5/trade/order, fields in the order OKX documents
// them; encoding/json keeps struct order, so the body is deterministic.
type orderBody struct {
	InstID  string `json:"instId"`
	TdMode  string `json:"tdMode"`
	Side    string `json:"side"`
	OrdType string `json:"ordType"`
	Px      string `json:"px,omitempty"`
	Sz      string `json:"sz"`
	ClOrdID string `json:"clOrdId,omitempty"`
	// TgtCcy: a spot market buy is sized in quote currency unless told
	// otherwise; vigil's quantities are always base units.
	TgtCcy string `json:"tgtCcy,omitempty"`
}

// marshal encodes without HTML escaping; see rest.Marshal.
var marshal = rest.Marshal

// ordType maps our type and time in force to OKX's single field.
func ordType(t exchange.OrderType, tif exchange.TimeInForce) (string, error) {
	switch t {
	case exchange.MarketOrder:
		return "market", nil
	case exchange.LimitOrder:
		switch tif {
		case exchange.GTC, "":
			return "limit", nil
		case exchange.IOC:
			return "ioc", nil
		case exchange.FOK:
			return "fok", nil
		}
		return "", fmt.Errorf("okx: time in force %q not supported", tif)
	}
	return "", fmt.Errorf("okx: order type %q not supported", t)
}

func fromOrdType(s string) (exchange.OrderType, exchange.TimeInForce) {
	switch s {
	case "market":
		return exchange.MarketOrder, ""
	case "ioc", "optimal_limit_ioc":
		return exchange.LimitOrder, exchange.IOC
	case "fok":
		return exchange.LimitOrder, exchange.FOK
	}
	return exchange.LimitOrder, exchange.GTC
}

func side(s exchange.Side) (string, error) {
	switch s {
	case exchange.Buy:
		return "buy", nil
	case exchange.Sell:
		return "sell", nil
	}
	return "", fmt.Errorf("okx: side %q not supported", s)
}

// validClOrdID: OKX allows 1–32 letters and digits only.
func validClOrdID(id string) bool {
	if id == "" || len(id) > 32 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

func newOrderBody(req exchange.OrderRequest) (orderBody, error) {
	if !validClOrdID(req.ClientID) {
		return orderBody{}, fmt.Errorf("okx: client id %q: OKX wants 1–32 letters and digits", req.ClientID)
	}
	sd, err := side(req.Side)
	if err != nil {
		return orderBody{}, err
	}
	ot, err := ordType(req.Type, req.TIF)
	if err != nil {
		return orderBody{}, err
	}
	if !req.Qty.IsPositive() {
		return orderBody{}, fmt.Errorf("okx: quantity %s must be positive", req.Qty)
	}
	b := orderBody{InstID: req.Symbol, TdMode: "cash", Side: sd, OrdType: ot, Sz: req.Qty.String(), ClOrdID: req.ClientID}
	if req.Type == exchange.LimitOrder {
		if !req.Price.IsPositive() {
			return orderBody{}, fmt.Errorf("okx: limit price %s must be positive", req.Price)
		}
		b.Px = req.Price.String()
	} else {
		b.TgtCcy = "base_ccy"
	}
	return b, nil
}

// Place sends POST /api/v5/trade/order. The per-order sCode decides.
func (c *Client) Place(ctx context.Context, req exchange.OrderRequest) (exchange.Order, error) {
	ob, err := newOrderBody(req)
	if err != nil {
		return exchange.Order{}, err
	}
	body, err := marshal(ob)
	if err != nil {
		return exchange.Order{}, fmt.Errorf("okx: encode order: %w", err)
	}
	var data []struct {
		OrdID   string `json:"ordId"`
		ClOrdID string `json:"clOrdId"`
		TS      string `json:"ts"`
	}
	r := &request{method: http.MethodPost, path: "/api/v5/trade/order", body: body, signed: true, ep: epPlace, inst: req.Symbol, op: "place"}
	if err := c.do(ctx, r, &data); err != nil {
		return exchange.Order{}, err
	}
	if len(data) == 0 || data[0].OrdID == "" {
		return exchange.Order{}, &exchange.AmbiguousError{Op: "place", Err: errors.New("okx: order accepted without an ordId")}
	}
	created := msTime(data[0].TS)
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
		OrderID:  data[0].OrdID,
		Created:  created,
		Updated:  created,
	}, nil
}

// msTime reads OKX's millisecond stamps.
var msTime = rest.UnixMilli

type refBody struct {
	InstID  string `json:"instId"`
	OrdID   string `json:"ordId,omitempty"`
	ClOrdID string `json:"clOrdId,omitempty"`
}

// Cancel sends POST /api/v5/trade/cancel-order. OKX's sCode 0 means the
// cancel was accepted, not that the order is canceled, so the order's state
// is read back; if that read fails the order comes back as Unknown for the
// stream or a later Query to settle.
func (c *Client) Cancel(ctx context.Context, ref exchange.OrderRef) (exchange.Order, error) {
	if ref.OrderID == "" && ref.ClientID == "" {
		return exchange.Order{}, errors.New("okx: cancel needs an order id or a client id")
	}
	body, err := marshal(refBody{InstID: ref.Symbol, OrdID: ref.OrderID, ClOrdID: ref.ClientID})
	if err != nil {
		return exchange.Order{}, fmt.Errorf("okx: encode cancel: %w", err)
	}
	var data []struct {
		OrdID   string `json:"ordId"`
		ClOrdID string `json:"clOrdId"`
	}
	r := &request{method: http.MethodPost, path: "/api/v5/trade/cancel-order", body: body, signed: true, ep: epCancel, inst: ref.Symbol, op: "cancel"}
	if err := c.do(ctx, r, &data); err != nil {
		return exchange.Order{}, err
	}
	if len(data) > 0 {
		if ref.OrderID == "" {
			ref.OrderID = data[0].OrdID
		}
		if ref.ClientID == "" {
			ref.ClientID = data[0].ClOrdID
		}
	}
	o, err := c.Query(ctx, ref)
	if err != nil {
		return exchange.Order{Account: c.info.Name, Symbol: ref.Symbol, ClientID: ref.ClientID, OrderID: ref.OrderID, Status: exchange.StatusUnknown}, nil
	}
	return o, nil
}

// Query reads GET /api/v5/trade/order by ordId or clOrdId.
func (c *Client) Query(ctx context.Context, ref exchange.OrderRef) (exchange.Order, error) {
	r := &request{method: http.MethodGet, path: "/api/v5/trade/order", signed: true, ep: epQuery}
	r.query.Add("instId", ref.Symbol)
	switch {
	case ref.OrderID != "":
		r.query.Add("ordId", ref.OrderID)
	case ref.ClientID != "":
		r.query.Add("clOrdId", ref.ClientID)
	default:
		return exchange.Order{}, errors.New("okx: query needs an order id or a client id")
	}
	var data []wireOrder
	if err := c.do(ctx, r, &data); err != nil {
		if exchange.KindOf(err) == exchange.KindNotFound {
			return exchange.Order{}, fmt.Errorf("%w: %w", exchange.ErrOrderNotFound, err)
		}
		return exchange.Order{}, err
	}
	if len(data) == 0 {
		return exchange.Order{}, exchange.ErrOrderNotFound
	}
	return data[0].order(c.info.Name)
}

// OpenOrders reads GET /api/v5/trade/orders-pending (SPOT; one instrument
// when symbol is set). OKX pages at 100; a cockpit account rarely has more,
// and the page is what we show.
func (c *Client) OpenOrders(ctx context.Context, symbol string) ([]exchange.Order, error) {
	r := &request{method: http.MethodGet, path: "/api/v5/trade/orders-pending", signed: true, ep: epPending}
	r.query.Add("instType", "SPOT")
	if symbol != "" {
		r.query.Add("instId", symbol)
	}
	var data []wireOrder
	if err := c.do(ctx, r, &data); err != nil {
		return nil, err
	}
	out := make([]exchange.Order, 0, len(data))
	for _, w := range data {
		o, err := w.order(c.info.Name)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

// wireOrder is an order as REST and the orders channel send it.
type wireOrder struct {
	InstID    string `json:"instId"`
	OrdID     string `json:"ordId"`
	ClOrdID   string `json:"clOrdId"`
	Side      string `json:"side"`
	OrdType   string `json:"ordType"`
	Px        string `json:"px"`
	Sz        string `json:"sz"`
	State     string `json:"state"`
	AccFillSz string `json:"accFillSz"`
	AvgPx     string `json:"avgPx"`
	FillPx    string `json:"fillPx"`
	FillSz    string `json:"fillSz"`
	FillTime  string `json:"fillTime"`
	TradeID   string `json:"tradeId"`
	CTime     string `json:"cTime"`
	UTime     string `json:"uTime"`
	// Stream-only: a failed or rejected order's reason.
	Code string `json:"code"`
	Msg  string `json:"msg"`
	// CancelSource is a code for why OKX canceled it, when it did.
	CancelSource string `json:"cancelSource"`
	TgtCcy       string `json:"tgtCcy"`
}

// status maps OKX order states.
func status(s string) exchange.OrderStatus {
	switch s {
	case "live":
		return exchange.StatusNew
	case "partially_filled":
		return exchange.StatusPartiallyFilled
	case "filled":
		return exchange.StatusFilled
	case "canceled", "mmp_canceled":
		return exchange.StatusCanceled
	}
	return exchange.StatusUnknown
}

func (w wireOrder) order(account string) (exchange.Order, error) {
	var f rest.Fields
	d := f.Decimal
	typ, tif := fromOrdType(w.OrdType)
	o := exchange.Order{
		Account:  account,
		Symbol:   w.InstID,
		Side:     exchange.Side(strings.ToUpper(w.Side)),
		Type:     typ,
		TIF:      tif,
		Price:    d("px", w.Px),
		Qty:      d("sz", w.Sz),
		Filled:   d("accFillSz", w.AccFillSz),
		Status:   status(w.State),
		ClientID: w.ClOrdID,
		OrderID:  w.OrdID,
		Created:  msTime(w.CTime),
		Updated:  msTime(w.UTime),
	}
	o.QuoteFilled = o.Filled.Mul(d("avgPx", w.AvgPx))
	if w.CancelSource != "" {
		o.Reason = "cancelSource " + w.CancelSource
	}
	if w.Code != "" && w.Code != "0" {
		o.Reason = strings.TrimSpace(w.Code + " " + w.Msg)
	}
	if err := f.Order(o); err != nil {
		return o, fmt.Errorf("okx: order %s: %w", w.OrdID, err)
	}
	return o, nil
}

// tickerReply is one entry of GET /api/v5/market/ticker's data.
type tickerReply struct {
	InstID string `json:"instId"`
	Last   string `json:"last"`
	BidPx  string `json:"bidPx"`
	AskPx  string `json:"askPx"`
}

// Quote reads best bid, best ask and last from GET /api/v5/market/ticker.
func (c *Client) Quote(ctx context.Context, symbol string) (exchange.Quote, error) {
	var data []tickerReply
	r := &request{method: http.MethodGet, path: "/api/v5/market/ticker", ep: epTicker}
	r.query.Add("instId", symbol)
	if err := c.do(ctx, r, &data); err != nil {
		return exchange.Quote{}, err
	}
	return quoteOf(symbol, data)
}

// quoteOf decodes a ticker reply; see rest.QuoteOf.
func quoteOf(symbol string, data []tickerReply) (exchange.Quote, error) {
	if len(data) == 0 {
		return exchange.Quote{}, fmt.Errorf("okx: no ticker for %s", symbol)
	}
	t := data[0]
	return rest.QuoteOf(venueName, symbol, rest.Field{Name: "bidPx", Value: t.BidPx}, rest.Field{Name: "askPx", Value: t.AskPx}, rest.Field{Name: "last", Value: t.Last})
}
