package deribit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/rest"
)

// ClientIDPolicy is Deribit's label: free text of up to 64 characters and
// no uniqueness key (two orders may carry one label). vigil sends its own
// unique ids as labels, and resolves a lost answer by label among the
// account's recent orders.
var ClientIDPolicy = exchange.ClientIDPolicy{Field: "label", MaxLen: 64, Printable: true}

// wireOrder is an order as Deribit sends it everywhere (buy, sell,
// get_order_state, the user.orders channel).
type wireOrder struct {
	OrderID      string `json:"order_id"`
	Label        string `json:"label"`
	State        string `json:"order_state"`
	Direction    string `json:"direction"`
	Instrument   string `json:"instrument_name"`
	OrderType    string `json:"order_type"`
	TimeInForce  string `json:"time_in_force"`
	Amount       num    `json:"amount"`
	Filled       num    `json:"filled_amount"`
	Price        num    `json:"price"`
	AveragePrice num    `json:"average_price"`
	Created      int64  `json:"creation_timestamp"`
	Updated      int64  `json:"last_update_timestamp"`
	CancelReason string `json:"cancel_reason"`
	RejectReason string `json:"reject_reason"`
}

var tifs = map[string]exchange.TimeInForce{
	"good_til_cancelled": exchange.GTC, "immediate_or_cancel": exchange.IOC, "fill_or_kill": exchange.FOK,
}

func msTime(ms int64) time.Time {
	if ms <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}

// order reads w; amounts of an inverse contract come in USD and are
// counted in contracts, as they were entered.
func (c *Client) order(w wireOrder) (exchange.Order, error) {
	var f rest.Fields
	scale := c.scale(w.Instrument)
	o := exchange.Order{
		Account: c.info.Name, Symbol: w.Instrument, ClientID: w.Label, OrderID: w.OrderID,
		Qty:     w.Amount.dec(&f, "amount").Div(scale),
		Filled:  w.Filled.dec(&f, "filled_amount").Div(scale),
		Created: msTime(w.Created), Updated: msTime(w.Updated),
		Reason: w.CancelReason + w.RejectReason,
	}
	switch w.Direction {
	case "buy":
		o.Side = exchange.Buy
	case "sell":
		o.Side = exchange.Sell
	}
	switch w.OrderType {
	case "limit":
		o.Type = exchange.LimitOrder
		o.Price = w.Price.dec(&f, "price")
		o.TIF = tifs[w.TimeInForce]
	case "market":
		o.Type = exchange.MarketOrder
	default:
		o.Type = exchange.OrderType(strings.ToUpper(w.OrderType))
	}
	avg := w.AveragePrice.dec(&f, "average_price")
	o.QuoteFilled = avg.Mul(o.Filled)
	switch w.State {
	case "open", "untriggered":
		o.Status = exchange.StatusNew
		if o.Filled.IsPositive() {
			o.Status = exchange.StatusPartiallyFilled
		}
	case "filled":
		o.Status = exchange.StatusFilled
	case "cancelled":
		o.Status = exchange.StatusCanceled
	case "rejected":
		o.Status = exchange.StatusRejected
	default:
		o.Status = exchange.StatusUnknown
	}
	if err := f.Order(o); err != nil {
		return o, fmt.Errorf("deribit: order %s: %w", w.OrderID, err)
	}
	return o, nil
}

