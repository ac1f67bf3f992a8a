package kraken

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/rest"
)

// assetNames are Kraken's legacy asset codes (X for crypto, Z for fiat,
// XBT for Bitcoin) as vigil and the WS v2 API spell them.
var assetNames = map[string]string{
	"XXBT": "BTC", "XBT": "BTC", "XETH": "ETH", "XXDG": "DOGE", "XDG": "DOGE", "XLTC": "LTC",
	"XXRP": "XRP", "XXLM": "XLM", "XETC": "ETC", "XZEC": "ZEC", "XXMR": "XMR", "XMLN": "MLN", "XREP": "REP",
	"ZUSD": "USD", "ZEUR": "EUR", "ZGBP": "GBP", "ZJPY": "JPY", "ZCAD": "CAD", "ZAUD": "AUD", "ZCHF": "CHF",
}

// Asset is a Kraken asset code as vigil spells it ("XXBT" → "BTC").
func Asset(code string) string {
	if n, ok := assetNames[code]; ok {
		return n
	}
	return code
}

// KrakenAsset is the code Kraken's REST API uses for a vigil asset name.
func KrakenAsset(name string) string {
	for k, v := range assetNames {
		if v == name && len(k) == 4 {
			return k
		}
	}
	return name
}

// pairBook maps a pair as the stream names it ("BTC/USDT") to its REST
// altname ("XBTUSDT"), vigil's spelling of the symbol.
type pairBook struct {
	mu   sync.RWMutex
	byWS map[string]string
}

func (b *pairBook) set(m map[string]string) {
	b.mu.Lock()
	b.byWS = m
	b.mu.Unlock()
}

func (b *pairBook) altname(ws string) string {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if a, ok := b.byWS[ws]; ok {
		return a
	}
	return strings.ReplaceAll(ws, "/", "")
}

type wirePair struct {
	Altname      string `json:"altname"`
	Wsname       string `json:"wsname"`
	Base         string `json:"base"`
	Quote        string `json:"quote"`
	PairDecimals int32  `json:"pair_decimals"`
	LotDecimals  int32  `json:"lot_decimals"`
	CostDecimals int32  `json:"cost_decimals"`
	Ordermin     string `json:"ordermin"`
	Costmin      string `json:"costmin"`
	TickSize     string `json:"tick_size"`
	Status       string `json:"status"`
}

func (w wirePair) rules() (exchange.SymbolRules, error) {
	var f rest.Fields
	tick := w.TickSize
	if tick == "" {
		tick = decimal.New(1, -w.PairDecimals).String()
	}
	r := exchange.SymbolRules{
		Symbol:      w.Altname,
		Base:        Asset(w.Base),
		Quote:       Asset(w.Quote),
		Trading:     w.Status == "online",
		Kind:        exchange.KindSpot,
		TickSize:    f.Decimal("tick_size", tick),
		StepSize:    decimal.New(1, -w.LotDecimals),
		MinQty:      f.Decimal("ordermin", w.Ordermin),
		MinNotional: f.Decimal("costmin", w.Costmin),
		// Kraken checks ordermin and costmin on market orders too.
		MarketMinQty:            f.Decimal("ordermin", w.Ordermin),
		NotionalAppliesToMarket: true,
	}
	if err := f.Rules(&r); err != nil {
		return r, fmt.Errorf("kraken: pair %s: %w", w.Altname, err)
	}
	return r, nil
}

// wsName is the pair as the WS v2 API names it.
func (w wirePair) wsName() string { return Asset(w.Base) + "/" + Asset(w.Quote) }

// loadRules reads every pair from GET /0/public/AssetPairs.
func (c *Client) loadRules(ctx context.Context) ([]exchange.SymbolRules, error) {
	var res map[string]wirePair
	r := get("/0/public/AssetPairs")
	r.cost = c.rates.public()
	if err := c.do(ctx, r, &res); err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(res))
	for k := range res {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	list := make([]wirePair, 0, len(keys))
	ws := make(map[string]string, len(keys))
	for _, k := range keys {
		p := res[k]
		if p.Altname == "" {
			p.Altname = k
		}
		if strings.HasSuffix(p.Altname, ".d") {
			continue // dark pools
		}
		list = append(list, p)
		ws[p.wsName()] = p.Altname
	}
	c.pairs.set(ws)
	return rest.RulesOf(list, wirePair.rules)
}

func unlisted(symbol string) error {
	return fmt.Errorf("kraken: no pair %q (Kraken spells pairs by their altname, Bitcoin as XBT: XBTUSDT)", symbol)
}

// Rules returns a pair's rules; symbols are altnames (XBTUSDT).
func (c *Client) Rules(ctx context.Context, symbol string) (exchange.SymbolRules, error) {
	return c.instruments.Rules(ctx, symbol)
}

// Symbols lists the pairs.
func (c *Client) Symbols(ctx context.Context) ([]string, error) { return c.instruments.Symbols(ctx) }
