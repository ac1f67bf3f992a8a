package bybit_test

import (
	"context"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
)

// TestQuote: the client's Quote reads the fake's best bid, best ask and
// last price for one symbol, and follows the price when it moves.
func TestQuote(t *testing.T) {
	srv := newFake(t)
	c := clientFor(t, srv, nil)
	var _ exchange.Quoter = c
	ctx := context.Background()
	r, err := c.Rules(ctx, "BTCUSDT")
	if err != nil {
		t.Fatal(err)
	}
	srv.Sim().SetPrice("BTCUSDT", decimal.NewFromInt(61000))
	q, err := c.Quote(ctx, "BTCUSDT")
	if err != nil {
		t.Fatal(err)
	}
	last := decimal.NewFromInt(61000)
	if q.Symbol != "BTCUSDT" || !q.Last.Equal(last) || !q.Bid.Equal(last.Sub(r.TickSize)) || !q.Ask.Equal(last.Add(r.TickSize)) {
		t.Fatalf("quote %+v, want last 61000 and a tick (%s) either side", q, r.TickSize)
	}
	if _, err := c.Quote(ctx, "NOPE"); err == nil {
		t.Fatal("a quote for a symbol the venue does not list")
	}
}
