package binance_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/binance"
	"github.com/vigil-trade/vigil/exchange/binance/binancetest"
	"github.com/vigil-trade/vigil/exchange/sim"
	"github.com/vigil-trade/vigil/exchange/streamtest"
	"github.com/vigil-trade/vigil/exchange/wsconn"
)

const account = "acct"

var (
	streamHMACKey = strings.Repeat("H", 64)
	streamEdKey   = strings.Repeat("E", 64)
)

// streamSuite is the stream suite against binancetest (pinging every 2 s)
// with a key of scheme: a 1 s heartbeat and a 2 s subscription check.
func streamSuite(scheme exchange.Scheme) streamtest.Suite {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	return streamtest.Suite{
		Fake: func() streamtest.Fake {
			srv := binancetest.New(binancetest.WithClientIP(func(*http.Request) string { return "127.0.0.1" }), binancetest.WithPingInterval(2*time.Second))
			srv.AddHMACKey(streamHMACKey, strings.Repeat("s", 64), binancetest.TradePerms(account))
			srv.AddEd25519Key(streamEdKey, pub, binancetest.TradePerms(account))
			return srv
		},
		Connect: func(t *testing.T, hc *http.Client, name string) (exchange.Venue, exchange.Streamer) {
			opts := []binance.Option{
				binance.WithBaseURL("http://fake.binance"),
				binance.WithAccount(exchange.AccountInfo{Name: name, Network: exchange.Testnet, Scheme: scheme}),
				binance.WithHTTPClient(hc),
			}
			if scheme == exchange.SchemeEd25519 {
				der, err := x509.MarshalPKCS8PrivateKey(priv)
				if err != nil {
					t.Fatal(err)
				}
				opts = append(opts, binance.WithAPIKey(streamEdKey), binance.WithScheme(exchange.SchemeEd25519),
					binance.WithSecret(crypto.NewSecret(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))))
			} else {
				opts = append(opts, binance.WithAPIKey(streamHMACKey), binance.WithSecret(crypto.NewSecret([]byte(strings.Repeat("s", 64)))))
			}
			c, err := binance.New(opts...)
			if err != nil {
				t.Fatal(err)
			}
			return c, binance.NewStreamer(c, binance.WithStreamURL("ws://fake.binance"+binancetest.WSPath),
				wsconn.WithHeartbeat(time.Second, time.Second), wsconn.WithCheckEvery(2*time.Second))
		},
		SimAccount: account, Symbol: "BTCUSDT", Faults: 100, Seed: uint64(len(scheme)),
		Expired: "eventStreamTerminated", Notice: "serverShutdown",
	}
}

// TestStreamSurvivesFaults trades (places, cancels, fills by moving the
// price) through 100 random stream faults of every kind, with each key
// type's login, and then checks the keeper's blotter and balances against
// the fake venue's own books.
func TestStreamSurvivesFaults(t *testing.T) {
	for _, scheme := range []exchange.Scheme{exchange.SchemeHMAC, exchange.SchemeEd25519} {
		t.Run(string(scheme), streamSuite(scheme).SurvivesFaults)
	}
}

func TestSilentStreamDetected(t *testing.T) { streamSuite(exchange.SchemeHMAC).SilentDetected(t) }
func TestNoPongDetected(t *testing.T)       { streamSuite(exchange.SchemeEd25519).NoPongDetected(t) }

// TestExpireReconnects: eventStreamTerminated ends the stream at once.
func TestExpireReconnects(t *testing.T) { streamSuite(exchange.SchemeHMAC).ExpireReconnects(t) }

// TestBadKeyStaysDown: a key the venue no longer knows keeps failing; after
// DownAfter attempts the state is down, with the reason.
func TestBadKeyStaysDown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f, env := streamSuite(exchange.SchemeHMAC).Start(t, 0)
		env.WaitLive(5 * time.Second)
		f.(*binancetest.Server).RemoveKey(streamHMACKey)
		f.SetStreamFault(sim.StreamDrop, 0)
		time.Sleep(20 * time.Second)
		synctest.Wait()
		last := env.Status()
		if last.State != exchange.StreamDown || last.Attempt < 5 || last.Err == "" {
			t.Errorf("status %+v after 20 s of refused logins, want down with a reason", last)
		}
	})
}
