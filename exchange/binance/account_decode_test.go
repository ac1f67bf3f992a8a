package binance

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
)

// A mainnet-shaped account reply: nested objects and arrays, numbers,
// booleans and null in fields Balances skips.
const fullAccountJSON = `{
  "makerCommission": 15, "takerCommission": 15, "buyerCommission": 0, "sellerCommission": 0,
  "commissionRates": {"maker": "0.00150000", "taker": "0.00150000", "buyer": "0.00000000", "seller": "0.00000000"},
  "canTrade": true, "canWithdraw": true, "canDeposit": true, "brokered": false,
  "requireSelfTradePrevention": false, "preventSor": false, "updateTime": 123456789,
  "accountType": "SPOT",
  "balances": [
    {"asset": "BTC", "free": "4723846.89208129", "locked": "0.00000000"},
    {"asset": "LTC", "free": "4763368.68006011", "locked": "0.00000000"},
    {"asset": "ETH", "free": "1e-8", "locked": "-0.5"}
  ],
  "permissions": ["SPOT"], "uid": 354937868, "note": "a \"quoted\" \u00e9 \\ / \b\f\n\r\t", "x": null,
  "n": [-0.5e+10, 0, 1E3, -0, 12.50], "deep": [[[{"a": [{}]}]]]
}`

// decodeCases are inputs the fast path must either decode exactly as
// encoding/json does or hand over to it.
var decodeCases = []string{
	benchAccountJSON,
	fullAccountJSON,
	`{}`, ` { } `, `{"balances":[]}`, `{"balances":null}`, `null`, `[]`, ``, ` `, `{`, `}`,
	`{"balances":[{}]}`, `{"balances":[null]}`, `{"balances":[{"asset":"BTC"}]}`,
	`{"balances":{}}`, `{"balances":"x"}`, `{"balances":[1]}`,
	`{"Balances":[{"asset":"BTC","free":"1","locked":"0"}]}`,
	`{"BALANCES":[{"asset":"BTC","free":"1","locked":"0"}],"balances":[]}`,
	`{"balances":[{"Asset":"BTC","FREE":"1","locked":"0"}]}`,
	`{"balances":[{"asset":"BTC","free":"1","locked":"0"}],"balances":[]}`,
	`{"balances":[{"asset":"BTC","asset":"ETH","free":"1","locked":"0"}]}`,
	`{"balances":[{"asset":"BTC","free":"1","free":"2","locked":"0"}]}`,
	`{"balances":[{"asset":"B\u0054C","free":"1","locked":"0"}]}`,
	`{"balances":[{"asset":"BTC","free":"1","locked":"0"}]} x`,
	`{"balances":[{"asset":"BTC","free":"1","locked":"0"}]}{}`,
	`{"balances":[{"asset":"BTC","free":"1","locked":"0"},]}`,
	`{"balances":[{"asset":"BTC","free":"1","locked":"0",}]}`,
	`{"balances":[{"asset":"BTC","free":1.5,"locked":0}]}`,
	`{"balances":[{"asset":"BTC","free":"","locked":"0"}]}`,
	`{"balances":[{"asset":"BTC","free":"abc","locked":"0"}]}`,
	`{"balances":[{"asset":"BTC","free":"1.2.3","locked":"0"}]}`,
	`{"balances":[{"asset":"BTC","free":null,"locked":"0"}]}`,
	`{"balances":[{"asset":null,"free":"1","locked":"0"}]}`,
	`{"balances":[{"asset":7,"free":"1","locked":"0"}]}`,
	`{"balances":[{"asset":"BTC","free":"1","locked":"0","extra":{"free":"9"}}]}`,
	`{"balances":[{"asset":"ÉTH","free":"1","locked":"0"}]}`,
	`{"balances":[{"asset":"BTC","free":"−1","locked":"0"}]}`,
	`{"ſalances":[]}`, `{"balanceſ":[]}`,
	`{"balances":[{"asset":"BTC","free":"1","locked":"0"}],"x":01}`,
	`{"balances":[],"x":-}`, `{"balances":[],"x":1.}`, `{"balances":[],"x":1e}`, `{"balances":[],"x":.5}`,
	`{"balances":[],"x":tru}`, `{"balances":[],"x":nul}`, `{"balances":[],"x":"\x"}`, `{"balances":[],"x":"\u12"}`,
	"{\"balances\":[],\"x\":\"a\tb\"}", "{\"balances\":[],\"x\":\"\xff\xfe\"}",
	`{"balances":[],"x":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`,
	`{"balances":[],"x":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`,
	`{"a":1 "balances":[]}`, `{"a" 1}`, `{1:2}`, `{"balances":[{"asset":"BTC" "free":"1"}]}`,
	"\ufeff{}",
}

