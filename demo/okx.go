package demo

import (
	"net/http"
	"time"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/okx"
	"github.com/vigil-trade/vigil/exchange/okx/okxtest"
	"github.com/vigil-trade/vigil/exchange/sim"
)

// OKXAccount is the OKX demo account's name.
const OKXAccount = "demo-okx"

// startOKX runs a fake OKX in demo-trading mode whose clock is 120 ms
// behind, with one HMAC key (and its API passphrase) and extra more.
func startOKX(seed uint64, hc *http.Client, extra int) (*kit, error) {
	x := sim.New(sim.WithSeed(seed))
	for _, s := range demoSymbols(okxtest.DefaultSymbols(), "BTC-USDT", "ETH-USDT") {
		if err := x.AddSymbol(s); err != nil {
			return nil, err
		}
	}
	const skew = -120 * time.Millisecond
	x.SetSkew(skew)
	x.SetLatency(sim.LatencyConfig{
		Request:  sim.Leg{Mean: 6 * time.Millisecond, Jitter: 3 * time.Millisecond},
		Response: sim.Leg{Mean: 6 * time.Millisecond, Jitter: 3 * time.Millisecond},
	})
	srv := okxtest.NewServer(okxtest.WithSim(x))
	k := &kit{
		sim: x, btc: "BTC-USDT", eth: "ETH-USDT", venue: "okx", skew: skew,
		refusals: func() int {
			return countRequests(srv.Requests(), func(r okxtest.Request) bool { return r.Code == "50102" })
		},
		dropStream: func() { srv.SetStreamFault(sim.StreamDrop, 0) },
		close:      srv.Close,
	}
	created := time.Now().Add(-12 * 24 * time.Hour)
	names := []string{OKXAccount}
	for j := range extra {
		names = append(names, extraName(OKXAccount, j))
	}
	for _, name := range names {
		id, secret, pass := randomUUID(), randomID(32), randomID(16)
		perms := okxtest.TradePerms(name)
		perms.Label = "vigil demo"
		srv.AddKey(id, secret, pass, perms)
		if err := fund(x, name); err != nil {
			srv.Close()
			return nil, err
		}
		c, err := okx.New(
			okx.WithAccount(exchange.AccountInfo{
				Name: name, Venue: "okx", Network: exchange.Testnet, Scheme: exchange.SchemeHMAC,
				KeyID: crypto.MaskID(id), KeyCreated: created, Demo: true,
			}),
			okx.WithNetwork(exchange.Testnet),
			okx.WithBaseURL(srv.URL),
			okx.WithWSURL(srv.WSURL),
			okx.WithKey(id, crypto.NewSecret([]byte(secret)), crypto.NewSecret([]byte(pass))),
			okx.WithHTTPClient(hc),
		)
		if err != nil {
			srv.Close()
			return nil, err
		}
		k.venues = append(k.venues, c)
		k.accounts = append(k.accounts, Account{Name: name, Venue: "okx", BaseURL: srv.URL, WSURL: srv.WSURL,
			KeyID: id, Scheme: exchange.SchemeHMAC, Secret: crypto.NewSecret([]byte(secret)),
			Passphrase: crypto.NewSecret([]byte(pass)), Created: created})
	}
	return k, nil
}

// randomUUID looks like OKX's key ids (8-4-4-4-12 hex).
func randomUUID() string {
	const hex = "0123456789abcdef"
	b := []byte(randomID(32))
	out := make([]byte, 0, 36)
	for i, c := range b {
		if i == 8 || i == 12 || i == 16 || i == 20 {
			out = append(out, '-')
		}
		out = append(out, hex[int(c)%16])
	}
	return string(out)
}
