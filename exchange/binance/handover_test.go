package binance_test

import (
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/binance"
	"github.com/vigil-trade/vigil/exchange/binance/binancetest"
	"github.com/vigil-trade/vigil/exchange/sim"
	"github.com/vigil-trade/vigil/exchange/streamtest"
)

// TestServerShutdownHandover: on serverShutdown the supervisor opens, logs
// in and subscribes a new connection while the old one keeps delivering,
// then closes the old one itself with a close frame; no event is lost or
// applied twice across the switch.
func TestServerShutdownHandover(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := binancetest.New(binancetest.WithClientIP(func(*http.Request) string { return "127.0.0.1" }))
		mem := sim.NewMemNet(srv.Handler())
		t.Cleanup(mem.Close)
		t.Cleanup(srv.Close)
		srv.AddHMACKey(strings.Repeat("H", 64), strings.Repeat("s", 64), binancetest.TradePerms(account))
		x := srv.Sim()
		for asset, amt := range map[string]string{"USDT": "100000", "BTC": "2"} {
			if err := x.Deposit(account, asset, decimal.RequireFromString(amt)); err != nil {
				t.Fatal(err)
			}
		}
		c, err := binance.New(
			binance.WithBaseURL("http://fake.binance"),
			binance.WithAccount(exchange.AccountInfo{Name: account, Network: exchange.Testnet}),
			binance.WithAPIKey(strings.Repeat("H", 64)),
			binance.WithSecret(crypto.NewSecret([]byte(strings.Repeat("s", 64)))),
			binance.WithHTTPClient(mem.Client()),
		)
		if err != nil {
			t.Fatal(err)
		}
		env := streamtest.Start(t, streamtest.Config{
			Account: account, Venue: c, AuditEvery: time.Hour,
			Streamer: binance.NewStreamer(c,
				binance.WithStreamURL("ws://fake.binance"+binancetest.WSPath),
				binance.WithStreamHTTPClient(mem.Client()),
				binance.WithHeartbeat(time.Second, time.Second, 2*time.Second)),
		})
		env.WaitLive(5 * time.Second)
		env.ExpectHandover(srv, x, account, "BTCUSDT")
		if !env.Logged("serverShutdown") {
			t.Errorf("the notice is not logged: %q", env.Logs())
		}
	})
}
