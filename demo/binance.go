package demo

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"time"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/binance"
	"github.com/vigil-trade/vigil/exchange/binance/binancetest"
	"github.com/vigil-trade/vigil/exchange/sim"
)

// Binance demo account names.
const (
	BinanceHMAC    = "demo-binance"
	BinanceEd25519 = "demo-binance-ed"
)

// startBinance runs a fake Binance (testnet flavour) whose clock runs 40 ms
// ahead and gains 30 ms an hour, with two accounts: an HMAC key, and an
// Ed25519 key on a client whose local clock lags 250 ms, so the clock pane
// shows two different offsets for one venue; then extra HMAC accounts.
func startBinance(seed uint64, hc *http.Client, extra int) (*kit, error) {
	x := sim.New(sim.WithSeed(seed))
	for _, s := range demoSymbols(binancetest.DefaultSymbols(), "BTCUSDT", "ETHUSDT") {
		if err := x.AddSymbol(s); err != nil {
			return nil, err
		}
	}
	const skew = 40 * time.Millisecond
	x.SetSkew(skew)
	x.SetDrift(30 * time.Millisecond)
	x.SetLatency(sim.LatencyConfig{
		Request:  sim.Leg{Mean: 3 * time.Millisecond, Jitter: 2 * time.Millisecond},
		Response: sim.Leg{Mean: 3 * time.Millisecond, Jitter: 2 * time.Millisecond},
	})
	srv := binancetest.NewServer(binancetest.WithSim(x), binancetest.WithMode(binancetest.Testnet))
	k := &kit{
		sim: x, btc: "BTCUSDT", eth: "ETHUSDT", venue: "binance", skew: skew,
		refusals: func() int {
			return countRequests(srv.Requests(), func(r binancetest.Request) bool { return r.Code == -1021 })
		},
		dropStream: func() { srv.SetStreamFault(binancetest.StreamDrop, 0) },
		close:      srv.Close,
	}
	fail := func(err error) (*kit, error) {
		srv.Close()
		return nil, err
	}
	created := time.Now().Add(-30 * 24 * time.Hour)
	perms := func(account string) binancetest.Perms {
		p := binancetest.TradePerms(account)
		p.Created = created
		return p
	}

	hmacID, hmacSecret := randomID(64), randomID(64)
	srv.AddHMACKey(hmacID, hmacSecret, perms(BinanceHMAC))
	secret := crypto.NewSecret([]byte(hmacSecret))

	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return fail(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	clear(priv)
	if err != nil {
		return fail(err)
	}
	block := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	clear(der)
	edSecret := crypto.NewSecret(block)
	clear(block)
	edID := randomID(64)
	srv.AddEd25519Key(edID, pub, perms(BinanceEd25519))

	type acct struct {
		name   string
		id     string
		scheme exchange.Scheme
		secret crypto.Secret
		now    func() time.Time
	}
	accounts := []acct{
		{BinanceHMAC, hmacID, exchange.SchemeHMAC, secret, time.Now},
		{BinanceEd25519, edID, exchange.SchemeEd25519, edSecret, func() time.Time { return time.Now().Add(-250 * time.Millisecond) }},
	}
	for j := range extra {
		name, id, sec := extraName(BinanceHMAC, j), randomID(64), randomID(64)
		srv.AddHMACKey(id, sec, perms(name))
		accounts = append(accounts, acct{name, id, exchange.SchemeHMAC, crypto.NewSecret([]byte(sec)), time.Now})
	}
	for _, a := range accounts {
		// The testnet reports canWithdraw from the account, not the key;
		// demo accounts say no so the audit has nothing false to flag.
		srv.SetAccountFlags(a.name, true, false, true)
		if err := fund(x, a.name); err != nil {
			return fail(err)
		}
		c, err := binance.New(
			binance.WithBaseURL(srv.URL),
			binance.WithAccount(exchange.AccountInfo{
				Name: a.name, Venue: "binance", Network: exchange.Testnet, Scheme: a.scheme,
				KeyID: crypto.MaskID(a.id), KeyCreated: created, Demo: true,
			}),
			binance.WithAPIKey(a.id),
			binance.WithScheme(a.scheme),
			binance.WithSecret(a.secret),
			binance.WithHTTPClient(hc),
			binance.WithNow(a.now),
		)
		if err != nil {
			return fail(err)
		}
		k.venues = append(k.venues, c)
		k.accounts = append(k.accounts, Account{Name: a.name, Venue: "binance", BaseURL: srv.URL, WSURL: srv.WSURL,
			KeyID: a.id, Scheme: a.scheme, Secret: a.secret, Created: created})
	}
	return k, nil
}

// randomID is n characters of [A-Za-z0-9], like Binance's key ids and
// secrets.
func randomID(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
