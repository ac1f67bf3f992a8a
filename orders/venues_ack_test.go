package orders

import (
	"context"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/bybit"
	"github.com/vigil-trade/vigil/exchange/bybit/bybittest"
	"github.com/vigil-trade/vigil/exchange/okx"
	"github.com/vigil-trade/vigil/exchange/okx/okxtest"
	"github.com/vigil-trade/vigil/exchange/sim"
)

// OKX and Bybit answer a place with ids only. What the desk reports for a
// market order is its fill, and every order it reports is dated (issue 11,
// item 11: "NEW / filled 0" and CREATED "-" were printed).
func TestAckOnlyVenuesReportTheOrdersState(t *testing.T) {
	fund := func(t *testing.T, x *sim.Exchange, account string) {
		for asset, amt := range map[string]int64{"USDT": 1_000_000, "BTC": 10} {
			if err := x.Deposit(account, asset, decimal.NewFromInt(amt)); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, tc := range []struct {
		name, symbol string
		venue        func(t *testing.T) exchange.Venue
	}{
		{"okx", "BTC-USDT", func(t *testing.T) exchange.Venue {
			srv := okxtest.NewServer()
			t.Cleanup(srv.Close)
			srv.AddKey(testKey, testSecret, "phrase", okxtest.TradePerms(""))
			fund(t, srv.Sim(), okxtest.DefaultAccount)
			c, err := okx.New(okx.WithBaseURL(srv.URL), okx.WithNetwork(exchange.Testnet),
				okx.WithAccount(exchange.AccountInfo{Name: acct, Network: exchange.Testnet}),
				okx.WithKey(testKey, crypto.NewSecret([]byte(testSecret)), crypto.NewSecret([]byte("phrase"))))
			if err != nil {
				t.Fatal(err)
			}
			return c
		}},
		{"bybit", "BTCUSDT", func(t *testing.T) exchange.Venue {
			srv := bybittest.NewServer()
			t.Cleanup(srv.Close)
			srv.AddKey(testKey, testSecret, bybittest.TradePerms(""))
			fund(t, srv.Sim(), bybittest.DefaultAccount)
			c, err := bybit.New(bybit.WithBaseURL(srv.URL), bybit.WithNetwork(exchange.Testnet),
				bybit.WithAccount(exchange.AccountInfo{Name: acct, Network: exchange.Testnet}),
				bybit.WithKey(testKey, crypto.NewSecret([]byte(testSecret))))
			if err != nil {
				t.Fatal(err)
			}
			return c
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			v := tc.venue(t)
			if err := v.SyncClock(ctx); err != nil {
				t.Fatal(err)
			}
			d := NewDesk(openJournal(t), map[string]exchange.Venue{acct: v})
			if _, err := d.Reconcile(ctx, acct); err != nil {
				t.Fatal(err)
			}
			qty := decimal.RequireFromString("0.01")
			o, err := d.Place(ctx, acct, exchange.OrderRequest{Symbol: tc.symbol, Side: exchange.Buy, Type: exchange.MarketOrder, Qty: qty})
			if err != nil {
				t.Fatal(err)
			}
			if o.Status != exchange.StatusFilled || !o.Filled.Equal(qty) || o.Created.IsZero() {
				t.Fatalf("market order reported %s filled %s created %v: want FILLED %s, dated", o.Status, o.Filled, o.Created, qty)
			}
			px, err := v.LastPrice(ctx, tc.symbol)
			if err != nil {
				t.Fatal(err)
			}
			o, err = d.Place(ctx, acct, exchange.OrderRequest{Symbol: tc.symbol, Side: exchange.Buy, Type: exchange.LimitOrder,
				TIF: exchange.GTC, Qty: qty, Price: px.Mul(decimal.RequireFromString("0.8")).Round(0)})
			if err != nil {
				t.Fatal(err)
			}
			if o.Status != exchange.StatusNew || o.Created.IsZero() {
				t.Fatalf("resting limit order reported %s created %v", o.Status, o.Created)
			}
		})
	}
}
