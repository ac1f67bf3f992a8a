package binance

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
)

var (
	epExchangeInfo = endpoint{method: http.MethodGet, path: "/api/v3/exchangeInfo", weight: 20, prio: exchange.Interactive}
	epTickerPrice  = endpoint{method: http.MethodGet, path: "/api/v3/ticker/price", weight: 2, prio: exchange.Interactive}
	epBookTicker   = endpoint{method: http.MethodGet, path: "/api/v3/ticker/bookTicker", weight: 2, prio: exchange.Interactive}
)

type exchangeInfoResp struct {
	RateLimits []rateLimitResp `json:"rateLimits"`
	Symbols    []symbolResp    `json:"symbols"`
}

type rateLimitResp struct {
	RateLimitType string `json:"rateLimitType"`
	Interval      string `json:"interval"`
	IntervalNum   int    `json:"intervalNum"`
	Limit         int    `json:"limit"`
}

type symbolResp struct {
	Symbol              string       `json:"symbol"`
	Status              string       `json:"status"`
	BaseAsset           string       `json:"baseAsset"`
	QuoteAsset          string       `json:"quoteAsset"`
	BaseAssetPrecision  int32        `json:"baseAssetPrecision"`
	QuoteAssetPrecision int32        `json:"quoteAssetPrecision"`
	Filters             []filterResp `json:"filters"`
}

// filterResp is the union of the filters vigil reads; absent fields decode
// as zero, which Binance also uses for "disabled".
type filterResp struct {
	FilterType       string          `json:"filterType"`
	MinPrice         decimal.Decimal `json:"minPrice"`
	MaxPrice         decimal.Decimal `json:"maxPrice"`
	TickSize         decimal.Decimal `json:"tickSize"`
	MinQty           decimal.Decimal `json:"minQty"`
	MaxQty           decimal.Decimal `json:"maxQty"`
	StepSize         decimal.Decimal `json:"stepSize"`
	MinNotional      decimal.Decimal `json:"minNotional"`
	MaxNotional      decimal.Decimal `json:"maxNotional"`
	ApplyMinToMarket bool            `json:"applyMinToMarket"`
	ApplyToMarket    bool            `json:"applyToMarket"`
}

// loadInfo fetches exchangeInfo once and caches rules and limits. Concurrent
// first callers may both fetch; the second result simply replaces the first.
func (c *Client) loadInfo(ctx context.Context) error {
	if c.book.Loaded() {
		return nil
	}
	var out exchangeInfoResp
	if err := c.do(ctx, &call{ep: epExchangeInfo, out: &out, ec: c.errCtx()}); err != nil {
		return err
	}
	rules := make([]exchange.SymbolRules, 0, len(out.Symbols))
	for _, s := range out.Symbols {
		r := parseSymbol(s)
		// Negative steps or crossed bounds would round and guard orders
		// wrongly: such a symbol is left unlisted, so nothing trades it.
		if err := exchange.CheckRules(r); err != nil {
			c.log.Warn("exchangeInfo: symbol left out", "symbol", r.Symbol, "err", err)
			continue
		}
		rules = append(rules, r)
	}
	if c.limits == nil {
		if l := parseLimits(out.RateLimits); len(l) > 0 {
			c.budget.SetLimits(l...)
			c.setCounters(l)
		}
	}
	c.book.Set(rules)
	return nil
}

// RefreshRules drops the cached exchangeInfo; the next call fetches it.
func (c *Client) RefreshRules() {
	c.book.Reset()
}

func parseSymbol(s symbolResp) exchange.SymbolRules {
	r := exchange.SymbolRules{
		Symbol:  s.Symbol,
		Base:    s.BaseAsset,
		Quote:   s.QuoteAsset,
		Trading: s.Status == "TRADING",
		Kind:    exchange.KindSpot,
	}
	for _, f := range s.Filters {
		switch f.FilterType {
		case "PRICE_FILTER":
			r.MinPrice, r.MaxPrice, r.TickSize = f.MinPrice, f.MaxPrice, f.TickSize
		case "LOT_SIZE":
			r.MinQty, r.MaxQty, r.StepSize = f.MinQty, f.MaxQty, f.StepSize
		case "MARKET_LOT_SIZE":
			r.MarketMinQty, r.MarketMaxQty, r.MarketStep = f.MinQty, f.MaxQty, f.StepSize
		case "NOTIONAL":
			r.MinNotional, r.MaxNotional = f.MinNotional, f.MaxNotional
			r.NotionalAppliesToMarket = f.ApplyMinToMarket
		case "MIN_NOTIONAL":
			// Legacy filter: NOTIONAL supersedes it when both are present.
			if r.MinNotional.IsZero() {
				r.MinNotional = f.MinNotional
				r.NotionalAppliesToMarket = f.ApplyToMarket
			}
		}
	}
	r.PriceDecimals = s.QuoteAssetPrecision
	if r.TickSize.IsPositive() {
		r.PriceDecimals = exchange.DecimalsOf(r.TickSize)
	}
	r.QtyDecimals = s.BaseAssetPrecision
	if r.StepSize.IsPositive() {
		r.QtyDecimals = exchange.DecimalsOf(r.StepSize)
	}
	return r
}

