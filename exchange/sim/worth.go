package sim

import (
	"slices"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
)

// Worth is one balance with its value in the asset a venue reports equity
// in.
type Worth struct {
	exchange.Balance
	Value decimal.Decimal
}

// BalancesWorth returns account's balances of assets (every asset when none
// are named), sorted by asset, each with value(asset, balance.Total()), and
// the sum of the values. The venue prices: which assets it takes at par and
// which symbol's reference price it uses are its own.
func (x *Exchange) BalancesWorth(account string, assets []string, value func(asset string, amt decimal.Decimal) decimal.Decimal) ([]Worth, decimal.Decimal) {
	total := decimal.Zero
	var out []Worth
	for _, b := range x.Balances(account) {
		if len(assets) > 0 && !slices.Contains(assets, b.Asset) {
			continue
		}
		v := value(b.Asset, b.Total())
		total = total.Add(v)
		out = append(out, Worth{Balance: b, Value: v})
	}
	return out, total
}
