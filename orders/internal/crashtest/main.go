// Command crashtest places and cancels orders through an orders.Desk
// against a fake venue over HTTP until it is killed. The orders package's
// crash test runs it, SIGKILLs it at random points and checks the journal
// against the venue.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/binance"
	"github.com/vigil-trade/vigil/orders"
	"github.com/vigil-trade/vigil/orders/internal/fakevenue"
	"github.com/vigil-trade/vigil/store"
)

func main() {
	journal := flag.String("journal", "", "journal file")
	base := flag.String("url", "", "fake venue base URL")
	n := flag.Int("n", 1000, "orders to place")
	grace := flag.Duration("grace", 5*time.Millisecond, "grace before a not-found is believed")
	venue := flag.String("venue", "fake", "fake: orders/internal/fakevenue; binance: the Binance client against binancetest")
	flag.Parse()
	if err := run(*journal, *base, *venue, *n, *grace); err != nil {
		fmt.Fprintln(os.Stderr, "crashtest:", err)
		os.Exit(1)
	}
}

// The fake Binance key binancetest is given by the test; not a secret.
const (
	TestKey    = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
	TestSecret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
)

func run(path, base, venue string, n int, grace time.Duration) error {
	j, err := store.Open(path)
	if err != nil {
		return err
	}
	defer j.Close()
	const acct = "crash"
	ctx := context.Background()
	var v exchange.Venue = fakevenue.NewHTTPVenue(base, acct)
	if venue == "binance" {
		c, err := binance.New(binance.WithBaseURL(base), binance.WithAPIKey(TestKey),
			binance.WithAccount(exchange.AccountInfo{Name: acct, Venue: "binance", Network: exchange.Testnet}),
			binance.WithSecret(crypto.NewSecret([]byte(TestSecret))))
		if err != nil {
			return err
		}
		v = c
	}
	d := orders.NewDesk(j, map[string]exchange.Venue{acct: v}, orders.WithGrace(grace))
	if _, err := d.Reconcile(ctx, acct); err != nil {
		return err
	}
	if !d.Ready(acct) {
		return fmt.Errorf("not ready after reconcile")
	}
	for i := range n {
		req := exchange.OrderRequest{Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.LimitOrder, TIF: exchange.GTC,
			Qty: decimal.New(int64(i%7+1), -3), Price: decimal.RequireFromString("30000")}
		if i%2 == 1 {
			req.Type, req.TIF, req.Price = exchange.MarketOrder, "", decimal.Zero
		}
		o, err := d.Place(ctx, acct, req)
		if err != nil {
			continue
		}
		if o.Status.Open() {
			d.Cancel(ctx, acct, exchange.OrderRef{ClientID: o.ClientID})
		}
	}
	return nil
}
