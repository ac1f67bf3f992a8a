package exchange

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// btcusdt is shaped like Binance's BTCUSDT filters (strings as the venue
// sends them, trailing zeros included).
func btcusdt() SymbolRules {
	return SymbolRules{
		Symbol: "BTCUSDT", Base: "BTC", Quote: "USDT", Trading: true,
		TickSize: d("0.01000000"), MinPrice: d("0.01000000"), MaxPrice: d("1000000.00000000"),
		StepSize: d("0.00001000"), MinQty: d("0.00001000"), MaxQty: d("9000.00000000"),
		MarketMaxQty: d("120.00000000"),
		MinNotional:  d("5.00000000"), MaxNotional: d("9000000.00000000"),
		NotionalAppliesToMarket: true,
	}
}

// summary renders violations as "RULE=nearest" sorted, for comparison.
func summary(vs []Violation) string {
	var out []string
	for _, v := range vs {
		out = append(out, v.Rule+"="+v.Nearest.String())
	}
	slices.Sort(out)
	return strings.Join(out, " ")
}

func TestRulesCheck(t *testing.T) {
	limit := func(price, qty string) OrderRequest {
		return OrderRequest{Symbol: "BTCUSDT", Side: Buy, Type: LimitOrder, TIF: GTC, Price: d(price), Qty: d(qty)}
	}
	market := func(qty string) OrderRequest {
		return OrderRequest{Symbol: "BTCUSDT", Side: Sell, Type: MarketOrder, Qty: d(qty)}
	}
	noBounds := SymbolRules{Trading: true, TickSize: d("0.01"), StepSize: d("0.00000001")}
	fine := SymbolRules{Trading: true, TickSize: d("0.00000001"), StepSize: d("0.00000001")}
	halted := btcusdt()
	halted.Trading = false
	noMarketNotional := btcusdt()
	noMarketNotional.NotionalAppliesToMarket = false
	nickel := SymbolRules{Trading: true, TickSize: d("0.05"), MinPrice: d("0.05"), MaxPrice: d("100.02"), StepSize: d("0.001")}
	third := SymbolRules{Trading: true, TickSize: d("0.01"), StepSize: d("0.001"), MinNotional: d("10")}
	digitsOnly := SymbolRules{Trading: true, PriceDecimals: 2, QtyDecimals: 3}

	cases := []struct {
		name  string
		rules SymbolRules
		req   OrderRequest
		ref   string
		want  string
	}{
		{"valid limit", btcusdt(), limit("65000.01", "0.001"), "0", ""},
		{"valid at minimums", btcusdt(), limit("500000", "0.00001"), "0", ""},
		{"price off tick rounds up", btcusdt(), limit("65000.015", "0.001"), "0", "TICK=65000.02"},
		{"price off tick rounds down", btcusdt(), limit("65000.014", "0.001"), "0", "TICK=65000.01"},
		{"price below min", btcusdt(), limit("0.001", "10"), "0", "NOTIONAL=5000 PRICE=0.01 TICK=0.01"},
		{"price above max", btcusdt(), limit("2000000", "0.001"), "0", "PRICE=1000000"},
		{"price zero", btcusdt(), limit("0", "0.001"), "0", "PRICE=0.01"},
		{"qty off step", btcusdt(), limit("65000", "0.000015"), "0", "NOTIONAL=0.00008 STEP=0.00002"},
		{"qty below min", btcusdt(), limit("65000000", "0.000001"), "0", "PRICE=1000000 QTY=0.00001 STEP=0.00001"},
		{"qty above max", btcusdt(), limit("100", "10000"), "0", "QTY=9000"},
		{"qty negative", btcusdt(), limit("100", "-1"), "0", "QTY=0.00001"},
		{"min notional", btcusdt(), limit("65000", "0.00007"), "0", "NOTIONAL=0.00008"},
		{"min notional exactly met", btcusdt(), limit("50000", "0.0001"), "0", ""},
		{"max notional", btcusdt(), limit("65000", "200"), "0", "NOTIONAL=138.46153"},
		{"market uses market max qty", btcusdt(), market("150"), "65000", "NOTIONAL=138.46153 QTY=120"},
		{"market notional from reference", btcusdt(), market("0.00001"), "65000", "NOTIONAL=0.00008"},
		{"market without reference price", btcusdt(), market("0.00001"), "0", ""},
		{"market notional not applied", noMarketNotional, market("0.00001"), "65000", ""},
		{"market ignores price field", btcusdt(), OrderRequest{Type: MarketOrder, Price: d("0.001"), Qty: d("1")}, "0", ""},
		{"not trading", halted, limit("65000", "0.001"), "0", "STATUS=0"},
		{"zero bounds disabled, huge", noBounds, limit("123456789.12", "123456789.12345678"), "0", ""},
		{"zero bounds disabled, tiny", noBounds, limit("0.01", "0.00000001"), "0", ""},
		{"huge price off tick", noBounds, limit("123456789.12345678", "1"), "0", "TICK=123456789.12"},
		{"fine grid huge", fine, limit("123456789.12345678", "0.00000001"), "0", ""},
		{"tiny qty below step", btcusdt(), limit("100000", "0.00000001"), "0", "NOTIONAL=0.00005 QTY=0.00001 STEP=0.00001"},
		{"tiny qty on a finer step", noBounds, limit("1", "0.000000001"), "0", "STEP=0.00000001"},
		{"non-decimal tick rounds down", nickel, limit("1.07", "1"), "0", "TICK=1.05"},
		{"non-decimal tick half up", nickel, limit("1.075", "1"), "0", "TICK=1.1"},
		{"clamp to a max off the grid", nickel, limit("100.04", "1"), "0", "PRICE=100 TICK=100"},
		{"notional with a repeating quotient", third, limit("3", "1"), "0", "NOTIONAL=3.334"},
		{"decimals only: too many", digitsOnly, limit("1.234", "1.2345"), "0", "STEP=1.234 TICK=1.23"},
		{"decimals only: fine", digitsOnly, limit("1.23", "1.234"), "0", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.rules.Check(tc.req, d(tc.ref))
			if s := summary(got); s != tc.want {
				t.Fatalf("got %q, want %q\n%v", s, tc.want, got)
			}
			for _, v := range got {
				if v.Msg == "" || v.Field == "" {
					t.Fatalf("violation without message or field: %+v", v)
				}
			}
		})
	}
}