func TestDecodeFastMatchesJSON(t *testing.T) {
	for _, in := range decodeCases {
		checkDecodeFast(t, []byte(in))
	}
}

// Mutations of valid replies, byte by byte: the near-misses a hand-written
// scanner is most likely to get wrong.
func TestDecodeFastMutations(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte(`{}[]",:\ -+.eE0123456789aflnrstuBb` + "\t\n\x00\x7f\xc3")
	for i := range 20000 {
		in := []byte(decodeCases[i%2])
		for range 1 + rng.IntN(3) {
			p := rng.IntN(len(in))
			switch rng.IntN(3) {
			case 0:
				in[p] = alphabet[rng.IntN(len(alphabet))]
			case 1:
				in = append(in[:p], in[p+1:]...)
			default:
				in = append(in[:p], append([]byte{alphabet[rng.IntN(len(alphabet))]}, in[p:]...)...)
			}
		}
		checkDecodeFast(t, in)
	}
}

func FuzzDecodeFast(f *testing.F) {
	for _, in := range decodeCases {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, in []byte) { checkDecodeFast(t, in) })
}

func checkDecodeFast(t *testing.T, in []byte) {
	t.Helper()
	var fast balancesResp
	ok := fast.DecodeFast(in)
	var want balancesResp
	err := json.Unmarshal(in, &want)
	if !ok {
		if fast.Balances != nil {
			t.Fatalf("%q: declined but left %+v", in, fast)
		}
		return
	}
	if err != nil {
		t.Fatalf("%q: fast path decoded what encoding/json refuses: %v", in, err)
	}
	if (fast.Balances == nil) != (want.Balances == nil) || len(fast.Balances) != len(want.Balances) {
		t.Fatalf("%q: fast %+v, encoding/json %+v", in, fast.Balances, want.Balances)
	}
	for i, g := range fast.Balances {
		w := want.Balances[i]
		if g.Asset != w.Asset || g.Free.String() != w.Free.String() || g.Free.Exponent() != w.Free.Exponent() ||
			g.Locked.String() != w.Locked.String() || g.Locked.Exponent() != w.Locked.Exponent() {
			t.Fatalf("%q: balance %d: fast %+v, encoding/json %+v", in, i, g, w)
		}
	}
}

// balancesResp decodes into exchange.Balance by encoding/json's
// case-insensitive field match; a field added there would be filled from a
// key of its name by encoding/json but not by DecodeFast.
func TestBalanceFieldsAreTheWireFields(t *testing.T) {
	typ := reflect.TypeFor[exchange.Balance]()
	var names []string
	for f := range typ.Fields() {
		names = append(names, f.Name+" "+f.Type.String())
	}
	if got := strings.Join(names, ", "); got != "Asset string, Free decimal.Decimal, Locked decimal.Decimal" {
		t.Fatalf("exchange.Balance is now {%s}: teach DecodeFast the new fields (and their keys) first", got)
	}
}

// The common reply must take the fast path, or it is not worth having.
func TestDecodeFastTakesCommonReplies(t *testing.T) {
	for _, in := range []string{benchAccountJSON, fullAccountJSON, `{"balances":[]}`} {
		var r balancesResp
		if !r.DecodeFast([]byte(in)) {
			t.Errorf("%.40q: fell back to encoding/json", in)
		}
	}
}

