package policy

import (
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/vigil-trade/vigil/exchange"
)

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func spotRules() exchange.SymbolRules {
	return exchange.SymbolRules{
		Symbol: "BTCUSDT", Base: "BTC", Quote: "USDT", Trading: true, Kind: exchange.KindSpot,
		TickSize: d("0.01"), StepSize: d("0.000001"), MinQty: d("0.000048"), MaxQty: d("71"),
		MinNotional: d("1"), MaxNotional: d("2000000"), NotionalAppliesToMarket: true,
	}
}

func testnet() exchange.AccountInfo {
	return exchange.AccountInfo{Name: "t", Venue: "v", Network: exchange.Testnet, MaxOrderNotional: d("100000")}
}

func limit(side exchange.Side, qty, price string) exchange.OrderRequest {
	return exchange.OrderRequest{Symbol: "BTCUSDT", Side: side, Type: exchange.LimitOrder, TIF: exchange.GTC, Qty: d(qty), Price: d(price)}
}

// The verdict carries the nearest order that passes every rule: fed back,
// it is a clean verdict.
func TestVerdictFixPassesEverything(t *testing.T) {
	o := Order{Info: testnet(), Rules: spotRules(), Req: limit(exchange.Buy, "0.00001", "60000")}
	v := Judge(o)
	if !v.Refused() || !v.Fixable || !v.Fix.Qty.Equal(d("0.000048")) {
		t.Fatalf("verdict %+v", v)
	}
	for _, x := range v.Violations {
		if !x.Nearest.Equal(d("0.000048")) {
			t.Errorf("%s: nearest %s, want the joint fix 0.000048", x.Rule, x.Nearest)
		}
	}
	o.Req = v.Fix
	if again := Judge(o); again.Refused() || len(again.Confirm) > 0 {
		t.Fatalf("the fix is refused again: %s", again.Why())
	}
}

// What must be typed is the symbol, and only the symbol: "yes" is what a
// hand types without reading.
func TestVerdictTypedConfirmationIsTheSymbol(t *testing.T) {
	info := testnet()
	info.Network, info.AllowMainnet = exchange.Mainnet, true
	v := Judge(Order{Info: info, Rules: spotRules(), Req: limit(exchange.Buy, "0.001", "60000")})
	if v.Refused() || len(v.Confirm) == 0 || v.Typed != "BTCUSDT" {
		t.Fatalf("verdict %+v", v)
	}
	for typed, want := range map[string]bool{"yes": false, "YES": false, "y": false, "": false, "ETHUSDT": false,
		"BTCUSDT": true, " btcusdt ": true} {
		if got := v.Confirmed(typed); got != want {
			t.Errorf("Confirmed(%q) = %v, want %v", typed, got, want)
		}
	}
	// Nothing to confirm: anything confirms.
	quiet := Judge(Order{Info: testnet(), Rules: spotRules(), Req: limit(exchange.Buy, "0.001", "60000")})
	if len(quiet.Confirm) > 0 || !quiet.Confirmed("") {
		t.Fatalf("testnet, under the limit: %+v", quiet)
	}
}

func TestVerdictLockAndLimit(t *testing.T) {
	info := testnet()
	info.Network = exchange.Mainnet
	if v := Judge(Order{Info: info, Rules: spotRules(), Req: limit(exchange.Buy, "0.001", "60000")}); !strings.Contains(v.Locked, "mainnet orders are off") || !v.Refused() {
		t.Fatalf("mainnet not locked: %+v", v)
	}
	info = testnet()
	info.MaxOrderNotional = d("50")
	v := Judge(Order{Info: info, Rules: spotRules(), Req: limit(exchange.Buy, "0.001", "60000")})
	if v.Refused() || len(v.Confirm) != 1 || !strings.Contains(v.Confirm[0], "notional 60 USDT is above this account's limit 50") {
		t.Fatalf("limit: %+v", v)
	}
	// A market order without a reference price has an unknown value.
	m := exchange.OrderRequest{Symbol: "BTCUSDT", Side: exchange.Sell, Type: exchange.MarketOrder, Qty: d("0.001")}
	if v := Judge(Order{Info: info, Rules: spotRules(), Req: m}); v.Known || len(v.Confirm) != 1 || !strings.Contains(v.Confirm[0], "unknown") {
		t.Fatalf("unknown value: %+v", v)
	}
}

