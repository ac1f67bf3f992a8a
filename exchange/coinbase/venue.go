package coinbase

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/rest"
)

// ClientIDPolicy is Coinbase's client_order_id: required on every order,
// and idempotent (an id Coinbase has seen returns that order, placing
// nothing). Its form is not documented; vigil sends UUIDs, as ccxt does.
var ClientIDPolicy = exchange.ClientIDPolicy{Field: "client_order_id", Make: exchange.FormUUID, MaxLen: 64, Extra: "-_",
	Also: exchange.Of(exchange.FormUUID)}

// keyPermissions is GET /key_permissions.
type keyPermissions struct {
	CanView       *bool  `json:"can_view"`
	CanTrade      *bool  `json:"can_trade"`
	CanTransfer   *bool  `json:"can_transfer"`
	CanReceive    *bool  `json:"can_receive"`
	PortfolioUUID string `json:"portfolio_uuid"`
	PortfolioType string `json:"portfolio_type"`
}

func tri(b *bool) exchange.Tri {
	if b == nil {
		return exchange.TriUnknown
	}
	return exchange.TriOf(*b)
}

// KeyInfo reads GET /key_permissions: view, trade, transfer (deposits and
// withdrawals: a red flag for a bot's key) and the portfolio the key is
// bound to. Coinbase shows no IP allow-list, creation or expiry there: the
// CDP portal has them.
func (c *Client) KeyInfo(ctx context.Context) (exchange.KeyInfo, error) {
	var k keyPermissions
	r := c.get("/key_permissions")
	r.cost = c.rates.private(exchange.Background)
	if err := c.do(ctx, r, &k); err != nil {
		return exchange.KeyInfo{}, err
	}
	if k.CanView == nil && k.CanTrade == nil {
		return exchange.KeyInfo{}, errors.New("coinbase: key_permissions: no can_view or can_trade")
	}
	ki := exchange.KeyInfo{
		Read: tri(k.CanView), Trade: tri(k.CanTrade), Withdraw: tri(k.CanTransfer),
		Source:     "key_permissions can_view+can_trade+can_transfer",
		CheckedAt:  c.now(),
		AccountUID: k.PortfolioUUID,
		Notes:      []string{"IP allow-list, creation and expiry are not readable over the API (see the CDP portal)"},
	}
	if k.PortfolioType != "" || k.PortfolioUUID != "" {
		ki.Notes = append(ki.Notes, fmt.Sprintf("portfolio %s (%s)", rest.MaskKey(k.PortfolioUUID), strings.ToLower(k.PortfolioType)))
	}
	if ki.Withdraw == exchange.TriYes {
		ki.Notes = append(ki.Notes, "can_transfer: this key can move funds out (TRANSFER): make a key with View and Trade only")
	}
	if c.key == nil && c.legacy != nil {
		ki.Notes = append(ki.Notes, "legacy HMAC key: deprecated, no longer issued; move to a CDP key (ES256)")
	}
	return ki, nil
}

type money struct {
	Value    string `json:"value"`
	Currency string `json:"currency"`
}

type accountsReply struct {
	Accounts []struct {
		UUID      string `json:"uuid"`
		Currency  string `json:"currency"`
		Available money  `json:"available_balance"`
		Hold      money  `json:"hold"`
	} `json:"accounts"`
	HasNext bool   `json:"has_next"`
	Cursor  string `json:"cursor"`
}

// maxPages bounds a paginated read: 250 a page makes thousands, beyond
// any account's wallets or a day's orders.
const maxPages = 20

// Balances reads GET /accounts, one wallet per currency: available is
// free, hold is what open orders lock. Coinbase pushes no balances: they
// are polled.
func (c *Client) Balances(ctx context.Context) ([]exchange.Balance, error) {
	var out []exchange.Balance
	cursor := ""
	for range maxPages {
		var res accountsReply
		r := c.get("/accounts")
		r.query.Add("limit", "250")
		if cursor != "" {
			r.query.Add("cursor", cursor)
		}
		if err := c.do(ctx, r, &res); err != nil {
			return nil, err
		}
		for _, a := range res.Accounts {
			free, ferr := rest.Decimal(a.Available.Value)
			held, herr := rest.Decimal(a.Hold.Value)
			b := exchange.Balance{Asset: a.Currency, Free: free, Locked: held}
			if err := errors.Join(ferr, herr, checkBalance(b)); err != nil {
				return nil, fmt.Errorf("coinbase: account %s: %w", a.Currency, err)
			}
			out = append(out, b)
		}
		if !res.HasNext || res.Cursor == "" {
			return out, nil
		}
		cursor = res.Cursor
	}
	return nil, errors.New("coinbase: accounts: more pages than vigil reads")
}

func checkBalance(b exchange.Balance) error {
	if b.Asset == "" {
		return errors.New("no currency")
	}
	if b.Free.IsNegative() || b.Locked.IsNegative() {
		return fmt.Errorf("negative balance %s/%s", b.Free, b.Locked)
	}
	return nil
}

