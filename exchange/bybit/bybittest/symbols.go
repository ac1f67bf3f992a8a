package bybittest

import (
	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/sim"
)

// DefaultSymbols are listed by a fake built without WithSim, with rules like
// the testnet's spot instruments. StepSize is basePrecision; MinNotional
// and MaxNotional are minOrderAmt and maxOrderAmt.
func DefaultSymbols() []sim.SymbolSpec {
	d := decimal.RequireFromString
	return []sim.SymbolSpec{
		{Rules: exchange.SymbolRules{
			Symbol: "BTCUSDT", Base: "BTC", Quote: "USDT", Trading: true,
			TickSize: d("0.01"), StepSize: d("0.000001"), MinQty: d("0.000048"), MaxQty: d("71.73956243"),
			MarketMaxQty: d("35.86978121"), MinNotional: d("1"), MaxNotional: d("2000000"),
			NotionalAppliesToMarket: true, PriceDecimals: 2, QtyDecimals: 6,
		}, Price: d("65000"), Walk: d("15")},
		{Rules: exchange.SymbolRules{
			Symbol: "ETHUSDT", Base: "ETH", Quote: "USDT", Trading: true,
			TickSize: d("0.01"), StepSize: d("0.00001"), MinQty: d("0.00062"), MaxQty: d("1229.2336343"),
			MarketMaxQty: d("614.61681715"), MinNotional: d("1"), MaxNotional: d("2000000"),
			NotionalAppliesToMarket: true, PriceDecimals: 2, QtyDecimals: 5,
		}, Price: d("3200"), Walk: d("1.5")},
	}
}