// Funds short is a warning that needs the typed confirmation, never a
// refusal; unknown balances warn nobody.
func TestVerdictFundsShort(t *testing.T) {
	bals := []exchange.Balance{{Asset: "USDT", Free: d("50")}, {Asset: "BTC", Free: d("0.0005")}}
	for _, tc := range []struct {
		name  string
		req   exchange.OrderRequest
		bals  []exchange.Balance
		short string
	}{
		{"buy needs quote", limit(exchange.Buy, "0.001", "60000"), bals, "needs 60 USDT, 50 USDT free"},
		{"buy within quote", limit(exchange.Buy, "0.0008", "60000"), bals, ""},
		{"sell needs base", limit(exchange.Sell, "0.001", "60000"), bals, "needs 0.001 BTC, 0.0005 BTC free"},
		{"asset absent is zero", limit(exchange.Sell, "0.001", "60000"), bals[:1], "needs 0.001 BTC, 0 BTC free"},
		{"balances unknown", limit(exchange.Buy, "1", "60000"), nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := Judge(Order{Info: testnet(), Rules: spotRules(), Req: tc.req, Balances: tc.bals})
			if v.Short != tc.short {
				t.Fatalf("Short = %q, want %q", v.Short, tc.short)
			}
			if v.Refused() {
				t.Fatalf("refused: %s", v.Why())
			}
			if (tc.short != "") != (len(v.Confirm) == 1 && strings.Contains(v.Confirm[0], "funds short")) {
				t.Fatalf("confirmations %q", v.Confirm)
			}
		})
	}
}

// A contract is valued by the one Notional: an inverse contract's value
// is known without a price, and its margin is not guessed at.
func TestVerdictContracts(t *testing.T) {
	inv := exchange.SymbolRules{Symbol: "BTC-USD-SWAP", Base: "BTC", Quote: "USD", Trading: true, Kind: exchange.KindPerpetual,
		Unit: exchange.UnitQuote, ContractSize: d("100"), StepSize: d("1"), MinQty: d("1")}
	info := testnet()
	info.MaxOrderNotional = d("500")
	req := exchange.OrderRequest{Symbol: "BTC-USD-SWAP", Side: exchange.Buy, Type: exchange.MarketOrder, Qty: d("10")}
	v := Judge(Order{Info: info, Rules: inv, Req: req, Balances: []exchange.Balance{}})
	if !v.Known || !v.Notional.Equal(d("1000")) || v.Short != "" || len(v.Confirm) != 1 || v.Typed != "BTC-USD-SWAP" {
		t.Fatalf("inverse: %+v", v)
	}
}

func TestVerdictShape(t *testing.T) {
	v := Judge(Order{Info: testnet(), Req: exchange.OrderRequest{Qty: d("1")}})
	var fields []string
	for _, x := range v.Violations {
		fields = append(fields, x.Field)
	}
	if got := strings.Join(fields, ","); got != "symbol,side,type" {
		t.Fatalf("shape violations %q", got)
	}
	// Without rules, what every venue refuses is still refused.
	v = Judge(Order{Info: testnet(), Req: limit(exchange.Buy, "0", "0")})
	if got := v.Why(); !strings.HasPrefix(got, "qty: quantity must be positive; price: a limit order needs a positive price;") {
		t.Fatalf("rules unknown: %s", got)
	}
	if v = Judge(Order{Info: testnet(), Req: limit(exchange.Buy, "1", "1")}); v.Refused() || !v.Known {
		t.Fatalf("rules unknown, a sane order: %+v", v)
	}
}
