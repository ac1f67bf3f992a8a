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
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/orders"
	"github.com/vigil-trade/vigil/orders/internal/fakevenue"
	"github.com/vigil-trade/vigil/store"
)

func main() {
	journal := flag.String("journal", "", "journal file")
	base := flag.String("url", "", "fake venue base URL")
	n := flag.Int("n", 1000, "orders to place")
	grace := flag.Duration("grace", 5*time.Millisecond, "grace before a not-found is believed")
	venue := flag.String("venue", "fake", "fake: orders/internal/fakevenue; a venue's config name: its client against its fake")
	symbol := flag.String("symbol", "BTCUSDT", "the symbol to trade, in the venue's spelling")
	dataDir := flag.String("data-dir", "", "the data directory shared with the checker (nonce floors)")
	var key fakevenue.Key
	flag.StringVar(&key.ID, "key-id", "", "the fake's API key id")
	flag.StringVar(&key.Secret, "secret", "", "the fake's HMAC secret (a test key, not a secret)")
	flag.Func("field", "name=value: another credential the venue needs (repeatable)", func(s string) error {
		name, value, ok := strings.Cut(s, "=")
		if !ok {
			return fmt.Errorf("want name=value")
		}
		if key.Fields == nil {
			key.Fields = map[string]string{}
		}
		key.Fields[name] = value
		return nil
	})
	flag.Parse()
	if err := run(*journal, *base, *venue, *symbol, *dataDir, key, *n, *grace); err != nil {
		fmt.Fprintln(os.Stderr, "crashtest:", err)
		os.Exit(1)
	}
}

func run(path, base, venue, symbol, dataDir string, key fakevenue.Key, n int, grace time.Duration) error {
	j, err := store.Open(path)
	if err != nil {
		return err
	}
	defer j.Close()
	const acct = "crash"
	ctx := context.Background()
	var v exchange.Venue = fakevenue.NewHTTPVenue(base, acct)
	if venue != "fake" {
		if v, err = fakevenue.OpenVenue(venue, base, acct, key, nil, dataDir); err != nil {
			return err
		}
	}
	d := orders.NewDesk(j, map[string]exchange.Venue{acct: v}, orders.WithGrace(grace))
	if _, err := d.Reconcile(ctx, acct); err != nil {
		return err
	}
	if !d.Ready(acct) {
		return fmt.Errorf("not ready after reconcile")
	}
	for i := range n {
		req := exchange.OrderRequest{Symbol: symbol, Side: exchange.Buy, Type: exchange.LimitOrder, TIF: exchange.GTC,
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
