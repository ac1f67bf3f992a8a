package bybit_test

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
	"github.com/vigil-trade/vigil/exchange/bybit"
	"github.com/vigil-trade/vigil/exchange/bybit/bybittest"
	"github.com/vigil-trade/vigil/exchange/sim"
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
	if err := c.SyncClock(ctx); err != nil {
		t.Fatal(err)
	}
	s, err := c.Stream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r := streamtest.NewReader(t, ctx, s, "bybit-test")
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

// streamEnv is the fake on an in-memory network (for a synctest bubble),
// the real client and its streamer with a 1 s heartbeat, supervised.
func streamEnv(t *testing.T, audit time.Duration) (*bybittest.Server, *bybit.Client, *streamtest.Env) {
	t.Helper()
	srv := bybittest.New(bybittest.WithClientIP(func(*http.Request) string { return "127.0.0.1" }))
	mem := sim.NewMemNet(srv.Handler())
	t.Cleanup(mem.Close)
	t.Cleanup(srv.Close)
	srv.AddKey(keyID, keySecret, bybittest.TradePerms(bybittest.DefaultAccount))
	x := srv.Sim()
	for asset, amt := range map[string]string{"USDT": "100000", "BTC": "2"} {
		if err := x.Deposit(bybittest.DefaultAccount, asset, decimal.RequireFromString(amt)); err != nil {
			t.Fatal(err)
		}
	}
	c, err := bybit.New(
		bybit.WithBaseURL("http://bybit.fake"),
		bybit.WithWSURL("ws://bybit.fake"+bybittest.WSPath),
		bybit.WithAccount(exchange.AccountInfo{Name: "acct", Network: exchange.Testnet}),
		bybit.WithKey(keyID, secret(keySecret)),
		bybit.WithHTTPClient(mem.Client()),
	)
	if err != nil {
		t.Fatal(err)
	}
	env := streamtest.Start(t, streamtest.Config{
		Account: "acct", Venue: c, AuditEvery: audit,
		Streamer: bybit.NewStreamer(c, wsconn.WithHeartbeat(time.Second, time.Second)),
	})
	return srv, c, env
}

// TestStreamSurvivesFaults trades through 60 random stream faults of every
// kind; the supervisor's blotter and balances end equal to the venue's.
func TestStreamSurvivesFaults(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, _, env := streamEnv(t, 0)
		env.WaitLive(5 * time.Second)
		env.RunFaults(streamtest.Run{Sim: srv.Sim(), SimAccount: bybittest.DefaultAccount, Symbol: "BTCUSDT", Faults: srv, Count: 60, Seed: 5})
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
		env.ExpectSilentDetected(srv.Sim(), bybittest.DefaultAccount, "BTCUSDT", srv)
	})
}

// TestExpireReconnects: a connection Bybit closes (max_active_time) is
// re-established at once.
func TestExpireReconnects(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, _, env := streamEnv(t, time.Hour)
		env.WaitLive(5 * time.Second)
		env.ExpectReconnect(srv, sim.StreamExpire, "connection lost")
	})
}

// TestPlannedCloseReconnects: Bybit documents no notice of a planned
// disconnect, so a connection the venue closes is simply reconnected and
// resynced.
func TestPlannedCloseReconnects(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, _, env := streamEnv(t, time.Hour)
		env.WaitLive(5 * time.Second)
		env.ExpectReconnect(srv, sim.StreamNotice)
	})
}