func (c *Client) orders(list []wireOrder) ([]exchange.Order, error) {
	out := make([]exchange.Order, 0, len(list))
	for _, w := range list {
		o, err := c.order(w)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

// authResult is public/auth's answer without its tokens: the audit needs
// only the scope, and a token never outlives the reply's buffer.
type authResult struct {
	Scope     string `json:"scope"`
	ExpiresIn int64  `json:"expires_in"`
}

// authParams are a client_signature login's parameters, stamped now.
func (c *Client) authParams(stamp time.Time) (ts, nonce, sig string) {
	ts, nonce = formatMs(stamp.UnixMilli()), c.nonce()
	return ts, nonce, c.signer.SignAuth(ts, nonce, "")
}

// scopeOf reads a scope string ("account:read trade:read_write …").
func scopeOf(s string) map[string]string {
	m := map[string]string{}
	for _, f := range strings.Fields(s) {
		if k, v, ok := strings.Cut(f, ":"); ok {
			m[k] = v
		}
	}
	return m
}

type wireKey struct {
	ClientID    string   `json:"client_id"`
	MaxScope    string   `json:"max_scope"`
	Enabled     bool     `json:"enabled"`
	IPWhitelist []string `json:"ip_whitelist"`
	Name        string   `json:"name"`
	Timestamp   int64    `json:"timestamp"`
}

// KeyInfo reads the scope public/auth grants the key (what it may do
// now), then private/list_api_keys for its IP allow-list and creation
// time where the key may read it.
func (c *Client) KeyInfo(ctx context.Context) (exchange.KeyInfo, error) {
	if c.signer == nil {
		return exchange.KeyInfo{}, errors.New("deribit: the key audit needs an API key")
	}
	if err := c.path.ClockReady(ctx); err != nil {
		return exchange.KeyInfo{}, err
	}
	ts, nonce, sig := c.authParams(c.clock.Stamp())
	r := call("public/auth")
	r.params.Add("grant_type", "client_signature")
	r.params.Add("client_id", c.signer.clientID)
	r.params.Add("timestamp", ts)
	r.params.Add("nonce", nonce)
	r.params.Add("data", "")
	r.params.Add("signature", sig)
	r.cost = c.credits.request(exchange.Interactive)
	var auth authResult
	if err := c.do(ctx, r, &auth); err != nil {
		return exchange.KeyInfo{}, err
	}
	sc := scopeOf(auth.Scope)
	ki := exchange.KeyInfo{
		Read:      exchange.TriOf(sc["account"] == "read" || sc["account"] == "read_write"),
		Trade:     exchange.TriOf(sc["trade"] == "read_write"),
		Withdraw:  exchange.TriOf(sc["wallet"] == "read_write"),
		IPBound:   exchange.TriUnknown,
		Source:    "public/auth scope + private/list_api_keys",
		CheckedAt: c.now(),
	}
	if ki.Withdraw == exchange.TriYes {
		ki.Notes = append(ki.Notes, "scope wallet:read_write: this key can WITHDRAW; give vigil a key without it")
	}
	if auth.ExpiresIn > 0 {
		ki.Notes = append(ki.Notes, fmt.Sprintf("access tokens last %s; vigil signs each request instead of holding one", time.Duration(auth.ExpiresIn)*time.Second))
	}
	state := "off"
	if c.cancelOnDisconnect {
		state = "ON: a dropped stream cancels this connection's orders"
	}
	ki.Notes = append(ki.Notes, "cancel on disconnect "+state+" (config cancel_on_disconnect)")
	var keys []wireKey
	lk := call("private/list_api_keys")
	lk.cost = c.credits.request(exchange.Interactive)
	switch err := c.do(ctx, lk, &keys); {
	case err == nil:
		i := slices.IndexFunc(keys, func(k wireKey) bool { return k.ClientID == c.signer.clientID })
		if i < 0 {
			ki.Notes = append(ki.Notes, "list_api_keys does not list this key: IP allow-list unknown")
			break
		}
		k := keys[i]
		for _, ip := range k.IPWhitelist {
			if ip = strings.TrimSpace(ip); ip != "" {
				ki.IPs = append(ki.IPs, ip)
			}
		}
		ki.IPBound = exchange.TriOf(len(ki.IPs) > 0)
		ki.Created = msTime(k.Timestamp)
		if k.Name != "" {
			ki.Notes = append(ki.Notes, fmt.Sprintf("key name %q, max scope %q", k.Name, k.MaxScope))
		}
	case exchange.KindOf(err) == exchange.KindPermission || exchange.KindOf(err) == exchange.KindOther || exchange.KindOf(err) == exchange.KindBadRequest:
		ki.Notes = append(ki.Notes, "list_api_keys refused ("+exchange.AdviceOf(err)+"): IP allow-list unknown; it needs account:read and, on www.deribit.com, may need 2FA")
	default:
		return ki, err
	}
	return ki, nil
}

// wireSummary is one currency of get_account_summaries.
type wireSummary struct {
	Currency       string          `json:"currency"`
	Balance        num             `json:"balance"`
	Equity         num             `json:"equity"`
	AvailableFunds num             `json:"available_funds"`
	Limits         json.RawMessage `json:"limits"`
}

// Balances reads private/get_account_summaries: per currency, free is
// available_funds and locked the rest of the equity (margin held by open
// orders and positions). The reply's limits set the credit pools.
func (c *Client) Balances(ctx context.Context) ([]exchange.Balance, error) {
	var res struct {
		Summaries []wireSummary   `json:"summaries"`
		Limits    json.RawMessage `json:"limits"`
	}
	r := call("private/get_account_summaries")
	r.params.Add("extended", "true")
	r.cost = c.credits.request(exchange.PriorityOf(ctx, exchange.Interactive))
	if err := c.do(ctx, r, &res); err != nil {
		return nil, err
	}
	c.credits.report(res.Limits)
	out := make([]exchange.Balance, 0, len(res.Summaries))
	for _, s := range res.Summaries {
		b, ok, err := s.balance()
		if err != nil {
			return nil, err
		}
		c.credits.report(s.Limits)
		if ok {
			out = append(out, b)
		}
	}
	slices.SortFunc(out, func(a, b exchange.Balance) int { return strings.Compare(a.Asset, b.Asset) })
	return out, nil
}

// balance is a summary as a balance; ok is false for a currency the
// account holds nothing of.
func (s wireSummary) balance() (exchange.Balance, bool, error) {
	var f fields
	eq := s.Equity.dec(&f, "equity")
	if s.Equity == "" {
		eq = s.Balance.dec(&f, "balance")
	}
	free := s.AvailableFunds.dec(&f, "available_funds")
	if err := f.err(); err != nil {
		return exchange.Balance{}, false, fmt.Errorf("deribit: summary %s: %w", s.Currency, err)
	}
	if s.Currency == "" || eq.IsNegative() || free.IsNegative() {
		return exchange.Balance{}, false, fmt.Errorf("deribit: summary %q: equity %s, available %s", s.Currency, eq, free)
	}
	if eq.IsZero() && free.IsZero() {
		return exchange.Balance{}, false, nil
	}
	locked := eq.Sub(free)
	if locked.IsNegative() {
		locked = decimal.Zero
	}
	return exchange.Balance{Asset: strings.ToUpper(s.Currency), Free: free, Locked: locked}, true, nil
}

type wireTicker struct {
	Instrument string `json:"instrument_name"`
	BestBid    num    `json:"best_bid_price"`
	BestAsk    num    `json:"best_ask_price"`
	Last       num    `json:"last_price"`
	Mark       num    `json:"mark_price"`
}

// Quote reads public/ticker: best bid, best ask and last.
func (c *Client) Quote(ctx context.Context, symbol string) (exchange.Quote, error) {
	var t wireTicker
	r := call("public/ticker")
	r.params.Add("instrument_name", symbol)
	r.cost = c.credits.request(exchange.PriorityOf(ctx, exchange.Interactive))
	if err := c.do(ctx, r, &t); err != nil {
		return exchange.Quote{}, err
	}
	return rest.QuoteOf(venueName, symbol, rest.Field{Name: "best_bid_price", Value: string(t.BestBid)},
		rest.Field{Name: "best_ask_price", Value: string(t.BestAsk)}, rest.Field{Name: "last_price", Value: string(t.Last)})
}

// LastPrice is the ticker's last trade price.
func (c *Client) LastPrice(ctx context.Context, symbol string) (decimal.Decimal, error) {
	q, err := c.Quote(ctx, symbol)
	if err != nil {
		return decimal.Zero, err
	}
	if !q.Last.IsPositive() {
		return decimal.Zero, fmt.Errorf("deribit: no last price for %s", symbol)
	}
	return q.Last, nil
}

// orderBody is private/buy's and private/sell's params: an inverse
// contract's size as contracts, anything else's as amount, numbers as
// JSON numbers with the decimals entered.
type orderBody struct {
	Instrument  string      `json:"instrument_name"`
	Amount      json.Number `json:"amount,omitempty"`
	Contracts   json.Number `json:"contracts,omitempty"`
	Type        string      `json:"type"`
	Price       json.Number `json:"price,omitempty"`
	TimeInForce string      `json:"time_in_force,omitempty"`
	Label       string      `json:"label"`
}

func orderParams(req exchange.OrderRequest, inverse bool) (method string, b orderBody, err error) {
	if err := ClientIDPolicy.Check(req.ClientID); err != nil {
		return "", b, fmt.Errorf("deribit: %w", err)
	}
	if !req.Qty.IsPositive() {
		return "", b, fmt.Errorf("deribit: amount %s must be positive", req.Qty)
	}
	switch req.Side {
	case exchange.Buy:
		method = "private/buy"
	case exchange.Sell:
		method = "private/sell"
	default:
		return "", b, fmt.Errorf("deribit: side %q not supported", req.Side)
	}
	b.Instrument, b.Label = req.Symbol, req.ClientID
	if inverse {
		b.Contracts = json.Number(req.Qty.String())
	} else {
		b.Amount = json.Number(req.Qty.String())
	}
	switch req.Type {
	case exchange.MarketOrder:
		b.Type = "market"
	case exchange.LimitOrder:
		if !req.Price.IsPositive() {
			return "", b, fmt.Errorf("deribit: limit price %s must be positive", req.Price)
		}
		b.Type, b.Price = "limit", json.Number(req.Price.String())
		switch req.TIF {
		case exchange.GTC, "":
			b.TimeInForce = "good_til_cancelled"
		case exchange.IOC:
			b.TimeInForce = "immediate_or_cancel"
		case exchange.FOK:
			b.TimeInForce = "fill_or_kill"
		default:
			return "", b, fmt.Errorf("deribit: time in force %q not supported", req.TIF)
		}
	default:
		return "", b, fmt.Errorf("deribit: order type %q not supported", req.Type)
	}
	return method, b, nil
}

// Place sends private/buy or private/sell with the client id as label.
func (c *Client) Place(ctx context.Context, req exchange.OrderRequest) (exchange.Order, error) {
	rules, err := c.Rules(ctx, req.Symbol)
	if err != nil {
		return exchange.Order{}, err
	}
	method, body, err := orderParams(req, rules.Inverse())
	if err != nil {
		return exchange.Order{}, err
	}
	var res struct {
		Order *wireOrder `json:"order"`
	}
	r := call(method)
	r.body, r.op, r.cost = body, "place", c.credits.order()
	if err := c.do(ctx, r, &res); err != nil {
		return exchange.Order{}, err
	}
	if res.Order == nil || res.Order.OrderID == "" {
		return exchange.Order{}, &exchange.AmbiguousError{Op: "place", Err: errors.New("deribit: order accepted without an order id")}
	}
	return c.order(*res.Order)
}

// Cancel cancels by order id with private/cancel. By client id, the label
// is looked up first: a label is no uniqueness key at Deribit, and
// cancel_by_label would cancel every order carrying it, so only a label
// naming exactly one open order is cancelled (by that order's id).
func (c *Client) Cancel(ctx context.Context, ref exchange.OrderRef) (exchange.Order, error) {
	id := ref.OrderID
	if id == "" {
		if ref.ClientID == "" {
			return exchange.Order{}, errors.New("deribit: cancel needs an order id or a client id")
		}
		list, err := c.byLabel(ctx, ref)
		if err != nil {
			return exchange.Order{}, err
		}
		var open []exchange.Order
		for _, o := range list {
			if o.Status.Open() {
				open = append(open, o)
			}
		}
		switch {
		case len(open) > 1:
			return exchange.Order{}, &exchange.APIError{Venue: venueName, Code: "label", Kind: exchange.KindBadRequest,
				Msg:        fmt.Sprintf("label %q names %d open orders", ref.ClientID, len(open)),
				AdviceText: "Deribit labels are not unique: cancel each of these orders by its order id."}
		case len(open) == 0 && len(list) > 0:
			return exchange.Order{}, &exchange.APIError{Venue: venueName, Code: "10010", Kind: exchange.KindNotFound,
				Msg: "already_closed", AdviceText: Advice(ErrAlreadyClosed)}
		case len(open) == 0:
			return exchange.Order{}, exchange.ErrOrderNotFound
		}
		id = open[0].OrderID
	}
	r := call("private/cancel")
	r.body = map[string]string{"order_id": id}
	r.op, r.cost = "cancel", c.credits.order()
	var w wireOrder
	if err := c.do(ctx, r, &w); err != nil {
		return exchange.Order{}, err
	}
	return c.order(w)
}

// Query reads an order by id (private/get_order_state), or by label
// (private/get_order_state_by_label, the account's recent orders with
// it): the open one if any, else the latest.
func (c *Client) Query(ctx context.Context, ref exchange.OrderRef) (exchange.Order, error) {
	if ref.OrderID != "" {
		r := call("private/get_order_state")
		r.params.Add("order_id", ref.OrderID)
		r.cost = c.credits.request(exchange.PriorityOf(ctx, exchange.Interactive))
		var w wireOrder
		if err := c.do(ctx, r, &w); err != nil {
			if exchange.KindOf(err) == exchange.KindNotFound {
				return exchange.Order{}, fmt.Errorf("%w: %w", exchange.ErrOrderNotFound, err)
			}
			return exchange.Order{}, err
		}
		if _, err := c.instruments.Symbols(ctx); err != nil {
			return exchange.Order{}, err
		}
		return c.order(w)
	}
	if ref.ClientID == "" {
		return exchange.Order{}, errors.New("deribit: query needs an order id or a client id")
	}
	list, err := c.byLabel(ctx, ref)
	if err != nil {
		return exchange.Order{}, err
	}
	var best exchange.Order
	for _, o := range list {
		switch {
		case best.OrderID == "":
			best = o
		case o.Status.Open() != best.Status.Open():
			if o.Status.Open() {
				best = o
			}
		case o.Updated.After(best.Updated):
			best = o
		}
	}
	if best.OrderID == "" {
		return exchange.Order{}, exchange.ErrOrderNotFound
	}
	return best, nil
}

// byLabel lists the recent orders labelled ref.ClientID, in the
// settlement currency of ref.Symbol, or in every currency when no symbol
// is named.
func (c *Client) byLabel(ctx context.Context, ref exchange.OrderRef) ([]exchange.Order, error) {
	var curs []string
	if ref.Symbol != "" {
		r, err := c.Rules(ctx, ref.Symbol)
		if err != nil {
			return nil, err
		}
		curs = []string{r.SettleCurrency()}
	} else {
		var err error
		if curs, err = c.currencies(ctx); err != nil {
			return nil, err
		}
	}
	var out []exchange.Order
	for _, cur := range curs {
		r := call("private/get_order_state_by_label")
		r.params.Add("currency", cur)
		r.params.Add("label", ref.ClientID)
		r.cost = c.credits.request(exchange.PriorityOf(ctx, exchange.Interactive))
		var list []wireOrder
		if err := c.do(ctx, r, &list); err != nil {
			return nil, err
		}
		os, err := c.orders(list)
		if err != nil {
			return nil, err
		}
		for _, o := range os {
			// A filter the venue ignored must not hand back another order.
			if o.ClientID == ref.ClientID {
				out = append(out, o)
			}
		}
	}
	return out, nil
}

// OpenOrders reads private/get_open_orders (every instrument), keeping
// symbol's when one is named.
func (c *Client) OpenOrders(ctx context.Context, symbol string) ([]exchange.Order, error) {
	if _, err := c.instruments.Symbols(ctx); err != nil {
		return nil, err
	}
	r := call("private/get_open_orders")
	r.cost = c.credits.request(exchange.PriorityOf(ctx, exchange.Interactive))
	var list []wireOrder
	if err := c.do(ctx, r, &list); err != nil {
		return nil, err
	}
	all, err := c.orders(list)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(o exchange.Order) bool { return symbol != "" && o.Symbol != symbol }), nil
}

// wirePosition is one of private/get_positions' results.
type wirePosition struct {
	Instrument  string `json:"instrument_name"`
	Kind        string `json:"kind"`
	Size        num    `json:"size"`
	Average     num    `json:"average_price"`
	Mark        num    `json:"mark_price"`
	Liquidation num    `json:"estimated_liquidation_price"`
	FloatingPL  num    `json:"floating_profit_loss"`
	Leverage    num    `json:"leverage"`
}

// Positions reads private/get_positions (every currency). Sizes are as
// Deribit's screen shows them: USD for an inverse contract, the coin for
// a linear one; the notional beside them is in USD.
func (c *Client) Positions(ctx context.Context) ([]exchange.Position, error) {
	if _, err := c.instruments.Symbols(ctx); err != nil {
		return nil, err
	}
	r := call("private/get_positions")
	r.cost = c.credits.request(exchange.PriorityOf(ctx, exchange.Interactive))
	var list []wirePosition
	if err := c.do(ctx, r, &list); err != nil {
		return nil, err
	}
	return c.positions(list, c.clock.ServerNow())
}

func (c *Client) positions(list []wirePosition, at time.Time) ([]exchange.Position, error) {
	out := []exchange.Position{}
	for _, w := range list {
		p, err := c.position(w, at)
		if err != nil {
			return nil, err
		}
		if !p.Size.IsZero() {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b exchange.Position) int { return strings.Compare(a.Symbol, b.Symbol) })
	return out, nil
}

func (c *Client) position(w wirePosition, at time.Time) (exchange.Position, error) {
	var f fields
	p := exchange.Position{
		Account: c.info.Name, Symbol: w.Instrument, Size: w.Size.dec(&f, "size"),
		Entry: w.Average.dec(&f, "average_price"), Mark: w.Mark.dec(&f, "mark_price"),
		Liquidation: w.Liquidation.dec(&f, "estimated_liquidation_price"), PnL: w.FloatingPL.dec(&f, "floating_profit_loss"),
		Leverage: w.Leverage.dec(&f, "leverage"), NotionalIn: "USD", Time: at,
	}
	if err := f.err(); err != nil {
		return p, fmt.Errorf("deribit: position %s: %w", w.Instrument, err)
	}
	if w.Instrument == "" {
		return p, errors.New("deribit: a position without an instrument")
	}
	if p.Liquidation.IsNegative() {
		p.Liquidation = decimal.Zero
	}
	r, ok := c.instruments.Book.Get(w.Instrument)
	p.Kind, p.Settle = r.Kind, r.SettleCurrency()
	switch {
	case ok && r.Inverse():
		p.Unit, p.Notional = "USD", p.Size.Abs()
	case ok:
		p.Unit, p.Notional = r.Base, p.Size.Abs().Mul(p.Mark)
	default:
		p.Unit, p.Notional = "", p.Size.Abs().Mul(p.Mark)
	}
	return p, nil
}