// The fast path allocates the slice, each asset string and each decimal
// (shopspring/decimal holds a *big.Int), and nothing for skipped fields.
func TestDecodeFastAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	raw := []byte(benchAccountJSON)
	n := testing.AllocsPerRun(100, func() {
		var r balancesResp
		if !r.DecodeFast(raw) {
			t.Fatal("fell back")
		}
	})
	// 1 slice + 2 assets + 4 decimals × (string + big.Int + its words)
	if n > 15 {
		t.Errorf("DecodeFast allocates %v times", n)
	}
}

func BenchmarkDecodeBalances(b *testing.B) {
	raw := []byte(benchAccountJSON)
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var r balancesResp
			if !r.DecodeFast(raw) {
				b.Fatal("fell back")
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var r balancesResp
			if err := json.Unmarshal(raw, &r); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// parseDecimal must build what decimal.NewFromString builds, whichever path
// it takes.
func TestParseDecimalMatchesNewFromString(t *testing.T) {
	cases := []string{"0", "-0", "1", "-1", "0.00000000", "1.00000000", "-0.5", "00.50", "123456789012345678",
		"12345678901234567.8", "1234567890123456789", "-12345678.90123456", "999999999999999999", "-99999999999999999",
		".5", "5.", "-", "-.5", "1.2.3", "1e-8", "1E3", "+1", "--1", "1-", "abc", "0x10", "1 ", " 1", "١", "−1", "1.-5"}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 5000 {
		b := make([]byte, 1+rng.IntN(20))
		for i := range b {
			b[i] = "0123456789.-"[rng.IntN(12)]
		}
		cases = append(cases, string(b))
	}
	for _, in := range cases {
		got, ok := parseDecimal([]byte(in))
		want, err := decimal.NewFromString(in)
		if ok != (err == nil) {
			t.Fatalf("%q: ok=%v, NewFromString err=%v", in, ok, err)
		}
		if ok && (got.String() != want.String() || got.Exponent() != want.Exponent() || got.Coefficient().Cmp(want.Coefficient()) != 0) {
			t.Fatalf("%q: %v (exp %d), NewFromString %v (exp %d)", in, got, got.Exponent(), want, want.Exponent())
		}
	}
}

// Past the balances read on the stack the fast path moves to the heap; the
// result must not depend on where the switch falls.
func TestDecodeFastManyBalances(t *testing.T) {
	for _, n := range []int{0, 1, 7, 8, 9, 16, 17, 300} {
		var b strings.Builder
		b.WriteString(`{"canTrade":true,"balances":[`)
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"asset":"A%d","free":"%d.%08d","locked":"0.00000000"}`, i, i, i*7)
		}
		b.WriteString(`],"permissions":["SPOT"]}`)
		in := []byte(b.String())
		checkDecodeFast(t, in)
		var r balancesResp
		if !r.DecodeFast(in) || len(r.Balances) != n || cap(r.Balances) > n+1 {
			t.Fatalf("%d balances: decoded %d (cap %d)", n, len(r.Balances), cap(r.Balances))
		}
	}
}

// Zero amounts share one coefficient; nothing done with one may show in
// another.
func TestDecodeFastZeroIsShared(t *testing.T) {
	in := []byte(`{"balances":[{"asset":"A","free":"0.0","locked":"0.00000000"},{"asset":"B","free":"-0","locked":"0"}]}`)
	var r balancesResp
	if !r.DecodeFast(in) {
		t.Fatal("fell back")
	}
	one := decimal.RequireFromString("1.5")
	sum := r.Balances[0].Locked.Add(one).Sub(r.Balances[1].Free).Mul(one)
	neg := r.Balances[1].Locked.Neg().Sub(one)
	_ = r.Balances[0].Free.BigInt().SetInt64(42)
	_ = r.Balances[0].Free.Coefficient().SetInt64(42)
	for i, b := range r.Balances {
		if !b.Free.IsZero() || !b.Locked.IsZero() {
			t.Fatalf("balance %d changed: %+v", i, b)
		}
	}
	if !decimal.Zero.IsZero() || sum.String() != "2.25" || neg.String() != "-1.5" {
		t.Fatalf("zero %v, sum %v, neg %v", decimal.Zero, sum, neg)
	}
	if got := r.Balances[0].Locked.Exponent(); got != -8 {
		t.Fatalf("exponent %d", got)
	}
}
