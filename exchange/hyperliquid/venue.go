package hyperliquid

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/rest"
)

// ClientIDPolicy is Hyperliquid's cloid: 128 bits as 0x and 32 hex
// digits, which vigil makes from a millisecond timestamp and random bits.
var ClientIDPolicy = exchange.ClientIDPolicy{Field: "cloid", Make: exchange.FormHex128, NoText: true, Also: exchange.Of(exchange.FormHex128)}

// minNotional is the venue's minimum order value on perps, in USDC.
var minNotional = decimal.NewFromInt(10)

// quote is the currency perps are margined, quoted and settled in.
const quote = "USDC"

type universe struct {
	Universe []struct {
		Name       string `json:"name"`
		SzDecimals int32  `json:"szDecimals"`
		IsDelisted bool   `json:"isDelisted"`
	} `json:"universe"`
}

type assetCtx struct {
	MarkPx string `json:"markPx"`
	MidPx  string `json:"midPx"`
}

// loadRules reads metaAndAssetCtxs: the perps (asset id = index in the
// universe) and their mark prices, which the tick depends on.
func (c *Client) loadRules(ctx context.Context) ([]exchange.SymbolRules, error) {
	var raw []json.RawMessage
	if err := c.read(ctx, map[string]any{"type": "metaAndAssetCtxs"}, &raw, false); err != nil {
		return nil, err
	}
	if len(raw) != 2 {
		return nil, fmt.Errorf("hyperliquid: metaAndAssetCtxs: want [meta, contexts], got %d parts", len(raw))
	}
	var meta universe
	var ctxs []assetCtx
	if err := errors.Join(json.Unmarshal(raw[0], &meta), json.Unmarshal(raw[1], &ctxs)); err != nil {
		return nil, fmt.Errorf("hyperliquid: metaAndAssetCtxs: %w", err)
	}
	assets := make(map[string]int, len(meta.Universe))
	out := make([]exchange.SymbolRules, 0, len(meta.Universe))
	for i, a := range meta.Universe {
		if a.Name == "" || a.SzDecimals < 0 || a.SzDecimals > 6 {
			return nil, fmt.Errorf("hyperliquid: meta asset %d: name %q, szDecimals %d", i, a.Name, a.SzDecimals)
		}
		assets[a.Name] = i
		var mark decimal.Decimal
		if i < len(ctxs) {
			mark, _ = decimal.NewFromString(ctxs[i].MarkPx)
		}
		step := decimal.New(1, -a.SzDecimals)
		tick := TickAt(mark, a.SzDecimals)
		out = append(out, exchange.SymbolRules{
			Symbol: a.Name, Base: a.Name, Quote: quote, Trading: !a.IsDelisted, Kind: exchange.KindPerpetual, Settle: quote,
			TickSize: tick, StepSize: step, MinQty: step, MarketMinQty: step,
			MinNotional: minNotional, NotionalAppliesToMarket: true,
			PriceDecimals: exchange.DecimalsOf(tick), QtyDecimals: a.SzDecimals,
		})
	}
	c.mu.Lock()
	c.assets = assets
	c.mu.Unlock()
	return out, nil
}

// TickAt is the price step a perp with szDecimals allows near price: five
// significant figures, at most 6 − szDecimals decimals, and never above 1
// (an integer price always passes). The venue's rule is by figures, not a
// fixed tick, so the step is exact only while the price keeps its number
// of integer digits: rules are read again at each start.
func TickAt(price decimal.Decimal, szDecimals int32) decimal.Decimal {
	floor := decimal.New(1, -(6 - szDecimals))
	if !price.IsPositive() {
		return floor
	}
	e := int32(price.NumDigits()) - 1 + price.Exponent() // price = d.ddd × 10^e
	tick := decimal.New(1, e-4)
	if tick.LessThan(floor) {
		tick = floor
	}
	if tick.GreaterThan(decimal.NewFromInt(1)) {
		tick = decimal.NewFromInt(1)
	}
	return tick
}