// parseLimits names buckets as the response headers do, so Observe matches:
// REQUEST_WEIGHT 1 MINUTE is "weight/1m" like X-MBX-USED-WEIGHT-1M.
func parseLimits(in []rateLimitResp) []exchange.Limit {
	var out []exchange.Limit
	for _, l := range in {
		unit, letter := time.Duration(0), ""
		switch l.Interval {
		case "SECOND":
			unit, letter = time.Second, "s"
		case "MINUTE":
			unit, letter = time.Minute, "m"
		case "HOUR":
			unit, letter = time.Hour, "h"
		case "DAY":
			unit, letter = 24*time.Hour, "d"
		default:
			continue
		}
		var kind exchange.LimitKind
		var prefix string
		switch l.RateLimitType {
		case "REQUEST_WEIGHT":
			kind, prefix = exchange.LimitWeight, "weight/"
		case "ORDERS":
			kind, prefix = exchange.LimitOrders, "orders/"
		case "RAW_REQUESTS":
			kind, prefix = exchange.LimitRaw, "raw/"
		default:
			continue
		}
		if l.IntervalNum <= 0 || l.Limit <= 0 {
			continue
		}
		out = append(out, exchange.Limit{
			Name:   prefix + strconv.Itoa(l.IntervalNum) + letter,
			Kind:   kind,
			Limit:  l.Limit,
			Window: time.Duration(l.IntervalNum) * unit,
		})
	}
	return out
}

// Rules returns a symbol's rules from the cached exchangeInfo.
func (c *Client) Rules(ctx context.Context, symbol string) (exchange.SymbolRules, error) {
	if err := c.loadInfo(ctx); err != nil {
		return exchange.SymbolRules{}, err
	}
	r, ok := c.book.Get(strings.ToUpper(symbol))
	if !ok {
		return exchange.SymbolRules{}, fmt.Errorf("binance: %s does not list symbol %q", c.info.Network, symbol)
	}
	return r, nil
}

// cachedRules returns rules without I/O, for error advice.
func (c *Client) cachedRules(symbol string) *exchange.SymbolRules {
	if r, ok := c.book.Get(symbol); ok {
		return &r
	}
	return nil
}

// Symbols lists trading symbols in exchangeInfo's order.
func (c *Client) Symbols(ctx context.Context) ([]string, error) {
	if err := c.loadInfo(ctx); err != nil {
		return nil, err
	}
	return c.book.Symbols(), nil
}

// LastPrice is the last trade price of symbol.
func (c *Client) LastPrice(ctx context.Context, symbol string) (decimal.Decimal, error) {
	var p params
	p.add("symbol", symbol)
	var out struct {
		Price decimal.Decimal `json:"price"`
	}
	if err := c.do(ctx, &call{ep: epTickerPrice, p: p, out: &out, ec: c.errCtx()}); err != nil {
		return decimal.Decimal{}, err
	}
	if !out.Price.IsPositive() {
		return decimal.Decimal{}, fmt.Errorf("binance %s: no price for %s", epTickerPrice.name(), symbol)
	}
	return out.Price, nil
}

// bookTickerResp is GET /api/v3/ticker/bookTicker for one symbol.
type bookTickerResp struct {
	Symbol   string          `json:"symbol"`
	BidPrice decimal.Decimal `json:"bidPrice"`
	AskPrice decimal.Decimal `json:"askPrice"`
}

// Quote is the best bid and ask (GET /api/v3/ticker/bookTicker) and the
// last trade price (GET /api/v3/ticker/price): Binance has no one cheap
// request for all three.
func (c *Client) Quote(ctx context.Context, symbol string) (exchange.Quote, error) {
	var p params
	p.add("symbol", symbol)
	var out bookTickerResp
	if err := c.do(ctx, &call{ep: epBookTicker, p: p, out: &out, ec: c.errCtx()}); err != nil {
		return exchange.Quote{}, err
	}
	q, err := quoteOf(symbol, out)
	if err != nil {
		return exchange.Quote{}, err
	}
	if q.Last, err = c.LastPrice(ctx, symbol); err != nil {
		return exchange.Quote{}, err
	}
	return q, nil
}

// quoteOf checks a bookTicker reply: a side may be empty (zero), never
// negative or crossed.
func quoteOf(symbol string, r bookTickerResp) (exchange.Quote, error) {
	if r.BidPrice.IsNegative() || r.AskPrice.IsNegative() ||
		(r.BidPrice.IsPositive() && r.AskPrice.IsPositive() && r.BidPrice.GreaterThan(r.AskPrice)) {
		return exchange.Quote{}, fmt.Errorf("binance %s: bad book for %s: bid %s ask %s", epBookTicker.name(), symbol, r.BidPrice, r.AskPrice)
	}
	return exchange.Quote{Symbol: symbol, Bid: r.BidPrice, Ask: r.AskPrice}, nil
}
