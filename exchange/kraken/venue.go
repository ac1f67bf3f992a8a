package kraken

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/rest"
)

// ClientIDPolicy is Kraken's cl_ord_id: a UUID (36 characters with
// dashes), a short UUID (32 hex digits) or free ASCII text of up to 18
// characters; unique among the account's open orders only. vigil makes
// UUIDs.
var ClientIDPolicy = exchange.ClientIDPolicy{Field: "cl_ord_id", Make: exchange.FormUUID, MaxLen: 18, Printable: true,
	Also: exchange.Of(exchange.FormUUID, exchange.FormShortUUID)}

// apiKeyInfo is GetApiKeyInfo's answer.
type apiKeyInfo struct {
	Name         string   `json:"apiKeyName"`
	Nonce        uint64   `json:"-"`
	RawNonce     string   `json:"nonce"`
	NonceWindow  int64    `json:"nonceWindow"`
	Permissions  []string `json:"permissions"`
	ValidUntil   string   `json:"validUntil"`
	CreatedTime  string   `json:"createdTime"`
	IPAllowlist  []string `json:"ipAllowlist"`
	LastUsedTime *string  `json:"lastUsed"`
}

func (c *Client) keyInfo(ctx context.Context) (apiKeyInfo, error) {
	var k apiKeyInfo
	r := private("/0/private/GetApiKeyInfo")
	r.cost = c.rates.private(exchange.Background)
	if err := c.do(ctx, r, &k); err != nil {
		return k, err
	}
	if k.RawNonce != "" {
		n, err := strconv.ParseUint(k.RawNonce, 10, 64)
		if err != nil {
			return k, fmt.Errorf("kraken: GetApiKeyInfo nonce %q: %w", k.RawNonce, err)
		}
		k.Nonce = n
	}
	return k, nil
}

func unixField(s string) time.Time {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}
	}
	return time.Unix(n, 0)
}

// KeyInfo reads POST /0/private/GetApiKeyInfo, which needs no permission:
// the key's rights, IP allow-list, expiry and nonce window.
func (c *Client) KeyInfo(ctx context.Context) (exchange.KeyInfo, error) {
	k, err := c.keyInfo(ctx)
	var ae *exchange.APIError
	if err != nil && errors.As(err, &ae) && (ae.Kind == exchange.KindOther || ae.Kind == exchange.KindBadRequest) {
		return c.probeKey(ctx, ae)
	}
	if err != nil {
		return exchange.KeyInfo{}, err
	}
	has := func(p string) bool {
		for _, x := range k.Permissions {
			if x == p {
				return true
			}
		}
		return false
	}
	var ips []string
	for _, ip := range k.IPAllowlist {
		if ip = strings.TrimSpace(ip); ip != "" {
			ips = append(ips, ip)
		}
	}
	ki := exchange.KeyInfo{
		Read:      exchange.TriOf(has("query-funds")),
		Trade:     exchange.TriOf(has("modify-trades")),
		Withdraw:  exchange.TriOf(has("withdraw-funds")),
		IPBound:   exchange.TriOf(len(ips) > 0),
		IPs:       ips,
		Created:   unixField(k.CreatedTime),
		Expires:   unixField(k.ValidUntil),
		Source:    "GetApiKeyInfo permissions+ipAllowlist+validUntil",
		CheckedAt: c.now(),
	}
	if has("modify-trades") && !has("query-open-trades") {
		ki.Notes = append(ki.Notes, "can place orders but not read open orders: vigil cannot follow what it places")
	}
	if !has("create-ws-token") {
		ki.Notes = append(ki.Notes, "no WebSocket interface permission: no private stream, vigil polls")
	}
	if k.NonceWindow > 0 {
		ki.Notes = append(ki.Notes, fmt.Sprintf("nonce window %d: a request resent inside it can be accepted twice (duplicate orders); vigil shares one nonce per key and needs none", k.NonceWindow))
	}
	if k.Name != "" {
		ki.Notes = append(ki.Notes, fmt.Sprintf("key name %q", k.Name))
	}
	if !ki.Expires.IsZero() {
		if ki.Expires.Before(c.now()) {
			ki.Notes = append(ki.Notes, "key EXPIRED on "+ki.Expires.UTC().Format("2006-01-02"))
		} else {
			ki.Notes = append(ki.Notes, "key valid until "+ki.Expires.UTC().Format("2006-01-02"))
		}
	}
	return ki, nil
}