// product is an entry of GET /market/products.
type product struct {
	ProductID       string `json:"product_id"`
	BaseCurrency    string `json:"base_currency_id"`
	QuoteCurrency   string `json:"quote_currency_id"`
	BaseIncrement   string `json:"base_increment"`
	QuoteIncrement  string `json:"quote_increment"`
	PriceIncrement  string `json:"price_increment"`
	BaseMinSize     string `json:"base_min_size"`
	BaseMaxSize     string `json:"base_max_size"`
	QuoteMinSize    string `json:"quote_min_size"`
	QuoteMaxSize    string `json:"quote_max_size"`
	Status          string `json:"status"`
	TradingDisabled bool   `json:"trading_disabled"`
	IsDisabled      bool   `json:"is_disabled"`
	CancelOnly      bool   `json:"cancel_only"`
	LimitOnly       bool   `json:"limit_only"`
	PostOnly        bool   `json:"post_only"`
	ProductType     string `json:"product_type"`
	Price           string `json:"price"`
}

func (p product) rules() (exchange.SymbolRules, error) {
	var f rest.Fields
	tickText := p.PriceIncrement
	if tickText == "" {
		tickText = p.QuoteIncrement
	}
	r := exchange.SymbolRules{
		Symbol: p.ProductID, Base: p.BaseCurrency, Quote: p.QuoteCurrency, Kind: exchange.KindSpot,
		Trading:  strings.EqualFold(p.Status, "online") && !p.TradingDisabled && !p.IsDisabled && !p.CancelOnly,
		TickSize: f.Decimal("price_increment", tickText),
		StepSize: f.Decimal("base_increment", p.BaseIncrement),
		MinQty:   f.Decimal("base_min_size", p.BaseMinSize),
		MaxQty:   f.Decimal("base_max_size", p.BaseMaxSize),
		// Market orders by size share the limits.
		MarketMinQty:            f.Decimal("base_min_size", p.BaseMinSize),
		MarketMaxQty:            f.Decimal("base_max_size", p.BaseMaxSize),
		MinNotional:             f.Decimal("quote_min_size", p.QuoteMinSize),
		MaxNotional:             f.Decimal("quote_max_size", p.QuoteMaxSize),
		NotionalAppliesToMarket: true,
	}
	if r.Base == "" || r.Quote == "" {
		base, quote, _ := strings.Cut(p.ProductID, "-")
		r.Base, r.Quote = base, quote
	}
	r.PriceDecimals, r.QtyDecimals = exchange.DecimalsOf(r.TickSize), exchange.DecimalsOf(r.StepSize)
	if err := f.Rules(&r); err != nil {
		return r, fmt.Errorf("coinbase: product %s: %w", p.ProductID, err)
	}
	return r, nil
}

// loadRules reads GET /market/products?product_type=SPOT (public).
func (c *Client) loadRules(ctx context.Context) ([]exchange.SymbolRules, error) {
	var res struct {
		Products []product `json:"products"`
	}
	r := c.public("/market/products")
	r.query.Add("product_type", "SPOT")
	r.cost.Priority = exchange.Interactive
	if err := c.do(ctx, r, &res); err != nil {
		return nil, err
	}
	if res.Products == nil {
		return nil, errors.New("coinbase: products: no product list")
	}
	return rest.RulesOf(res.Products, product.rules)
}

func unlisted(symbol string) error {
	return fmt.Errorf("coinbase: no product %q: Coinbase spells products BASE-QUOTE (BTC-USD, BTC-USDC)", symbol)
}

// Rules is symbol's rules from the product list, cached.
func (c *Client) Rules(ctx context.Context, symbol string) (exchange.SymbolRules, error) {
	return c.instruments.Rules(ctx, symbol)
}

// Symbols lists the spot products.
func (c *Client) Symbols(ctx context.Context) ([]string, error) { return c.instruments.Symbols(ctx) }

// Quote reads GET /market/products/{id}/ticker: best bid and ask, and the
// latest trade's price.
func (c *Client) Quote(ctx context.Context, symbol string) (exchange.Quote, error) {
	var res struct {
		Trades []struct {
			Price string `json:"price"`
		} `json:"trades"`
		BestBid string `json:"best_bid"`
		BestAsk string `json:"best_ask"`
	}
	r := c.public("/market/products/" + url.PathEscape(symbol) + "/ticker")
	r.query.Add("limit", "1")
	r.cost.Priority = exchange.Interactive
	if err := c.do(ctx, r, &res); err != nil {
		return exchange.Quote{}, err
	}
	last := ""
	if len(res.Trades) > 0 {
		last = res.Trades[0].Price
	}
	return rest.QuoteOf(venueName, symbol, rest.Field{Name: "best_bid", Value: res.BestBid}, rest.Field{Name: "best_ask", Value: res.BestAsk}, rest.Field{Name: "trades[0].price", Value: last})
}

// LastPrice is the latest trade's price.
func (c *Client) LastPrice(ctx context.Context, symbol string) (decimal.Decimal, error) {
	q, err := c.Quote(ctx, symbol)
	if err != nil {
		return decimal.Zero, err
	}
	if !q.Last.IsPositive() {
		return decimal.Zero, fmt.Errorf("coinbase: no last price for %s", symbol)
	}
	return q.Last, nil
}

// timeOf reads Coinbase's RFC 3339 times; zero for its "0001-01-01".
func timeOf(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || t.Year() < 2000 {
		return time.Time{}
	}
	return t
}
