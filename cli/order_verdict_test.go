package cli

import (
	"strings"
	"testing"

	"github.com/vigil-trade/vigil/exchange/binance/binancetest"
)

// Issue 13: `vigil order place` renders the one verdict: a step fix that
// broke the minimum value is now the quantity that passes both, named as
// the nearest valid order.
func TestOrderPlaceNearestOrderPassesEveryRule(t *testing.T) {
	h := newHarness(t)
	srv := orderFake(t, binancetest.Testnet)
	g := h.orderSetup(srv.URL, orderAcct{network: "testnet"})
	r := h.run("", nil, with(g, "order", "place", "--account", "bn", "--symbol", "BTCUSDT", "--side", "buy",
		"--type", "limit", "--qty", "0.000015", "--price", "50000", "--json")...)
	res := decodeResult(t, r.stdout)
	if r.code != ExitUsage || res.Outcome != "refused" || res.NearestOrder == nil ||
		res.NearestOrder.Qty != "0.00010" || res.NearestOrder.Price != "50000.00" {
		t.Fatalf("%d %+v\n%s", r.code, res, r.stderr)
	}
	for _, v := range res.Violations {
		if v.Nearest != "0.00010" {
			t.Errorf("%s offers %s: 0.00002 (the step alone) is worth 1 USDT, under the minimum", v.Rule, v.Nearest)
		}
	}
	if !strings.Contains(r.stderr, "nearest valid order: BUY LIMIT 0.00010 BTCUSDT @ 50000.00") {
		t.Fatalf("stderr:\n%s", r.stderr)
	}
	if p, _ := orderPosts(srv); p != 0 {
		t.Fatal("a refused order was sent")
	}
}

// Funds short is a warning that needs the typed symbol, not a refusal; and
// "yes" is not the symbol.
func TestOrderPlaceFundsShortNeedsTheSymbol(t *testing.T) {
	h := newHarness(t)
	srv := orderFake(t, binancetest.Testnet) // 10000 USDT, 1 BTC
	g := h.orderSetup(srv.URL, orderAcct{network: "testnet"})
	place := with(g, "order", "place", "--account", "bn", "--symbol", "BTCUSDT", "--side", "buy",
		"--type", "limit", "--qty", "0.3", "--price", "50000")
	r := h.run("", []string{"yes"}, place...)
	if r.code != ExitFailure || !strings.Contains(r.stderr, "funds short: needs 15000 USDT, 10000 USDT free") ||
		!strings.Contains(r.stderr, "not confirmed: nothing sent") {
		t.Fatalf("yes to funds short: %d\n%s", r.code, r.stderr)
	}
	if len(r.tty.prompts) != 1 || !strings.Contains(r.tty.prompts[0], "Type BTCUSDT") {
		t.Fatalf("prompts %q", r.tty.prompts)
	}
	if p, _ := orderPosts(srv); p != 0 {
		t.Fatal("sent on yes")
	}
	// --yes confirms in a script; the warning is in the JSON.
	r = h.run("", nil, append(place, "--yes", "--json")...)
	res := decodeResult(t, r.stdout)
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "needs 15000 USDT, 10000 USDT free") {
		t.Fatalf("json warnings: %+v", res)
	}
	if p, _ := orderPosts(srv); p != 1 {
		t.Fatalf("%d orders sent, want the confirmed one", p)
	}
	// Within the free balance: no question.
	h.mustRun("", nil, with(g, "order", "place", "--account", "bn", "--symbol", "BTCUSDT", "--side", "sell",
		"--type", "limit", "--qty", "0.001", "--price", "90000")...)
}