// Balances reads POST /0/private/BalanceEx: free is balance less what
// open orders hold (hold_trading).
func (c *Client) Balances(ctx context.Context) ([]exchange.Balance, error) {
	var res map[string]struct {
		Balance     string `json:"balance"`
		HoldTrading string `json:"hold_trading"`
	}
	r := private("/0/private/BalanceEx")
	r.cost = c.rates.private(exchange.Interactive)
	if err := c.do(ctx, r, &res); err != nil {
		return nil, err
	}
	out := make([]exchange.Balance, 0, len(res))
	for code, b := range res {
		if strings.Contains(code, ".") {
			continue // staked or earning (XBT.F, DOT.S): not spot funds
		}
		total, err := rest.Decimal(b.Balance)
		if err != nil {
			return nil, fmt.Errorf("kraken: balance %s: %w", code, err)
		}
		held, err := rest.Decimal(b.HoldTrading)
		if err != nil {
			return nil, fmt.Errorf("kraken: balance %s hold_trading: %w", code, err)
		}
		out = append(out, exchange.Balance{Asset: Asset(code), Free: total.Sub(held), Locked: held})
	}
	c.holds.set(out)
	return out, nil
}

type tickerReply map[string]struct {
	A []string `json:"a"`
	B []string `json:"b"`
	C []string `json:"c"`
}

func (c *Client) ticker(ctx context.Context, symbol string) (exchange.Quote, error) {
	var res tickerReply
	r := get("/0/public/Ticker")
	r.params.Add("pair", symbol)
	r.cost = c.rates.public()
	r.cost.Priority = exchange.Interactive
	if err := c.do(ctx, r, &res); err != nil {
		return exchange.Quote{}, err
	}
	first := func(s []string) string {
		if len(s) == 0 {
			return ""
		}
		return s[0]
	}
	for _, t := range res {
		return rest.QuoteOf(venueName, symbol, rest.Field{Name: "b", Value: first(t.B)}, rest.Field{Name: "a", Value: first(t.A)}, rest.Field{Name: "c", Value: first(t.C)})
	}
	return exchange.Quote{}, fmt.Errorf("kraken: no ticker for %s", symbol)
}

// Quote reads best bid, best ask and last from GET /0/public/Ticker.
func (c *Client) Quote(ctx context.Context, symbol string) (exchange.Quote, error) {
	return c.ticker(ctx, symbol)
}

// LastPrice is the ticker's last trade price.
func (c *Client) LastPrice(ctx context.Context, symbol string) (decimal.Decimal, error) {
	q, err := c.ticker(ctx, symbol)
	if err != nil {
		return decimal.Zero, err
	}
	if !q.Last.IsPositive() {
		return decimal.Zero, fmt.Errorf("kraken: no last price for %s", symbol)
	}
	return q.Last, nil
}

// addOrderParams is AddOrder's form body, nonce aside.
func addOrderParams(req exchange.OrderRequest) (rest.Params, error) {
	var p rest.Params
	if err := ClientIDPolicy.Check(req.ClientID); err != nil {
		return p, fmt.Errorf("kraken: %w", err)
	}
	if !req.Qty.IsPositive() {
		return p, fmt.Errorf("kraken: volume %s must be positive", req.Qty)
	}
	var side string
	switch req.Side {
	case exchange.Buy:
		side = "buy"
	case exchange.Sell:
		side = "sell"
	default:
		return p, fmt.Errorf("kraken: side %q not supported", req.Side)
	}
	switch req.Type {
	case exchange.MarketOrder:
		p.Add("ordertype", "market")
		p.Add("type", side)
		p.Add("volume", req.Qty.String())
		p.Add("pair", req.Symbol)
	case exchange.LimitOrder:
		if !req.Price.IsPositive() {
			return p, fmt.Errorf("kraken: limit price %s must be positive", req.Price)
		}
		p.Add("ordertype", "limit")
		p.Add("type", side)
		p.Add("volume", req.Qty.String())
		p.Add("pair", req.Symbol)
		p.Add("price", req.Price.String())
		switch req.TIF {
		case exchange.GTC, "":
		case exchange.IOC:
			p.Add("timeinforce", "IOC")
		default:
			return p, fmt.Errorf("kraken: time in force %q not supported (GTC, IOC)", req.TIF)
		}
	default:
		return p, fmt.Errorf("kraken: order type %q not supported", req.Type)
	}
	p.Add("cl_ord_id", req.ClientID)
	return p, nil
}

