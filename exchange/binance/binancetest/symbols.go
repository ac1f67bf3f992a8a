package binancetest

import (
	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/sim"
)

// DefaultSymbols are listed by a fake built without WithSim, with rules like
// the testnet's.
func DefaultSymbols() []sim.SymbolSpec {
	d := decimal.RequireFromString
	return []sim.SymbolSpec{
		{Rules: exchange.SymbolRules{
			Symbol: "BTCUSDT", Base: "BTC", Quote: "USDT", Trading: true,
			TickSize: d("0.01"), MinPrice: d("0.01"), MaxPrice: d("1000000"),
			StepSize: d("0.00001"), MinQty: d("0.00001"), MaxQty: d("9000"),
			MarketMinQty: d("0"), MarketMaxQty: d("120"),
			MinNotional: d("5"), MaxNotional: d("9000000"), NotionalAppliesToMarket: true,
		}, Price: d("65000"), Walk: d("15")},
		{Rules: exchange.SymbolRules{
			Symbol: "ETHUSDT", Base: "ETH", Quote: "USDT", Trading: true,
			TickSize: d("0.01"), MinPrice: d("0.01"), MaxPrice: d("1000000"),
			StepSize: d("0.0001"), MinQty: d("0.0001"), MaxQty: d("9000"),
			MarketMinQty: d("0"), MarketMaxQty: d("2000"),
			MinNotional: d("5"), MaxNotional: d("9000000"), NotionalAppliesToMarket: true,
		}, Price: d("3200"), Walk: d("1.5")},
		{Rules: exchange.SymbolRules{
			Symbol: "LTCBTC", Base: "LTC", Quote: "BTC", Trading: true,
			TickSize: d("0.000001"), MinPrice: d("0.000001"), MaxPrice: d("100000"),
			StepSize: d("0.001"), MinQty: d("0.001"), MaxQty: d("100000"),
			MinNotional: d("0.0001"), NotionalAppliesToMarket: true,
		}, Price: d("0.0013"), Walk: d("0.000003")},
	}
}
