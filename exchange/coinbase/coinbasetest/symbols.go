package coinbasetest

import (
	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/sim"
)

// The demo's markets. Coinbase lists BTC-USDT and ETH-USDT beside its USD
// and USDC books.
const (
	BTC = "BTC-USDT"
	ETH = "ETH-USDT"
)

// DefaultSymbols are the products a fake built without WithSim lists,
// with figures of the products' shape: base_increment, price_increment,
// base_min_size, quote_min_size.
func DefaultSymbols() []sim.SymbolSpec {
	d := decimal.RequireFromString
	return []sim.SymbolSpec{
		{Rules: exchange.SymbolRules{
			Symbol: BTC, Base: "BTC", Quote: "USDT", Trading: true, Kind: exchange.KindSpot,
			TickSize: d("0.01"), StepSize: d("0.00000001"), MinQty: d("0.00001"), MaxQty: d("3400"),
			MarketMinQty: d("0.00001"), MarketMaxQty: d("3400"),
			MinNotional: d("1"), MaxNotional: d("150000000"), NotionalAppliesToMarket: true, PriceDecimals: 2, QtyDecimals: 8,
		}, Price: d("65000"), Walk: d("15")},
		{Rules: exchange.SymbolRules{
			Symbol: ETH, Base: "ETH", Quote: "USDT", Trading: true, Kind: exchange.KindSpot,
			TickSize: d("0.01"), StepSize: d("0.00000001"), MinQty: d("0.0001"), MaxQty: d("40000"),
			MarketMinQty: d("0.0001"), MarketMaxQty: d("40000"),
			MinNotional: d("1"), MaxNotional: d("150000000"), NotionalAppliesToMarket: true, PriceDecimals: 2, QtyDecimals: 8,
		}, Price: d("3200"), Walk: d("1.5")},
	}
}