// Place sends POST /0/private/AddOrder.
func (c *Client) Place(ctx context.Context, req exchange.OrderRequest) (exchange.Order, error) {
	params, err := addOrderParams(req)
	if err != nil {
		return exchange.Order{}, err
	}
	var res struct {
		Txid []string `json:"txid"`
	}
	r := private("/0/private/AddOrder")
	r.params, r.op = params, "place"
	r.cost = c.rates.trade(req.Symbol, 1)
	if err := c.do(ctx, r, &res); err != nil {
		return exchange.Order{}, err
	}
	if len(res.Txid) == 0 {
		return exchange.Order{}, &exchange.AmbiguousError{Op: "place", Err: errors.New("kraken: order accepted without a txid")}
	}
	return exchange.Order{
		Account: c.info.Name, Symbol: req.Symbol, Side: req.Side, Type: req.Type, TIF: req.TIF,
		Price: req.Price, Qty: req.Qty, Status: exchange.StatusNew, ClientID: req.ClientID, OrderID: res.Txid[0],
	}, nil
}

// Cancel sends POST /0/private/CancelOrder by txid or cl_ord_id, then
// reads the order back for what it ended as.
func (c *Client) Cancel(ctx context.Context, ref exchange.OrderRef) (exchange.Order, error) {
	r := private("/0/private/CancelOrder")
	switch {
	case ref.OrderID != "":
		r.params.Add("txid", ref.OrderID)
	case ref.ClientID != "":
		r.params.Add("cl_ord_id", ref.ClientID)
	default:
		return exchange.Order{}, errors.New("kraken: cancel needs an order id or a client id")
	}
	r.op = "cancel"
	// The age is unknown here: charged as the youngest order costs.
	r.cost = c.rates.trade(ref.Symbol, cancelCost(0))
	if err := c.do(ctx, r, nil); err != nil {
		return exchange.Order{}, err
	}
	o, err := c.Query(ctx, ref)
	if err != nil {
		return exchange.Order{Account: c.info.Name, Symbol: ref.Symbol, ClientID: ref.ClientID, OrderID: ref.OrderID, Status: exchange.StatusUnknown}, nil
	}
	return o, nil
}

// Query reads an order: by txid from QueryOrders; by cl_ord_id, which
// QueryOrders does not take, from OpenOrders and then ClosedOrders
// filtered by it (cl_ord_id is unique among open orders only: the open
// one wins, else the latest closed).
func (c *Client) Query(ctx context.Context, ref exchange.OrderRef) (exchange.Order, error) {
	if ref.OrderID != "" {
		var res map[string]wireOrder
		r := private("/0/private/QueryOrders")
		r.params.Add("txid", ref.OrderID)
		r.cost = c.rates.private(exchange.Interactive)
		if err := c.do(ctx, r, &res); err != nil {
			if exchange.KindOf(err) == exchange.KindNotFound || exchange.KindOf(err) == exchange.KindBadRequest {
				return exchange.Order{}, fmt.Errorf("%w: %w", exchange.ErrOrderNotFound, err)
			}
			return exchange.Order{}, err
		}
		if w, ok := res[ref.OrderID]; ok {
			return w.order(c.info.Name, ref.OrderID)
		}
		return exchange.Order{}, exchange.ErrOrderNotFound
	}
	if ref.ClientID == "" {
		return exchange.Order{}, errors.New("kraken: query needs an order id or a client id")
	}
	open, err := c.listOrders(ctx, "/0/private/OpenOrders", "open", ref.ClientID)
	if err != nil {
		return exchange.Order{}, err
	}
	if len(open) > 0 {
		return open[0], nil
	}
	closed, err := c.listOrders(ctx, "/0/private/ClosedOrders", "closed", ref.ClientID)
	if err != nil {
		return exchange.Order{}, err
	}
	var best exchange.Order
	for _, o := range closed {
		if o.ClientID == ref.ClientID && (best.OrderID == "" || o.Created.After(best.Created)) {
			best = o
		}
	}
	if best.OrderID == "" {
		return exchange.Order{}, exchange.ErrOrderNotFound
	}
	return best, nil
}

