package exchange

import (
	"fmt"
	"math/rand/v2"
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
		{"price below min", btcusdt(), limit("0.001", "10"), "0", "NOTIONAL=500 PRICE=0.01 TICK=0.01"},
		{"price above max", btcusdt(), limit("2000000", "0.001"), "0", "PRICE=1000000"},
		{"price zero", btcusdt(), limit("0", "0.001"), "0", "PRICE=0.01"},
		{"qty off step", btcusdt(), limit("65000", "0.000015"), "0", "NOTIONAL=0.00008 STEP=0.00008"},
		{"qty below min", btcusdt(), limit("65000000", "0.000001"), "0", "PRICE=1000000 QTY=0.00001 STEP=0.00001"},
		{"qty above max", btcusdt(), limit("100", "10000"), "0", "QTY=9000"},
		{"qty negative", btcusdt(), limit("100", "-1"), "0", "QTY=0.05"},
		{"min notional", btcusdt(), limit("65000", "0.00007"), "0", "NOTIONAL=0.00008"},
		{"min notional exactly met", btcusdt(), limit("50000", "0.0001"), "0", ""},
		{"max notional", btcusdt(), limit("65000", "200"), "0", "NOTIONAL=138.46153"},
		{"market uses market max qty", btcusdt(), market("150"), "65000", "NOTIONAL=120 QTY=120"},
		{"market notional from reference", btcusdt(), market("0.00001"), "65000", "NOTIONAL=0.00008"},
		{"market without reference price", btcusdt(), market("0.00001"), "0", ""},
		{"market notional not applied", noMarketNotional, market("0.00001"), "65000", ""},
		{"market ignores price field", btcusdt(), OrderRequest{Type: MarketOrder, Price: d("0.001"), Qty: d("1")}, "0", ""},
		{"not trading", halted, limit("65000", "0.001"), "0", "STATUS=0"},
		{"zero bounds disabled, huge", noBounds, limit("123456789.12", "123456789.12345678"), "0", ""},
		{"zero bounds disabled, tiny", noBounds, limit("0.01", "0.00000001"), "0", ""},
		{"huge price off tick", noBounds, limit("123456789.12345678", "1"), "0", "TICK=123456789.12"},
		{"fine grid huge", fine, limit("123456789.12345678", "0.00000001"), "0", ""},
		{"tiny qty below step", btcusdt(), limit("100000", "0.00000001"), "0", "NOTIONAL=0.00005 QTY=0.00005 STEP=0.00005"},
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

// Every Nearest, applied together, gives an order that breaks no rule at
// all: a fix for one rule never breaks another.
func TestRulesNearestPasses(t *testing.T) {
	r := btcusdt()
	prices := []string{"0.001", "0.015", "65000.015", "999999.999", "2000000", "123456789.12345678"}
	qtys := []string{"0.000001", "0.000015", "0.00007", "1.234567", "9000.000001", "10000"}
	for _, p := range prices {
		for _, q := range qtys {
			req := OrderRequest{Type: LimitOrder, Price: d(p), Qty: d(q)}
			fixed := req
			for _, v := range r.Check(req, decimal.Zero) {
				switch v.Field {
				case "price":
					fixed.Price = v.Nearest
				case "qty", "notional":
					fixed.Qty = v.Nearest
				}
			}
			if again := r.Check(fixed, decimal.Zero); len(again) > 0 {
				t.Errorf("price %s qty %s: the nearest values %s @ %s still fail: %v", p, q, fixed.Qty, fixed.Price, again)
			}
		}
	}
}

// bybitBTC is shaped like Bybit's spot BTCUSDT: a fine quantity step, a
// minimum quantity and a minimum order value of 1 USDT.
func bybitBTC() SymbolRules {
	return SymbolRules{
		Symbol: "BTCUSDT", Base: "BTC", Quote: "USDT", Trading: true, Kind: KindSpot,
		TickSize: d("0.01"), StepSize: d("0.000001"), MinQty: d("0.000048"), MaxQty: d("71.73956243"),
		MarketMinQty: d("0.000048"), MarketMaxQty: d("4.34"),
		MinNotional: d("1"), MaxNotional: d("2000000"), NotionalAppliesToMarket: true,
		PriceDecimals: 2, QtyDecimals: 6,
	}
}

// The issue's case: 0.00001 BTC at 60000 is worth 0.6 USDT; the quantity
// that reaches 1 USDT alone (0.000017) is below the 0.000048 minimum, so
// the nearest order that passes everything is 0.000048, for both rules.
func TestRulesNearestSatisfiesAllRulesAtOnce(t *testing.T) {
	r := bybitBTC()
	req := OrderRequest{Symbol: "BTCUSDT", Side: Buy, Type: LimitOrder, TIF: GTC, Price: d("60000"), Qty: d("0.00001")}
	vs := r.Check(req, decimal.Zero)
	if got := summary(vs); got != "NOTIONAL=0.000048 QTY=0.000048" {
		t.Fatalf("got %q, want both fixes at 0.000048: %v", got, vs)
	}
	fix, ok := r.Nearest(req, decimal.Zero)
	if !ok || !fix.Qty.Equal(d("0.000048")) || !fix.Price.Equal(d("60000")) {
		t.Fatalf("Nearest = %s @ %s, %v", fix.Qty, fix.Price, ok)
	}
	if again := r.Check(fix, decimal.Zero); len(again) > 0 {
		t.Fatalf("the fix still fails: %v", again)
	}
	// A market order is held to the market bounds, valued at the reference.
	m := OrderRequest{Symbol: "BTCUSDT", Side: Sell, Type: MarketOrder, Qty: d("5")}
	if got := summary(r.Check(m, d("60000"))); got != "QTY=4.34" {
		t.Fatalf("market: got %q", got)
	}
}

// A valid order is its own nearest; a symbol whose bounds leave nothing at
// the price has none.
func TestRulesNearestKeepsValidAndSaysWhenNone(t *testing.T) {
	r := btcusdt()
	req := OrderRequest{Type: LimitOrder, Price: d("65000.01"), Qty: d("0.001")}
	if fix, ok := r.Nearest(req, decimal.Zero); !ok || fix != req {
		t.Fatalf("a valid order moved: %+v %v", fix, ok)
	}
	// At 0.01 the minimum value needs 500 BTC; the maximum is 100.
	tight := r
	tight.MaxQty = d("100")
	req = OrderRequest{Type: LimitOrder, Price: d("0.01"), Qty: d("1")}
	if _, ok := tight.Nearest(req, decimal.Zero); ok {
		t.Fatal("Nearest found an order where none passes")
	}
	for _, v := range tight.Check(req, decimal.Zero) {
		if v.Field != "price" && !v.Nearest.IsZero() {
			t.Fatalf("%s offers %s, which cannot pass", v.Rule, v.Nearest)
		}
	}
	halted := r
	halted.Trading = false
	if _, ok := halted.Nearest(OrderRequest{Type: LimitOrder, Price: d("1"), Qty: d("1")}, decimal.Zero); ok {
		t.Fatal("a halted symbol has a passing order")
	}
}

// randomRules draws rules the way venues publish them: grids that are
// powers of ten or not (0.05, 0.25), digit counts coarser than the step,
// bounds on and off the grid, some disabled, market variants.
func randomRules(rng *rand.Rand) SymbolRules {
	pick := func(xs ...string) decimal.Decimal { return d(xs[rng.IntN(len(xs))]) }
	r := SymbolRules{Trading: true,
		TickSize: pick("0", "0.01", "0.05", "0.5", "1", "0.0001", "0.25"),
		StepSize: pick("0", "0.000001", "0.00001", "0.001", "0.1", "1", "0.25", "5"),
	}
	if rng.IntN(3) == 0 {
		r.PriceDecimals = int32(rng.IntN(4))
	}
	if rng.IntN(3) == 0 {
		r.QtyDecimals = int32(rng.IntN(7))
	}
	if rng.IntN(2) == 0 {
		r.MinPrice = pick("0.01", "0.013", "1", "100")
	}
	if rng.IntN(2) == 0 {
		r.MaxPrice = pick("1000", "100000.02", "1000000")
	}
	if rng.IntN(2) == 0 {
		r.MinQty = pick("0.000048", "0.001", "0.0013", "1", "10")
	}
	if rng.IntN(2) == 0 {
		r.MaxQty = pick("100", "9000", "1234.567")
	}
	if rng.IntN(2) == 0 {
		r.MinNotional = pick("1", "5", "10", "0.3")
	}
	if rng.IntN(3) == 0 {
		r.MaxNotional = pick("1000", "9000000", "77777.7")
	}
	if rng.IntN(3) == 0 {
		r.MarketStep = pick("0.01", "0.5", "1")
		r.MarketMinQty = pick("0.01", "2")
		r.MarketMaxQty = pick("50", "120")
	}
	r.NotionalAppliesToMarket = rng.IntN(2) == 0
	switch rng.IntN(4) {
	case 1:
		r.Kind, r.Unit, r.ContractSize = KindPerpetual, UnitContracts, pick("0.01", "0.001", "10")
	case 2:
		r.Kind, r.Unit, r.ContractSize = KindFuture, UnitQuote, pick("1", "10", "100")
	}
	return r
}

// Property: for random rules and random orders, the nearest order, fed
// back, breaks no rule; an order without violations is its own nearest.
func TestRulesNearestProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 13))
	num := func(digits int) decimal.Decimal {
		return decimal.New(rng.Int64N(10_000_000)-100, -int32(rng.IntN(digits)))
	}
	fixed := 0
	const n = 20000
	for i := range n {
		r := randomRules(rng)
		req := OrderRequest{Type: LimitOrder, Price: num(6), Qty: num(9)}
		if rng.IntN(3) == 0 {
			req.Type, req.Price = MarketOrder, decimal.Zero
		}
		ref := num(4)
		fix, ok := r.Nearest(req, ref)
		if len(r.Check(req, ref)) == 0 && (!ok || fix != req) {
			t.Fatalf("#%d: a valid order moved: %+v → %+v (ok %v), rules %+v", i, req, fix, ok, r)
		}
		if !ok {
			continue
		}
		fixed++
		if vs := r.Check(fix, ref); len(vs) > 0 {
			t.Fatalf("#%d: %s @ %s (ref %s) fixed to %s @ %s still fails %v\nrules %+v", i, req.Qty, req.Price, ref, fix.Qty, fix.Price, vs, r)
		}
		for _, v := range r.Check(req, ref) {
			want := fix.Qty
			if v.Field == "price" {
				want = fix.Price
			}
			if v.Field != "symbol" && !v.Nearest.Equal(want) {
				t.Fatalf("#%d: %s offers %s, the joint fix has %s", i, v.Rule, v.Nearest, want)
			}
		}
	}
	// The property says nothing if Nearest gave up on most orders.
	if fixed < n/2 {
		t.Fatalf("only %d of %d orders had a nearest order", fixed, n)
	}
}

