package okx_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/okx"
	"github.com/vigil-trade/vigil/exchange/okx/okxtest"
	"github.com/vigil-trade/vigil/exchange/streamtest"
	"github.com/vigil-trade/vigil/exchange/wsconn"
)

// TestPrivateStream: over loopback, the stream logs in against the fake,
// subscribes to orders and the account, starts with the balances, and
// orders placed, cancelled and filled over REST arrive as order events
// with the balance changes they make.
func TestPrivateStream(t *testing.T) {
	srv := okxtest.NewServer()
	defer srv.Close()
	srv.AddKey(keyID, keySecret, passphrase, okxtest.TradePerms(okxtest.DefaultAccount))
	fund(t, srv)
	c := loopbackClient(t, srv, okx.WithAccount(exchange.AccountInfo{Name: "okx-demo", Network: exchange.Testnet}))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r := streamtest.Live(t, ctx, c, "okx-demo")
	x := srv.Sim()
	r.BalancesMatch(x, okxtest.DefaultAccount) // the account channel's first push

	r.Lifecycle(c, x, okxtest.DefaultAccount, "BTC-USDT", decimal.NewFromInt(30000), true)
	assertAllAccepted(t, srv, 0)
}

func TestPrivateStreamLoginRefused(t *testing.T) {
	srv := okxtest.NewServer()
	defer srv.Close()
	srv.AddKey(keyID, keySecret, passphrase, okxtest.TradePerms(okxtest.DefaultAccount))
	live := okxtest.TradePerms(okxtest.DefaultAccount)
	live.Live = true
	srv.AddKey("live-key", keySecret, passphrase, live)
	for _, tc := range []struct {
		name      string
		key       string
		sec, pass string
		code      string
		kind      exchange.Kind
	}{
		{"secret", keyID, strings.ToLower(keySecret), passphrase, "60007", exchange.KindSignature},
		{"passphrase", keyID, keySecret, "wrong", "60024", exchange.KindAuth},
		{"live key on the demo host", "live-key", keySecret, passphrase, "60009", exchange.KindAuth},
		{"unknown key", "0000", keySecret, passphrase, "60005", exchange.KindAuth},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := loopbackClient(t, srv, okx.WithKey(tc.key, secret(tc.sec), secret(tc.pass)))
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			s, err := c.Stream(ctx)
			if err == nil {
				s.Close()
				t.Fatal("login with a wrong credential was accepted")
			}
			var ae *exchange.APIError
			if !errors.As(err, &ae) || ae.Code != tc.code || ae.Kind != tc.kind || ae.Advice() == "" {
				t.Fatalf("err %v (%+v)", err, ae)
			}
		})
	}
}

// suite is the stream suite against okxtest, with a 1 s heartbeat.
var suite = streamtest.Suite{
	Fake: func() streamtest.Fake {
		srv := okxtest.New(okxtest.WithClientIP(func(*http.Request) string { return "127.0.0.1" }))
		srv.AddKey(keyID, keySecret, passphrase, okxtest.TradePerms(okxtest.DefaultAccount))
		return srv
	},
	Connect: func(t *testing.T, hc *http.Client, account string) (exchange.Venue, exchange.Streamer) {
		c, err := okx.New(
			okx.WithBaseURL("http://okx.fake"),
			okx.WithWSURL("ws://okx.fake"+okxtest.WSPath),
			okx.WithAccount(exchange.AccountInfo{Name: account, Network: exchange.Testnet}),
			okx.WithKey(keyID, secret(keySecret), secret(passphrase)),
			okx.WithHTTPClient(hc),
		)
		if err != nil {
			t.Fatal(err)
		}
		return c, okx.NewStreamer(c, wsconn.WithHeartbeat(time.Second, time.Second))
	},
	SimAccount: okxtest.DefaultAccount, Symbol: "BTC-USDT", Faults: 60, Seed: 3,
	Expired: "64008", Notice: "64008",
}

func TestStreamSurvivesFaults(t *testing.T) { suite.SurvivesFaults(t) }
func TestNoPongDetected(t *testing.T)       { suite.NoPongDetected(t) }
func TestSilentStreamDetected(t *testing.T) { suite.SilentDetected(t) }

// TestExpireReconnects: OKX's 64008 notice followed by a close ends the
// stream at once.
func TestExpireReconnects(t *testing.T) { suite.ExpireReconnects(t) }

// TestNoticeHandover: on OKX's 64008 notice the new connection takes over
// before the old one closes (the new connection's account snapshot
// included, no event is lost or applied twice).
func TestNoticeHandover(t *testing.T) { suite.PlannedClose(t) }
