package kraken

import (
	"context"
	"errors"
	"fmt"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
)

// probeKey audits a key where GetApiKeyInfo is not answered (a host that
// predates it): with requests that cannot move money. BalanceEx shows the
// right to read funds; an AddOrder with validate=true, which Kraken checks
// and does not submit, the right to trade. Withdrawal and the IP
// allow-list cannot be probed without risk: they stay unknown, with the
// reason.
func (c *Client) probeKey(ctx context.Context, why *exchange.APIError) (exchange.KeyInfo, error) {
	ki := exchange.KeyInfo{
		Withdraw: exchange.TriUnknown, IPBound: exchange.TriUnknown,
		Source:    "BalanceEx + AddOrder validate=true probes",
		CheckedAt: c.now(),
		Notes:     []string{fmt.Sprintf("GetApiKeyInfo not answered (%s): withdrawal right, IP allow-list and expiry unknown; check them on kraken.com", why.Code)},
	}
	tri := func(err error) (exchange.Tri, error) {
		switch {
		case err == nil:
			return exchange.TriYes, nil
		case exchange.KindOf(err) == exchange.KindPermission:
			return exchange.TriNo, nil
		}
		var ae *exchange.APIError
		if errors.As(err, &ae) {
			return exchange.TriUnknown, nil
		}
		return exchange.TriUnknown, err // the probe did not get an answer
	}
	_, err := c.Balances(ctx)
	if ki.Read, err = tri(err); err != nil {
		return ki, err
	}
	err = c.validateOrder(ctx)
	if ki.Trade, err = tri(err); err != nil {
		return ki, err
	}
	if ki.Trade == exchange.TriUnknown {
		ki.Notes = append(ki.Notes, "the validate-only order was refused for another reason: trade right unknown")
	}
	return ki, nil
}

// validateOrder sends AddOrder with validate=true: a small limit buy far
// below the market on the first pair, which Kraken validates and does not
// submit.
func (c *Client) validateOrder(ctx context.Context) error {
	syms, err := c.Symbols(ctx)
	if err != nil {
		return err
	}
	if len(syms) == 0 {
		return errors.New("kraken: no pair to probe with")
	}
	rules, err := c.Rules(ctx, syms[0])
	if err != nil {
		return err
	}
	last, err := c.LastPrice(ctx, rules.Symbol)
	if err != nil {
		return err
	}
	price := last.Div(decimal.NewFromInt(2)).Div(rules.TickSize).Floor().Mul(rules.TickSize)
	if !price.IsPositive() {
		price = rules.TickSize
	}
	qty := rules.MinQty
	if rules.MinNotional.IsPositive() {
		qty = decimal.Max(qty, rules.MinNotional.Div(price).Div(rules.StepSize).Ceil().Mul(rules.StepSize))
	}
	params, err := addOrderParams(exchange.OrderRequest{Symbol: rules.Symbol, Side: exchange.Buy, Type: exchange.LimitOrder,
		TIF: exchange.GTC, Qty: qty, Price: price, ClientID: ClientIDPolicy.New(c.now())})
	if err != nil {
		return err
	}
	params.Add("validate", "true")
	r := private("/0/private/AddOrder")
	r.params = params
	r.cost = c.rates.trade(rules.Symbol, 1)
	return c.do(ctx, r, nil)
}
