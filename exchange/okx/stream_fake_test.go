package okx_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/okx"
	"github.com/vigil-trade/vigil/exchange/okx/okxtest"
	"github.com/vigil-trade/vigil/exchange/sim"
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
	if err := c.SyncClock(ctx); err != nil {
		t.Fatal(err)
	}
	s, err := c.Stream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r := streamtest.NewReader(t, ctx, s, "okx-demo")
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

// streamEnv is the fake on an in-memory network (for a synctest bubble),
// the real client and its streamer with a 1 s heartbeat, supervised.
func streamEnv(t *testing.T, audit time.Duration) (*okxtest.Server, *okx.Client, *streamtest.Env) {
	t.Helper()
	srv := okxtest.New(okxtest.WithClientIP(func(*http.Request) string { return "127.0.0.1" }))
	mem := sim.NewMemNet(srv.Handler())
	t.Cleanup(mem.Close)
	t.Cleanup(srv.Close)
	srv.AddKey(keyID, keySecret, passphrase, okxtest.TradePerms(okxtest.DefaultAccount))
	x := srv.Sim()
	for asset, amt := range map[string]string{"USDT": "100000", "BTC": "2"} {
		if err := x.Deposit(okxtest.DefaultAccount, asset, decimal.RequireFromString(amt)); err != nil {
			t.Fatal(err)
		}
	}
	c, err := okx.New(
		okx.WithBaseURL("http://okx.fake"),
		okx.WithWSURL("ws://okx.fake"+okxtest.WSPath),
		okx.WithAccount(exchange.AccountInfo{Name: "acct", Network: exchange.Testnet}),
		okx.WithKey(keyID, secret(keySecret), secret(passphrase)),
		okx.WithHTTPClient(mem.Client()),
	)
	if err != nil {
		t.Fatal(err)
	}
	env := streamtest.Start(t, streamtest.Config{
		Account: "acct", Venue: c, AuditEvery: audit,
		Streamer: okx.NewStreamer(c, wsconn.WithHeartbeat(time.Second, time.Second)),
	})
	return srv, c, env
}

// TestStreamSurvivesFaults trades through 60 random stream faults of every
// kind; the supervisor's blotter and balances end equal to the venue's.
func TestStreamSurvivesFaults(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, _, env := streamEnv(t, 0)
		env.WaitLive(5 * time.Second)
		env.RunFaults(streamtest.Run{Sim: srv.Sim(), SimAccount: okxtest.DefaultAccount, Symbol: "BTC-USDT", Faults: srv, Count: 60, Seed: 3})
	})
}

// TestNoPongDetected: a connection that stops answering pings is declared
// dead within PingEvery + PongWait (2 s here) and re-established.
func TestNoPongDetected(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, _, env := streamEnv(t, time.Hour)
		env.WaitLive(5 * time.Second)
		env.ExpectNoPongDetected(srv, 2*time.Second)
	})
}

// TestSilentStreamDetected: a stream that answers pings but delivers
// nothing is declared dead by the supervisor's audit and resynced.
func TestSilentStreamDetected(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, _, env := streamEnv(t, 3*time.Second)
		env.WaitLive(5 * time.Second)
		env.ExpectSilentDetected(srv.Sim(), okxtest.DefaultAccount, "BTC-USDT", srv)
	})
}

// TestExpireReconnects: OKX's 64008 notice ends the stream at once.
func TestExpireReconnects(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, _, env := streamEnv(t, time.Hour)
		env.WaitLive(5 * time.Second)
		env.ExpectReconnect(srv, sim.StreamExpire, "64008")
	})
}

// TestNoticeHandover: on OKX's 64008 notice the supervisor opens, logs in
// and subscribes a new connection while the old one keeps delivering, then
// closes the old one itself with a close frame; no event is lost or
// applied twice across the switch (the new connection's account snapshot
// included).
func TestNoticeHandover(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, _, env := streamEnv(t, time.Hour)
		env.WaitLive(5 * time.Second)
		env.ExpectHandover(srv, srv.Sim(), okxtest.DefaultAccount, "BTC-USDT")
		if !env.Logged("64008") {
			t.Errorf("the notice is not logged: %q", env.Logs())
		}
	})
}