// listOrders reads OpenOrders or ClosedOrders (result under key), filtered
// by cl_ord_id when given.
func (c *Client) listOrders(ctx context.Context, path, key, clientID string) ([]exchange.Order, error) {
	var res map[string]json.RawMessage
	r := private(path)
	if clientID != "" {
		r.params.Add("cl_ord_id", clientID)
	}
	r.cost = c.rates.private(exchange.Interactive)
	if err := c.do(ctx, r, &res); err != nil {
		return nil, err
	}
	var list map[string]wireOrder
	if raw, ok := res[key]; ok {
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, fmt.Errorf("kraken: %s: %w", path, err)
		}
	}
	out := make([]exchange.Order, 0, len(list))
	for txid, w := range list {
		if clientID != "" && w.ClOrdID != clientID {
			continue // a filter the venue ignored must not hand back another order
		}
		o, err := w.order(c.info.Name, txid)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

// OpenOrders reads POST /0/private/OpenOrders (every pair), keeping
// symbol's when one is named.
func (c *Client) OpenOrders(ctx context.Context, symbol string) ([]exchange.Order, error) {
	all, err := c.listOrders(ctx, "/0/private/OpenOrders", "open", "")
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, o := range all {
		if symbol == "" || o.Symbol == symbol {
			out = append(out, o)
		}
	}
	return out, nil
}

// wireOrder is an order as QueryOrders, OpenOrders and ClosedOrders send
// it.
type wireOrder struct {
	ClOrdID string      `json:"cl_ord_id"`
	Status  string      `json:"status"`
	Opentm  json.Number `json:"opentm"`
	Closetm json.Number `json:"closetm"`
	Descr   struct {
		Pair      string `json:"pair"`
		Type      string `json:"type"`
		Ordertype string `json:"ordertype"`
		Price     string `json:"price"`
	} `json:"descr"`
	Vol         string `json:"vol"`
	VolExec     string `json:"vol_exec"`
	Cost        string `json:"cost"`
	Reason      string `json:"reason"`
	Timeinforce string `json:"timeinforce"`
}

// secondsTime reads Kraken's fractional Unix seconds.
func secondsTime(n json.Number) time.Time {
	d, err := decimal.NewFromString(string(n))
	if err != nil || !d.IsPositive() {
		return time.Time{}
	}
	return time.UnixMicro(d.Shift(6).IntPart())
}

func (w wireOrder) order(account, txid string) (exchange.Order, error) {
	var f rest.Fields
	o := exchange.Order{
		Account: account, Symbol: w.Descr.Pair, ClientID: w.ClOrdID, OrderID: txid,
		Side:        exchange.Side(strings.ToUpper(w.Descr.Type)),
		Type:        exchange.OrderType(strings.ToUpper(w.Descr.Ordertype)),
		Qty:         f.Decimal("vol", w.Vol),
		Filled:      f.Decimal("vol_exec", w.VolExec),
		QuoteFilled: f.Decimal("cost", w.Cost),
		Created:     secondsTime(w.Opentm),
		Updated:     secondsTime(w.Closetm),
		Reason:      w.Reason,
	}
	if o.Updated.IsZero() {
		o.Updated = o.Created
	}
	if o.Type == exchange.LimitOrder {
		o.Price = f.Decimal("descr.price", w.Descr.Price)
		// Kraken's order info names no time in force unless it is not
		// GTC; a limit order that rests is GTC (or GTD, which vigil does
		// not send).
		o.TIF = exchange.GTC
		if w.Timeinforce != "" {
			o.TIF = exchange.TimeInForce(strings.ToUpper(w.Timeinforce))
		}
	}
	switch w.Status {
	case "pending":
		o.Status = exchange.StatusNew
	case "open":
		o.Status = exchange.StatusNew
		if o.Filled.IsPositive() {
			o.Status = exchange.StatusPartiallyFilled
		}
	case "closed":
		o.Status = exchange.StatusFilled
	case "canceled":
		o.Status = exchange.StatusCanceled
	case "expired":
		o.Status = exchange.StatusExpired
	default:
		o.Status = exchange.StatusUnknown
	}
	if err := f.Order(o); err != nil {
		return o, fmt.Errorf("kraken: order %s: %w", txid, err)
	}
	return o, nil
}
