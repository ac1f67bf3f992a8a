package krakentest

import (
	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/sim"
)

// DefaultSymbols are the pairs a fake built without WithSim lists, with
// AssetPairs' figures: tick_size, lot_decimals 8, ordermin, costmin.
func DefaultSymbols() []sim.SymbolSpec {
	d := decimal.RequireFromString
	return []sim.SymbolSpec{
		{Rules: exchange.SymbolRules{
			Symbol: "XBTUSDT", Base: "BTC", Quote: "USDT", Trading: true, Kind: exchange.KindSpot,
			TickSize: d("0.1"), StepSize: d("0.00000001"), MinQty: d("0.00005"), MarketMinQty: d("0.00005"),
			MinNotional: d("0.5"), NotionalAppliesToMarket: true, PriceDecimals: 1, QtyDecimals: 8,
		}, Price: d("65000"), Walk: d("15")},
		{Rules: exchange.SymbolRules{
			Symbol: "ETHUSDT", Base: "ETH", Quote: "USDT", Trading: true, Kind: exchange.KindSpot,
			TickSize: d("0.01"), StepSize: d("0.00000001"), MinQty: d("0.002"), MarketMinQty: d("0.002"),
			MinNotional: d("0.5"), NotionalAppliesToMarket: true, PriceDecimals: 2, QtyDecimals: 8,
		}, Price: d("3200"), Walk: d("1.5")},
	}
}
