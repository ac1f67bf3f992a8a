package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/vigil-trade/vigil/exchange/binance/binancetest"
)

// What vigil order prints is what is true of the order (issue 11, item
// 11): a cancel does not print the cancel time as CREATED, and a market
// order has no time in force, whatever the venue echoes.
func TestOrderOutputIsTrue(t *testing.T) {
	h := newHarness(t)
	srv := orderFake(t, binancetest.Testnet)
	g := h.orderSetup(srv.URL, orderAcct{network: "testnet"})

	r := h.mustRun("", nil, with(g, "order", "place", "--account", "bn", "--symbol", "BTCUSDT", "--side", "buy",
		"--type", "limit", "--qty", "0.001", "--price", "50000", "--json")...)
	placed := decodeResult(t, r.stdout)
	if placed.Order == nil || placed.Order.Created == nil {
		t.Fatalf("place: %+v", placed)
	}
	// The venue's clock moves on an hour before the cancel, so a cancel
	// time passed off as the creation time cannot go unnoticed.
	srv.Sim().SetSkew(time.Hour)
	r = h.mustRun("", nil, with(g, "order", "cancel", "--account", "bn", "--symbol", "BTCUSDT",
		"--client-id", placed.Order.ClientID, "--json")...)
	cancelled := decodeResult(t, r.stdout)
	if cancelled.Order == nil || cancelled.Order.Status != "CANCELED" || cancelled.Order.Created == nil {
		t.Fatalf("cancel: %+v", cancelled)
	}
	if d := cancelled.Order.Created.Sub(*placed.Order.Created); d < -5*time.Second || d > 5*time.Second {
		t.Fatalf("cancel prints created %v; the order was created %v", cancelled.Order.Created, placed.Order.Created)
	}

	r = h.mustRun("", nil, with(g, "order", "place", "--account", "bn", "--symbol", "BTCUSDT", "--side", "buy",
		"--type", "market", "--qty", "0.001", "--json")...)
	market := decodeResult(t, r.stdout)
	if market.Order == nil || market.Order.Status != "FILLED" || market.Order.TIF != "" || market.Order.Price != "" {
		t.Fatalf("market order printed %+v: want FILLED without tif or price", market.Order)
	}
	r = h.mustRun("", nil, with(g, "order", "list", "--account", "bn")...)
	if row := tableRow(t, r.stdout, market.Order.ClientID); row[5] != "MARKET" || row[6] != "-" {
		t.Fatalf("market row %q: want TIF -", row)
	}
	if !strings.Contains(r.stdout, "TIF") {
		t.Fatal("no TIF column")
	}
}