// Rules returns a perp's rules, read once.
func (c *Client) Rules(ctx context.Context, symbol string) (exchange.SymbolRules, error) {
	return c.instruments.Rules(ctx, symbol)
}

// Symbols lists the perps.
func (c *Client) Symbols(ctx context.Context) ([]string, error) { return c.instruments.Symbols(ctx) }

// asset is a coin's asset id.
func (c *Client) asset(ctx context.Context, coin string) (int, error) {
	if _, err := c.Rules(ctx, coin); err != nil {
		return 0, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	a, ok := c.assets[coin]
	if !ok {
		return 0, unlisted(coin)
	}
	return a, nil
}

// Quote reads the book's best bid and ask (l2Book); the last price is
// their middle: Hyperliquid's book carries no last trade.
func (c *Client) Quote(ctx context.Context, symbol string) (exchange.Quote, error) {
	var book *struct {
		Levels [][]struct {
			Px string `json:"px"`
		} `json:"levels"`
	}
	if err := c.read(ctx, map[string]any{"type": "l2Book", "coin": symbol}, &book, false); err != nil {
		return exchange.Quote{}, err
	}
	if book == nil || len(book.Levels) != 2 || len(book.Levels[0]) == 0 || len(book.Levels[1]) == 0 {
		return exchange.Quote{}, fmt.Errorf("hyperliquid: no book for %q (Hyperliquid names perps by coin: BTC, ETH)", symbol)
	}
	bid, ask := book.Levels[0][0].Px, book.Levels[1][0].Px
	b, err1 := rest.Decimal(bid)
	a, err2 := rest.Decimal(ask)
	if err := errors.Join(err1, err2); err != nil {
		return exchange.Quote{}, fmt.Errorf("hyperliquid: l2Book %s: %w", symbol, err)
	}
	mid := b.Add(a).Div(decimal.NewFromInt(2))
	return rest.QuoteOf(venueName, symbol, rest.Field{Name: "bid", Value: bid}, rest.Field{Name: "ask", Value: ask}, rest.Field{Name: "mid", Value: mid.String()})
}

// LastPrice is the book's middle.
func (c *Client) LastPrice(ctx context.Context, symbol string) (decimal.Decimal, error) {
	q, err := c.Quote(ctx, symbol)
	if err != nil {
		return decimal.Zero, err
	}
	return q.Last, nil
}

type clearinghouse struct {
	MarginSummary struct {
		AccountValue string `json:"accountValue"`
	} `json:"marginSummary"`
	Withdrawable   string `json:"withdrawable"`
	AssetPositions []struct {
		Position struct {
			Coin          string          `json:"coin"`
			Szi           string          `json:"szi"`
			EntryPx       *string         `json:"entryPx"`
			PositionValue string          `json:"positionValue"`
			UnrealizedPnl string          `json:"unrealizedPnl"`
			LiquidationPx *string         `json:"liquidationPx"`
			Leverage      json.RawMessage `json:"leverage"`
		} `json:"position"`
	} `json:"assetPositions"`
	Time int64 `json:"time"`
}

// PerpAsset is the perp account's USDC as a balance: Hyperliquid keeps
// perp margin apart from spot balances.
const PerpAsset = "USDC-PERP"

// Balances reads the spot balances (spotClearinghouseState: total and
// what orders hold) and the perp account's value (clearinghouseState),
// shown as USDC-PERP: free what can be withdrawn, locked the rest.
func (c *Client) Balances(ctx context.Context) ([]exchange.Balance, error) {
	var spot struct {
		Balances []struct {
			Coin  string `json:"coin"`
			Total string `json:"total"`
			Hold  string `json:"hold"`
		} `json:"balances"`
	}
	if err := c.read(ctx, map[string]any{"type": "spotClearinghouseState"}, &spot, true); err != nil {
		return nil, err
	}
	var out []exchange.Balance
	var f nums
	for _, b := range spot.Balances {
		total, hold := f.Decimal(b.Coin+" total", b.Total), f.Decimal(b.Coin+" hold", b.Hold)
		if total.IsZero() {
			continue
		}
		out = append(out, exchange.Balance{Asset: b.Coin, Free: total.Sub(hold), Locked: hold})
	}
	var perp clearinghouse
	if err := c.read(ctx, map[string]any{"type": "clearinghouseState"}, &perp, true); err != nil {
		return nil, err
	}
	value, free := f.Decimal("accountValue", perp.MarginSummary.AccountValue), f.Decimal("withdrawable", perp.Withdrawable)
	if err := f.err(); err != nil {
		return nil, fmt.Errorf("hyperliquid: balances: %w", err)
	}
	if value.IsPositive() {
		out = append(out, exchange.Balance{Asset: PerpAsset, Free: free, Locked: value.Sub(free)})
	}
	slices.SortFunc(out, func(a, b exchange.Balance) int { return strings.Compare(a.Asset, b.Asset) })
	return out, nil
}

// Positions reads the perp positions (clearinghouseState assetPositions).
func (c *Client) Positions(ctx context.Context) ([]exchange.Position, error) {
	var perp clearinghouse
	if err := c.read(ctx, map[string]any{"type": "clearinghouseState"}, &perp, true); err != nil {
		return nil, err
	}
	return c.positions(perp)
}

func (c *Client) positions(perp clearinghouse) ([]exchange.Position, error) {
	out := []exchange.Position{}
	var f nums
	opt := func(name string, s *string) decimal.Decimal {
		if s == nil {
			return decimal.Zero
		}
		return f.Decimal(name, *s)
	}
	for _, ap := range perp.AssetPositions {
		p := ap.Position
		size := f.Decimal("szi", p.Szi)
		if size.IsZero() {
			continue
		}
		var lev struct {
			Value json.Number `json:"value"`
		}
		_ = json.Unmarshal(p.Leverage, &lev)
		leverage, _ := decimal.NewFromString(lev.Value.String())
		out = append(out, exchange.Position{
			Account: c.info.Name, Symbol: p.Coin, Kind: exchange.KindPerpetual, Size: size, Unit: p.Coin,
			Entry: opt("entryPx", p.EntryPx), Liquidation: opt("liquidationPx", p.LiquidationPx),
			PnL: f.Decimal("unrealizedPnl", p.UnrealizedPnl), Settle: quote,
			Notional: f.Decimal("positionValue", p.PositionValue), NotionalIn: quote, Leverage: leverage,
			Time: time.UnixMilli(perp.Time),
		})
		// The venue gives the position's value at the mark, not the mark.
		out[len(out)-1].Mark = out[len(out)-1].Notional.Div(size.Abs())
	}
	if err := f.err(); err != nil {
		return nil, fmt.Errorf("hyperliquid: positions: %w", err)
	}
	return out, nil
}

// orderAction is an order action's JSON, keys in the order the venue
// hashes them (a, b, p, s, r, t, c; then grouping).
func orderAction(asset int, req exchange.OrderRequest, price decimal.Decimal, tif string) []byte {
	b := fmt.Appendf(nil, `{"type":"order","orders":[{"a":%d,"b":%t,"p":%q,"s":%q,"r":false,"t":{"limit":{"tif":%q}}`,
		asset, req.Side == exchange.Buy, price.String(), req.Qty.String(), tif)
	if req.ClientID != "" {
		b = fmt.Appendf(b, `,"c":%q`, strings.ToLower(req.ClientID))
	}
	return append(b, `}],"grouping":"na"}`...)
}

// marketSlippage is how far past the book a market order's limit goes:
// Hyperliquid has no market orders, so one is an IOC limit (the SDK's 5%).
var marketSlippage = decimal.RequireFromString("0.05")

// RoundPrice rounds a price to what the venue takes: five significant
// figures and at most 6 − szDecimals decimals, an integer always.
func RoundPrice(p decimal.Decimal, szDecimals int32) decimal.Decimal {
	if !p.IsPositive() {
		return p
	}
	return p.Round(-TickAt(p, szDecimals).Exponent())
}

// Place sends an order action. A market order is an IOC limit 5% through
// the book's middle.
func (c *Client) Place(ctx context.Context, req exchange.OrderRequest) (exchange.Order, error) {
	// The perp's asset id first: what is wrong with the request is said
	// once the venue is known to answer.
	asset, err := c.asset(ctx, req.Symbol)
	if err != nil {
		return exchange.Order{}, err
	}
	if err := ClientIDPolicy.Check(req.ClientID); err != nil {
		return exchange.Order{}, fmt.Errorf("hyperliquid: %w", err)
	}
	if req.Side != exchange.Buy && req.Side != exchange.Sell {
		return exchange.Order{}, fmt.Errorf("hyperliquid: side %q not supported", req.Side)
	}
	if !req.Qty.IsPositive() {
		return exchange.Order{}, fmt.Errorf("hyperliquid: size %s must be positive", req.Qty)
	}
	r, err := c.Rules(ctx, req.Symbol)
	if err != nil {
		return exchange.Order{}, err
	}
	price, tif := req.Price, ""
	switch req.Type {
	case exchange.LimitOrder:
		if !price.IsPositive() {
			return exchange.Order{}, fmt.Errorf("hyperliquid: limit price %s must be positive", price)
		}
		switch req.TIF {
		case exchange.GTC, "":
			tif = "Gtc"
		case exchange.IOC:
			tif = "Ioc"
		default:
			return exchange.Order{}, fmt.Errorf("hyperliquid: time in force %q not supported (GTC, IOC)", req.TIF)
		}
	case exchange.MarketOrder:
		mid, err := c.LastPrice(ctx, req.Symbol)
		if err != nil {
			return exchange.Order{}, err
		}
		through := decimal.NewFromInt(1).Add(marketSlippage)
		if req.Side == exchange.Sell {
			through = decimal.NewFromInt(1).Sub(marketSlippage)
		}
		price, tif = RoundPrice(mid.Mul(through), r.QtyDecimals), "Ioc"
	default:
		return exchange.Order{}, fmt.Errorf("hyperliquid: order type %q not supported", req.Type)
	}
	var res struct {
		Data struct {
			Statuses []struct {
				Resting *struct {
					Oid uint64 `json:"oid"`
				} `json:"resting"`
				Filled *struct {
					TotalSz string `json:"totalSz"`
					AvgPx   string `json:"avgPx"`
					Oid     uint64 `json:"oid"`
				} `json:"filled"`
			} `json:"statuses"`
		} `json:"data"`
	}
	o := exchange.Order{
		Account: c.info.Name, Symbol: req.Symbol, Side: req.Side, Type: req.Type, TIF: req.TIF,
		Price: req.Price, Qty: req.Qty, Status: exchange.StatusNew, ClientID: req.ClientID,
	}
	err = c.action(ctx, orderAction(asset, req, price, tif), "place", 1, &res)
	var ae *exchange.APIError
	if errors.As(err, &ae) && ae.Code == ErrIocCancel {
		// The venue took the IOC and it matched nothing: what vigil calls
		// an order that expired unfilled (the venue's status for it is
		// iocCancelRejected, and its answer names no oid).
		o.Status, o.Reason = exchange.StatusExpired, ae.Msg
		return o, nil
	}
	if err != nil {
		return exchange.Order{}, err
	}
	if len(res.Data.Statuses) != 1 {
		return o, &exchange.AmbiguousError{Op: "place", Err: fmt.Errorf("hyperliquid: order accepted with %d statuses", len(res.Data.Statuses))}
	}
	switch st := res.Data.Statuses[0]; {
	case st.Resting != nil:
		o.OrderID = strconv.FormatUint(st.Resting.Oid, 10)
	case st.Filled != nil:
		var f rest.Fields
		o.OrderID = strconv.FormatUint(st.Filled.Oid, 10)
		o.Filled = f.Decimal("totalSz", st.Filled.TotalSz)
		o.QuoteFilled = o.Filled.Mul(f.Decimal("avgPx", st.Filled.AvgPx))
		o.Status = exchange.StatusFilled
		if o.Filled.LessThan(o.Qty) {
			o.Status = exchange.StatusExpired // an IOC's rest is cancelled
		}
		if err := f.Order(o); err != nil {
			return o, &exchange.AmbiguousError{Op: "place", Err: err}
		}
	default:
		return o, &exchange.AmbiguousError{Op: "place", Err: errors.New("hyperliquid: order accepted without an oid")}
	}
	return o, nil
}

// Cancel cancels by cloid (cancelByCloid) or by oid (cancel), then reads
// the order back for what it ended as.
func (c *Client) Cancel(ctx context.Context, ref exchange.OrderRef) (exchange.Order, error) {
	asset, err := c.asset(ctx, ref.Symbol)
	if err != nil {
		return exchange.Order{}, err
	}
	var action []byte
	switch {
	case ref.ClientID != "":
		if err := ClientIDPolicy.Check(ref.ClientID); err != nil {
			return exchange.Order{}, fmt.Errorf("hyperliquid: %w", err)
		}
		action = fmt.Appendf(nil, `{"type":"cancelByCloid","cancels":[{"asset":%d,"cloid":%q}]}`, asset, strings.ToLower(ref.ClientID))
	case ref.OrderID != "":
		oid, err := strconv.ParseUint(ref.OrderID, 10, 64)
		if err != nil {
			return exchange.Order{}, fmt.Errorf("hyperliquid: order id %q is not an oid", ref.OrderID)
		}
		action = fmt.Appendf(nil, `{"type":"cancel","cancels":[{"a":%d,"o":%d}]}`, asset, oid)
	default:
		return exchange.Order{}, errors.New("hyperliquid: cancel needs an order id or a client id")
	}
	if err := c.action(ctx, action, "cancel", 1, nil); err != nil {
		return exchange.Order{}, err
	}
	o, err := c.Query(ctx, ref)
	if err != nil {
		return exchange.Order{Account: c.info.Name, Symbol: ref.Symbol, ClientID: ref.ClientID, OrderID: ref.OrderID, Status: exchange.StatusUnknown}, nil
	}
	return o, nil
}

// wireOrder is an order as frontendOpenOrders and orderStatus show it: sz
// is what is left, origSz what was asked.
type wireOrder struct {
	Coin      string `json:"coin"`
	Side      string `json:"side"`
	LimitPx   string `json:"limitPx"`
	Sz        string `json:"sz"`
	Oid       uint64 `json:"oid"`
	Timestamp int64  `json:"timestamp"`
	OrigSz    string `json:"origSz"`
	Cloid     string `json:"cloid"`
	OrderType string `json:"orderType"`
	Tif       string `json:"tif"`
}

// statusOf reads orderStatus's status: open, filled, triggered, and about
// thirty ways to be cancelled or rejected, each named …Canceled or
// …Rejected.
func statusOf(s string, filled bool) exchange.OrderStatus {
	switch {
	case s == "open" || s == "triggered":
		if filled {
			return exchange.StatusPartiallyFilled
		}
		return exchange.StatusNew
	case s == "filled":
		return exchange.StatusFilled
	case s == "iocCancelRejected":
		return exchange.StatusExpired // an IOC that matched nothing (see Place)
	case s == "canceled" || strings.HasSuffix(s, "Canceled"):
		return exchange.StatusCanceled
	case s == "rejected" || strings.HasSuffix(s, "Rejected"):
		return exchange.StatusRejected
	}
	return exchange.StatusUnknown
}

func (c *Client) order(w wireOrder, status string, updated int64) (exchange.Order, error) {
	var f rest.Fields
	qty, left := f.Decimal("origSz", w.OrigSz), f.Decimal("sz", w.Sz)
	o := exchange.Order{
		Account: c.info.Name, Symbol: w.Coin, ClientID: w.Cloid, OrderID: strconv.FormatUint(w.Oid, 10),
		Side: exchange.Buy, Type: exchange.LimitOrder, Price: f.Decimal("limitPx", w.LimitPx),
		Qty: qty, Filled: qty.Sub(left), Created: time.UnixMilli(w.Timestamp), Updated: time.UnixMilli(updated),
	}
	if w.Side == "A" {
		o.Side = exchange.Sell
	}
	switch w.Tif {
	case "Ioc":
		o.TIF = exchange.IOC
	default:
		o.TIF = exchange.GTC // Gtc, and Alo (post-only) which rests like it
	}
	if updated == 0 {
		o.Updated = o.Created
	}
	o.Status = statusOf(status, o.Filled.IsPositive())
	if err := f.Order(o); err != nil {
		return o, fmt.Errorf("hyperliquid: order %d: %w", w.Oid, err)
	}
	return o, nil
}

// Query reads orderStatus by oid or by cloid; a partly filled order's
// quote amount comes from the account's fills.
func (c *Client) Query(ctx context.Context, ref exchange.OrderRef) (exchange.Order, error) {
	var oid any
	switch {
	case ref.OrderID != "":
		n, err := strconv.ParseUint(ref.OrderID, 10, 64)
		if err != nil {
			return exchange.Order{}, fmt.Errorf("hyperliquid: order id %q is not an oid", ref.OrderID)
		}
		oid = n
	case ref.ClientID != "":
		if ClientIDPolicy.Check(ref.ClientID) != nil {
			return exchange.Order{}, exchange.ErrOrderNotFound // not a cloid: never sent as one
		}
		oid = strings.ToLower(ref.ClientID)
	default:
		return exchange.Order{}, errors.New("hyperliquid: query needs an order id or a client id")
	}
	var res struct {
		Status string `json:"status"`
		Order  *struct {
			Order           wireOrder `json:"order"`
			Status          string    `json:"status"`
			StatusTimestamp int64     `json:"statusTimestamp"`
		} `json:"order"`
	}
	if err := c.read(ctx, map[string]any{"type": "orderStatus", "oid": oid}, &res, true); err != nil {
		return exchange.Order{}, err
	}
	if res.Status != "order" || res.Order == nil {
		return exchange.Order{}, exchange.ErrOrderNotFound
	}
	o, err := c.order(res.Order.Order, res.Order.Status, res.Order.StatusTimestamp)
	if err != nil {
		return o, err
	}
	if err := c.withQuote(ctx, []*exchange.Order{&o}); err != nil {
		return o, err
	}
	return o, nil
}

// withQuote fills in what the filled part of each order cost, from the
// account's fills: Hyperliquid's order records carry no average price.
func (c *Client) withQuote(ctx context.Context, os []*exchange.Order) error {
	if !slices.ContainsFunc(os, func(o *exchange.Order) bool { return o.Filled.IsPositive() }) {
		return nil
	}
	var fills []struct {
		Px  string `json:"px"`
		Sz  string `json:"sz"`
		Oid uint64 `json:"oid"`
	}
	if err := c.read(ctx, map[string]any{"type": "userFills"}, &fills, true); err != nil {
		return err
	}
	var f nums
	sum := map[string]decimal.Decimal{}
	for _, x := range fills {
		id := strconv.FormatUint(x.Oid, 10)
		sum[id] = sum[id].Add(f.Decimal("px", x.Px).Mul(f.Decimal("sz", x.Sz)))
	}
	if err := f.err(); err != nil {
		return fmt.Errorf("hyperliquid: userFills: %w", err)
	}
	for _, o := range os {
		if o.Filled.IsPositive() {
			o.QuoteFilled = sum[o.OrderID]
		}
	}
	return nil
}

// OpenOrders reads frontendOpenOrders, keeping symbol's when one is named.
func (c *Client) OpenOrders(ctx context.Context, symbol string) ([]exchange.Order, error) {
	var list []wireOrder
	if err := c.read(ctx, map[string]any{"type": "frontendOpenOrders"}, &list, true); err != nil {
		return nil, err
	}
	out := make([]exchange.Order, 0, len(list))
	for _, w := range list {
		if symbol != "" && w.Coin != symbol {
			continue
		}
		o, err := c.order(w, "open", 0)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	ptrs := make([]*exchange.Order, len(out))
	for i := range out {
		ptrs[i] = &out[i]
	}
	if err := c.withQuote(ctx, ptrs); err != nil {
		return nil, err
	}
	return out, nil
}
