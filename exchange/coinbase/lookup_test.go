package coinbase_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/coinbase"
	"github.com/vigil-trade/vigil/exchange/coinbase/coinbasetest"
)

// TestLookupByClientIDStopsAtItsTime: Coinbase finds no order by client
// id, so vigil lists orders, newest first. For an id vigil made, the
// listing stops at orders made well before the id (they cannot be it):
// one page instead of the account's whole history. An id vigil did not
// make has no time and is looked for to the end.
func TestLookupByClientIDStopsAtItsTime(t *testing.T) {
	srv := coinbasetest.New()
	ts := httptest.NewServer(srv)
	defer ts.Close()
	defer srv.Close()
	name, secret := keys[exchange.SchemeES256][0], keys[exchange.SchemeES256][1]
	if err := srv.AddKey(name, exchange.SchemeES256, secret, coinbasetest.Perms{}); err != nil {
		t.Fatal(err)
	}
	restingOrders(t, srv, 300) // more than one page of 250
	c, err := coinbase.New(coinbase.WithBaseURL(ts.URL), coinbase.WithNetwork(exchange.Testnet), coinbase.WithKey(name, crypto.NewSecret([]byte(secret))))
	if err != nil {
		t.Fatal(err)
	}
	pages := func() int {
		n := 0
		for _, r := range srv.Requests() {
			if r.Path == coinbasetest.Prefix+"/orders/historical/batch" {
				n++
			}
		}
		return n
	}
	ctx := context.Background()
	// Made an hour after every order on the account: its order, were
	// there one, would be on the first page.
	later := coinbase.ClientIDPolicy.New(time.Now().Add(time.Hour))
	if _, err := c.Query(ctx, exchange.OrderRef{Symbol: coinbasetest.BTC, ClientID: later}); !errors.Is(err, exchange.ErrOrderNotFound) {
		t.Fatalf("an id with no order: %v", err)
	}
	if n := pages(); n != 1 {
		t.Fatalf("%d pages read for an id made after every order, want 1", n)
	}
	if _, err := c.Query(ctx, exchange.OrderRef{Symbol: coinbasetest.BTC, ClientID: "not-vigils-id"}); !errors.Is(err, exchange.ErrOrderNotFound) {
		t.Fatalf("an id vigil did not make: %v", err)
	}
	if n := pages(); n != 1+2 {
		t.Fatalf("%d pages in all, want the bounded one and the whole history's two", n-1)
	}
}
