package binance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/rest"
)

// syncSamples is how many /api/v3/time probes one SyncClock takes: enough
// for the estimator to discard a slow round trip, cheap at weight 1 each.
const syncSamples = 5

var (
	epTime            = endpoint{method: http.MethodGet, path: "/api/v3/time", weight: 1, prio: exchange.Interactive}
	epAccount         = endpoint{method: http.MethodGet, path: "/api/v3/account", signed: true, weight: 20, prio: exchange.Interactive}
	epAPIRestrictions = endpoint{method: http.MethodGet, path: "/sapi/v1/account/apiRestrictions", signed: true, weight: 1, prio: exchange.Interactive}
	// order/test is validated like an order but never reaches the matching
	// engine, and does not count toward the order limits.
	epOrderTest = endpoint{method: http.MethodPost, path: "/api/v3/order/test", signed: true, weight: 1, prio: exchange.Interactive}
)

// SyncClock samples GET /api/v3/time and feeds the estimator.
func (c *Client) SyncClock(ctx context.Context) error {
	err := c.clock.Sync(ctx, syncSamples, c.serverTime)
	if err != nil {
		return fmt.Errorf("binance: clock sync: %w", err)
	}
	return nil
}

func (c *Client) serverTime(ctx context.Context) (time.Time, error) {
	var out struct {
		ServerTime int64 `json:"serverTime"`
	}
	if err := c.do(ctx, &call{ep: epTime, out: &out}); err != nil {
		return time.Time{}, err
	}
	if out.ServerTime <= 0 {
		return time.Time{}, fmt.Errorf("binance %s: no serverTime in response", epTime.name())
	}
	return time.UnixMilli(out.ServerTime), nil
}

type accountResp struct {
	CanTrade    bool          `json:"canTrade"`
	CanWithdraw bool          `json:"canWithdraw"`
	CanDeposit  bool          `json:"canDeposit"`
	AccountType string        `json:"accountType"`
	Permissions []string      `json:"permissions"`
	UID         json.Number   `json:"uid"`
	Balances    []balanceResp `json:"balances"`
}

type balanceResp struct {
	Asset  string          `json:"asset"`
	Free   decimal.Decimal `json:"free"`
	Locked decimal.Decimal `json:"locked"`
}

// balancesResp is the part of the account Balances reads; the fields it
// leaves out are skipped, not decoded. It decodes with DecodeFast when it
// can. Its elements are exchange.Balance itself, which encoding/json fills
// from "asset", "free" and "locked" by its case-insensitive field match, so
// Balances filters in place instead of copying;
// TestBalanceFieldsAreTheWireFields keeps the two shapes the same.
type balancesResp struct {
	Balances []exchange.Balance `json:"balances"`
}

// accountQuery is shared by every account call: the request path copies
// the query into its own buffer and never writes to it. The cap is clamped
// so an append could never write into it either.
var accountQuery = func() []byte {
	var p params
	p.add("omitZeroBalances", "true")
	return slices.Clip(p.bytes())
}()

func accountParams() params { return params{rest.ParamsOf(accountQuery)} }

func (c *Client) account(ctx context.Context) (accountResp, error) {
	var out accountResp
	err := c.do(ctx, &call{ep: epAccount, p: accountParams(), out: &out, ec: c.errCtx()})
	return out, err
}

// Balances lists non-zero balances.
func (c *Client) Balances(ctx context.Context) ([]exchange.Balance, error) {
	var a balancesResp
	if err := c.do(ctx, &call{ep: epAccount, p: accountParams(), out: &a, ec: c.errCtx()}); err != nil {
		return nil, err
	}
	out := a.Balances[:0]
	for _, b := range a.Balances {
		if b.Free.IsZero() && b.Locked.IsZero() {
			continue
		}
		out = append(out, b)
	}
	if out == nil {
		out = []exchange.Balance{}
	}
	return out, nil
}

type apiRestrictions struct {
	IPRestrict                     bool  `json:"ipRestrict"`
	CreateTime                     int64 `json:"createTime"`
	EnableReading                  bool  `json:"enableReading"`
	EnableSpotAndMarginTrading     bool  `json:"enableSpotAndMarginTrading"`
	EnableWithdrawals              bool  `json:"enableWithdrawals"`
	TradingAuthorityExpirationTime int64 `json:"tradingAuthorityExpirationTime"`
}

// KeyInfo audits the key. Mainnet reads apiRestrictions; the testnet has no
// /sapi, so it reads the account flags and probes trading with order/test,
// which Binance validates but never sends to the book.
func (c *Client) KeyInfo(ctx context.Context) (exchange.KeyInfo, error) {
	acct, err := c.account(ctx)
	if err != nil {
		return exchange.KeyInfo{}, err
	}
	ki := exchange.KeyInfo{Read: exchange.TriYes, CheckedAt: c.now(), AccountUID: acct.UID.String()}
	if c.info.Network == exchange.Mainnet {
		return c.auditMainnet(ctx, ki, acct)
	}
	return c.auditTestnet(ctx, ki, acct)
}

