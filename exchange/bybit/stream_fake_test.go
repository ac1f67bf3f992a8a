package bybit_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/bybit"
	"github.com/vigil-trade/vigil/exchange/bybit/bybittest"
	"github.com/vigil-trade/vigil/exchange/streamtest"
	"github.com/vigil-trade/vigil/exchange/wsconn"
)

// TestPrivateStream: over loopback, the stream authenticates against the
// fake, subscribes to the order and wallet topics, and orders placed,
// cancelled and filled over REST arrive as order events with the balance
// changes they make.
func TestPrivateStream(t *testing.T) {
	srv := bybittest.NewServer()
	defer srv.Close()
	srv.AddKey(keyID, keySecret, bybittest.TradePerms(bybittest.DefaultAccount))
	fund(t, srv)
	c := loopbackClient(t, srv, bybit.WithAccount(exchange.AccountInfo{Name: "bybit-test", Network: exchange.Testnet}))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r := streamtest.Live(t, ctx, c, "bybit-test")
	x := srv.Sim()

	r.Lifecycle(c, x, bybittest.DefaultAccount, "BTCUSDT", decimal.NewFromInt(30000), false)
	assertAllAccepted(t, srv, 0)
}

func TestPrivateStreamAuthRefused(t *testing.T) {
	srv := bybittest.NewServer()
	defer srv.Close()
	srv.AddKey(keyID, keySecret, bybittest.TradePerms(bybittest.DefaultAccount))
	bound := bybittest.TradePerms(bybittest.DefaultAccount)
	bound.IPs = []string{"203.0.113.7"}
	srv.AddKey("boundKey00000000000", keySecret, bound)
	for _, tc := range []struct {
		name   string
		key    string
		sec    string
		skew   time.Duration
		kind   exchange.Kind
		advice string
	}{
		{"secret", keyID, strings.ToLower(keySecret), 0, exchange.KindSignature, "secret"},
		{"unknown key", "nokey0000000000000", keySecret, 0, exchange.KindAuth, "stream-testnet"},
		{"bound IP", "boundKey00000000000", keySecret, 0, exchange.KindPermission, "bound IPs"},
		// Bybit's clock steps 30 s ahead after the client measured it: the
		// auth's 10 s expiry is already past on arrival.
		{"clock behind", keyID, keySecret, 30 * time.Second, exchange.KindClock, "before the next login"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := loopbackClient(t, srv, bybit.WithKey(tc.key, secret(tc.sec)))
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := c.SyncClock(ctx); err != nil {
				t.Fatal(err)
			}
			srv.Sim().SetSkew(tc.skew)
			defer srv.Sim().SetSkew(0)
			s, err := c.Stream(ctx)
			if err == nil {
				s.Close()
				t.Fatal("auth was accepted")
			}
			var ae *exchange.APIError
			if !errors.As(err, &ae) || ae.Code != "auth" || ae.Kind != tc.kind || !strings.Contains(ae.Advice(), tc.advice) {
				t.Fatalf("err %v (%+v)", err, ae)
			}
		})
	}
}

// suite is the stream suite against bybittest, with a 1 s heartbeat.
var suite = streamtest.Suite{
	Fake: func() streamtest.Fake {
		srv := bybittest.New(bybittest.WithClientIP(func(*http.Request) string { return "127.0.0.1" }))
		srv.AddKey(keyID, keySecret, bybittest.TradePerms(bybittest.DefaultAccount))
		return srv
	},
	Connect: func(t *testing.T, hc *http.Client, account string) (exchange.Venue, exchange.Streamer) {
		c, err := bybit.New(
			bybit.WithBaseURL("http://bybit.fake"),
			bybit.WithWSURL("ws://bybit.fake"+bybittest.WSPath),
			bybit.WithAccount(exchange.AccountInfo{Name: account, Network: exchange.Testnet}),
			bybit.WithKey(keyID, secret(keySecret)),
			bybit.WithHTTPClient(hc),
		)
		if err != nil {
			t.Fatal(err)
		}
		return c, bybit.NewStreamer(c, wsconn.WithHeartbeat(time.Second, time.Second))
	},
	SimAccount: bybittest.DefaultAccount, Symbol: "BTCUSDT", Faults: 60, Seed: 5,
	Expired: "connection lost",
}

func TestStreamSurvivesFaults(t *testing.T) { suite.SurvivesFaults(t) }
func TestNoPongDetected(t *testing.T)       { suite.NoPongDetected(t) }
func TestSilentStreamDetected(t *testing.T) { suite.SilentDetected(t) }

// TestExpireReconnects: a connection Bybit closes (max_active_time) is
// re-established at once.
func TestExpireReconnects(t *testing.T) { suite.ExpireReconnects(t) }

// TestPlannedCloseReconnects: Bybit documents no notice of a planned
// disconnect, so a connection the venue closes is simply reconnected and
// resynced.
func TestPlannedCloseReconnects(t *testing.T) { suite.PlannedClose(t) }
