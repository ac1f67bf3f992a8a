package hyperliquidtest

import (
	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/sim"
)

// DefaultSymbols are the perps a fake built without WithSim lists. Each
// tick is what Hyperliquid's rule gives at the price (five significant
// figures, at most 6 − szDecimals decimals): 1 for BTC near 65 000, 0.1 for
// ETH near 3 200; the step is 10^−szDecimals; the minimum order value $10.
func DefaultSymbols() []sim.SymbolSpec {
	d := decimal.RequireFromString
	return []sim.SymbolSpec{
		{Rules: exchange.SymbolRules{
			Symbol: "BTC", Base: "BTC", Quote: "USDC", Trading: true, Kind: exchange.KindPerpetual, Settle: "USDC",
			TickSize: d("1"), StepSize: d("0.00001"), MinQty: d("0.00001"), MarketMinQty: d("0.00001"),
			MinNotional: d("10"), NotionalAppliesToMarket: true, PriceDecimals: 0, QtyDecimals: 5,
		}, Price: d("65000"), Walk: d("15")},
		{Rules: exchange.SymbolRules{
			Symbol: "ETH", Base: "ETH", Quote: "USDC", Trading: true, Kind: exchange.KindPerpetual, Settle: "USDC",
			TickSize: d("0.1"), StepSize: d("0.0001"), MinQty: d("0.0001"), MarketMinQty: d("0.0001"),
			MinNotional: d("10"), NotionalAppliesToMarket: true, PriceDecimals: 1, QtyDecimals: 4,
		}, Price: d("3200"), Walk: d("1.5")},
	}
}