// Every Nearest must itself pass the rule it was offered for.
func TestRulesNearestPasses(t *testing.T) {
	r := btcusdt()
	prices := []string{"0.001", "0.015", "65000.015", "999999.999", "2000000", "123456789.12345678"}
	qtys := []string{"0.000001", "0.000015", "0.00007", "1.234567", "9000.000001", "10000"}
	for _, p := range prices {
		for _, q := range qtys {
			req := OrderRequest{Type: LimitOrder, Price: d(p), Qty: d(q)}
			for _, v := range r.Check(req, decimal.Zero) {
				fixed := req
				switch v.Field {
				case "price":
					fixed.Price = v.Nearest
				case "qty", "notional":
					fixed.Qty = v.Nearest
				}
				for _, again := range r.Check(fixed, decimal.Zero) {
					if again.Rule == v.Rule && again.Field == v.Field {
						t.Errorf("price %s qty %s: nearest %s for %s still fails: %s", p, q, v.Nearest, v.Rule, again.Msg)
					}
				}
			}
		}
	}
}

func TestDecimalsOf(t *testing.T) {
	for in, want := range map[string]int32{
		"0.01000000": 2, "1.00000000": 0, "10": 0, "0.00000001": 8, "0": 0, "0.5": 1,
		"0.00001000": 5, "-0.01": 0, "1000": 0, "0.000000000000000001": 18,
	} {
		if got := DecimalsOf(d(in)); got != want {
			t.Errorf("DecimalsOf(%s) = %d, want %d", in, got, want)
		}
	}
}

func TestRulesFormat(t *testing.T) {
	r := btcusdt()
	cases := []struct {
		rules      SymbolRules
		price, qty string
		wantP      string
		wantQ      string
	}{
		{r, "65000.1", "0.00001", "65000.10", "0.00001"},
		{r, "65000", "1", "65000.00", "1.00000"},
		{r, "0.01", "9000", "0.01", "9000.00000"},
		{SymbolRules{TickSize: d("0.00000001"), StepSize: d("0.00000001")},
			"123456789.12345678", "0.00000001", "123456789.12345678", "0.00000001"},
		{SymbolRules{TickSize: d("1"), StepSize: d("1")}, "100000000000000000000", "1e21",
			"100000000000000000000", "1000000000000000000000"},
		{SymbolRules{}, "1.500", "0.000000000123", "1.5", "0.000000000123"},
		{SymbolRules{PriceDecimals: 4, QtyDecimals: 2}, "2.5", "3", "2.5000", "3.00"},
		{SymbolRules{TickSize: d("0.05"), StepSize: d("0.5")}, "1.1", "2", "1.10", "2.0"},
	}
	for _, tc := range cases {
		if got := tc.rules.FormatPrice(d(tc.price)); got != tc.wantP {
			t.Errorf("FormatPrice(%s) = %q, want %q", tc.price, got, tc.wantP)
		}
		if got := tc.rules.FormatQty(d(tc.qty)); got != tc.wantQ {
			t.Errorf("FormatQty(%s) = %q, want %q", tc.qty, got, tc.wantQ)
		}
	}
	// Whatever the value, the wire string parses back to it exactly when it
	// is on the grid, and never uses an exponent.
	for _, s := range []string{"0.00000001", "123456789.12345678", "1e-8", "98765.4321"} {
		fr := SymbolRules{TickSize: d("0.00000001")}
		out := fr.FormatPrice(d(s))
		if strings.ContainsAny(out, "eE") || !d(out).Equal(d(s)) {
			t.Errorf("FormatPrice(%s) = %q", s, out)
		}
	}
}

func ExampleSymbolRules_Check() {
	r := btcusdt()
	for _, v := range r.Check(OrderRequest{Type: LimitOrder, Price: d("65000.015"), Qty: d("0.00007")}, decimal.Zero) {
		fmt.Printf("%s %s: nearest %s\n", v.Rule, v.Msg, v.Nearest)
	}
	// Output:
	// TICK price 65000.015 is not a multiple of the tick 0.01: nearest 65000.02
	// NOTIONAL order value 4.55000105 below minimum 5: nearest 0.00008
}
