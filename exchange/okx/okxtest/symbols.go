package okxtest

import (
	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/sim"
)

// DefaultSymbols are listed by a fake built without WithSim, with rules like
// OKX's spot instruments.
func DefaultSymbols() []sim.SymbolSpec {
	d := decimal.RequireFromString
	return []sim.SymbolSpec{
		{Rules: exchange.SymbolRules{
			Symbol: "BTC-USDT", Base: "BTC", Quote: "USDT", Trading: true,
			TickSize: d("0.1"), StepSize: d("0.00000001"), MinQty: d("0.00001"),
			MaxQty: d("9999999999"), MarketMaxQty: d("1000000"),
		}, Price: d("65000"), Walk: d("15")},
		{Rules: exchange.SymbolRules{
			Symbol: "ETH-USDT", Base: "ETH", Quote: "USDT", Trading: true,
			TickSize: d("0.01"), StepSize: d("0.000001"), MinQty: d("0.0001"),
			MaxQty: d("9999999999"), MarketMaxQty: d("1000000"),
		}, Price: d("3200"), Walk: d("1.5")},
		{Rules: exchange.SymbolRules{
			Symbol: "OKB-USDT", Base: "OKB", Quote: "USDT", Trading: true,
			TickSize: d("0.001"), StepSize: d("0.0001"), MinQty: d("0.01"),
			MaxQty: d("9999999999"), MarketMaxQty: d("1000000"),
		}, Price: d("48.5"), Walk: d("0.05")},
	}
}
