package deribittest

import (
	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/sim"
)

// DefaultSymbols are the instruments a fake built without WithSim lists:
// the USDC-settled linear perpetuals (sized in the coin, in steps of the
// contract size), and Bitcoin's inverse perpetual and a dated future
// (sized in contracts of 10 USD, settled in BTC).
func DefaultSymbols() []sim.SymbolSpec {
	d := decimal.RequireFromString
	return []sim.SymbolSpec{
		{Rules: exchange.SymbolRules{
			Symbol: "BTC_USDC-PERPETUAL", Base: "BTC", Quote: "USDC", Trading: true, Kind: exchange.KindPerpetual,
			Unit: exchange.UnitBase, Settle: "USDC",
			TickSize: d("0.5"), StepSize: d("0.001"), MinQty: d("0.001"), MarketMinQty: d("0.001"), PriceDecimals: 1, QtyDecimals: 3,
		}, Price: d("65000"), Walk: d("15")},
		{Rules: exchange.SymbolRules{
			Symbol: "ETH_USDC-PERPETUAL", Base: "ETH", Quote: "USDC", Trading: true, Kind: exchange.KindPerpetual,
			Unit: exchange.UnitBase, Settle: "USDC",
			TickSize: d("0.05"), StepSize: d("0.01"), MinQty: d("0.01"), MarketMinQty: d("0.01"), PriceDecimals: 2, QtyDecimals: 2,
		}, Price: d("3200"), Walk: d("1.5")},
		{Rules: exchange.SymbolRules{
			Symbol: "BTC-PERPETUAL", Base: "BTC", Quote: "USD", Trading: true, Kind: exchange.KindPerpetual,
			Unit: exchange.UnitQuote, ContractSize: d("10"), Settle: "BTC",
			TickSize: d("0.5"), StepSize: d("1"), MinQty: d("1"), MarketMinQty: d("1"), PriceDecimals: 1,
		}, Price: d("65010"), Walk: d("15")},
		{Rules: exchange.SymbolRules{
			Symbol: "BTC-25DEC26", Base: "BTC", Quote: "USD", Trading: true, Kind: exchange.KindFuture,
			Unit: exchange.UnitQuote, ContractSize: d("10"), Settle: "BTC",
			TickSize: d("2.5"), StepSize: d("1"), MinQty: d("1"), MarketMinQty: d("1"), PriceDecimals: 1,
		}, Price: d("66000"), Walk: d("15")},
	}
}