func (c *Client) auditMainnet(ctx context.Context, ki exchange.KeyInfo, acct accountResp) (exchange.KeyInfo, error) {
	var r apiRestrictions
	if err := c.do(ctx, &call{ep: epAPIRestrictions, out: &r, ec: c.errCtx()}); err != nil {
		return exchange.KeyInfo{}, err
	}
	ki.Source = "apiRestrictions + account flags"
	ki.Read = exchange.TriOf(r.EnableReading)
	ki.Trade = exchange.TriOf(r.EnableSpotAndMarginTrading)
	ki.Withdraw = exchange.TriOf(r.EnableWithdrawals)
	ki.IPBound = exchange.TriOf(r.IPRestrict)
	if r.CreateTime > 0 {
		ki.Created = time.UnixMilli(r.CreateTime)
	}
	if r.TradingAuthorityExpirationTime > 0 {
		ki.Expires = time.UnixMilli(r.TradingAuthorityExpirationTime)
	}
	if r.IPRestrict {
		ki.Notes = append(ki.Notes, "the key is bound to IP addresses; Binance does not list them through apiRestrictions")
	}
	if r.EnableSpotAndMarginTrading && !acct.CanTrade {
		ki.Notes = append(ki.Notes, "the key may trade but the account has trading disabled (canTrade=false)")
	}
	return ki, nil
}

func (c *Client) auditTestnet(ctx context.Context, ki exchange.KeyInfo, acct accountResp) (exchange.KeyInfo, error) {
	ki.Source = "account flags + order/test probe"
	ki.Notes = append(ki.Notes,
		"IP binding cannot be read on the testnet (no /sapi/v1/account/apiRestrictions)",
		"expiry cannot be read on the testnet (no /sapi/v1/account/apiRestrictions)")
	if acct.CanWithdraw {
		ki.Withdraw = exchange.TriUnknown
		ki.Notes = append(ki.Notes, "the account may withdraw; the key's own withdraw permission cannot be read on the testnet")
	} else {
		ki.Withdraw = exchange.TriNo
	}
	if !acct.CanTrade {
		ki.Trade = exchange.TriNo
		ki.Notes = append(ki.Notes, "the account has trading disabled (canTrade=false)")
		return ki, nil
	}
	trade, note, err := c.probeTrade(ctx)
	if err != nil {
		return exchange.KeyInfo{}, err
	}
	ki.Trade = trade
	if note != "" {
		ki.Notes = append(ki.Notes, note)
	}
	return ki, nil
}

// probeTrade sends a minimal valid LIMIT buy to order/test: `{}` means the
// key may trade from this IP; -2015 means it may not.
func (c *Client) probeTrade(ctx context.Context) (exchange.Tri, string, error) {
	r, err := c.probeSymbol(ctx)
	if err != nil {
		return exchange.TriUnknown, "", err
	}
	last, err := c.LastPrice(ctx, r.Symbol)
	if err != nil {
		return exchange.TriUnknown, "", err
	}
	price, qty := probeOrder(r, last)
	var p params
	p.add("symbol", r.Symbol)
	p.add("side", string(exchange.Buy))
	p.add("type", string(exchange.LimitOrder))
	p.add("timeInForce", string(exchange.GTC))
	p.add("quantity", r.FormatQty(qty))
	p.add("price", r.FormatPrice(price))
	req := exchange.OrderRequest{Symbol: r.Symbol, Side: exchange.Buy, Type: exchange.LimitOrder, Price: price, Qty: qty}
	ec := c.errCtx()
	ec.rules, ec.order = &r, &req
	err = c.do(ctx, &call{ep: epOrderTest, p: p, out: &struct{}{}, ec: ec})
	var ae *exchange.APIError
	switch {
	case err == nil:
		return exchange.TriYes, "", nil
	case errors.As(err, &ae) && ae.Code == "-2015":
		return exchange.TriNo, "order/test refused with -2015: no TRADE permission, or this IP is not allowed", nil
	case errors.As(err, &ae) && (ae.Kind == exchange.KindFilter || ae.Kind == exchange.KindBalance):
		// The key checks come before order validation, so a filter
		// refusal still shows the key may trade.
		return exchange.TriYes, "order/test passed the key check, then was refused: " + ae.Msg, nil
	}
	return exchange.TriUnknown, "", fmt.Errorf("binance: trade probe: %w", err)
}

// probeSymbol picks the first trading symbol, in exchangeInfo's order.
func (c *Client) probeSymbol(ctx context.Context) (exchange.SymbolRules, error) {
	syms, err := c.Symbols(ctx)
	if err != nil {
		return exchange.SymbolRules{}, err
	}
	if len(syms) == 0 {
		return exchange.SymbolRules{}, errors.New("binance: no trading symbol to probe with")
	}
	return c.Rules(ctx, syms[0])
}

// probeOrder is a buy at 80% of last (inside the usual percent-price band,
// far enough below market that it would not fill) sized to the smallest
// quantity that clears minQty and the minimum notional.
func probeOrder(r exchange.SymbolRules, last decimal.Decimal) (price, qty decimal.Decimal) {
	price = last.Mul(decimal.New(8, -1))
	if r.TickSize.IsPositive() {
		price = price.Div(r.TickSize).Floor().Mul(r.TickSize)
	}
	if r.MinPrice.IsPositive() && price.LessThan(r.MinPrice) {
		price = r.MinPrice
	}
	if !price.IsPositive() {
		price = r.TickSize
	}
	qty = r.MinQty
	if r.MinNotional.IsPositive() && price.IsPositive() {
		// 10% above the minimum: rounding must not land just under it.
		need := r.MinNotional.Mul(decimal.New(11, -1)).Div(price)
		if need.GreaterThan(qty) {
			qty = need
		}
	}
	if r.StepSize.IsPositive() {
		qty = qty.Div(r.StepSize).Ceil().Mul(r.StepSize)
	}
	if !qty.IsPositive() {
		qty = decimal.New(1, 0)
	}
	return price, qty
}

func (c *Client) errCtx() errContext {
	return errContext{network: c.info.Network, scheme: c.info.Scheme, keyID: c.info.KeyID}
}