// Notional is in the quote currency for every kind: a linear contract's
// size multiplies its value, an inverse contract's value does not move with
// the price (and its base amount does).
func TestNotionalByKind(t *testing.T) {
	spot := btcusdt()
	linear := SymbolRules{Symbol: "BTC-USDT-SWAP", Base: "BTC", Quote: "USDT", Kind: KindPerpetual, Unit: UnitContracts, ContractSize: d("0.01")}
	inverse := SymbolRules{Symbol: "BTC-USD-SWAP", Base: "BTC", Quote: "USD", Kind: KindPerpetual, Unit: UnitQuote, ContractSize: d("100")}
	for _, tc := range []struct {
		name          string
		r             SymbolRules
		qty, price    string
		notional, bqt string
		settle        string
		derivative    bool
	}{
		{"spot", spot, "0.5", "60000", "30000", "0.5", "USDT", false},
		{"linear contracts", linear, "50", "60000", "30000", "0.5", "USDT", true},
		{"inverse contracts", inverse, "300", "60000", "30000", "0.5", "BTC", true},
		{"inverse at another price", inverse, "300", "30000", "30000", "1", "BTC", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.r.Notional(d(tc.qty), d(tc.price)); !got.Equal(d(tc.notional)) {
				t.Errorf("Notional = %s, want %s", got, tc.notional)
			}
			if got := tc.r.BaseQty(d(tc.qty), d(tc.price)); !got.Equal(d(tc.bqt)) {
				t.Errorf("BaseQty = %s, want %s", got, tc.bqt)
			}
			if got := tc.r.SettleCurrency(); got != tc.settle {
				t.Errorf("SettleCurrency = %s, want %s", got, tc.settle)
			}
			if tc.r.Derivative() != tc.derivative {
				t.Errorf("Derivative = %v", !tc.derivative)
			}
		})
	}
	// The notional rules use it: 10 inverse contracts of 100 USD are 1000
	// USD whatever the price, under a 5000 USD minimum.
	inverse.MinNotional, inverse.StepSize, inverse.Trading = d("5000"), d("1"), true
	vs := inverse.Check(OrderRequest{Type: LimitOrder, Price: d("60000"), Qty: d("10")}, decimal.Zero)
	if got := summary(vs); got != "NOTIONAL=50" {
		t.Fatalf("inverse min value: got %q", got)
	}
	if (SymbolRules{}).InstrumentKind() != KindSpot {
		t.Fatal("rules without a kind are not spot")
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

// The instrument fields are checked like the bounds: a decoder that reads
// a negative contract size or a kind vigil does not know fails loudly
// instead of valuing orders wrongly.
func TestCheckRulesInstrument(t *testing.T) {
	ok := SymbolRules{Symbol: "X", Kind: KindFuture, Unit: UnitQuote, ContractSize: d("100")}
	if err := CheckRules(ok); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []func(*SymbolRules){
		func(r *SymbolRules) { r.ContractSize = d("-1") },
		func(r *SymbolRules) { r.Kind = "swap" },
		func(r *SymbolRules) { r.Unit = "lots" },
	} {
		r := ok
		bad(&r)
		if err := CheckRules(r); err == nil {
			t.Errorf("accepted %+v", r)
		}
	}
}
