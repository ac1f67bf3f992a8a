package demo

import (
	"net/http"
	"time"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/bybit"
	"github.com/vigil-trade/vigil/exchange/bybit/bybittest"
	"github.com/vigil-trade/vigil/exchange/sim"
)

// BybitAccount is the Bybit demo account's name.
const BybitAccount = "demo-bybit"

// startBybit runs a fake Bybit testnet whose clock is 15 ms ahead, with one
// HMAC key not bound to any IP, and extra more.
func startBybit(seed uint64, hc *http.Client, extra int) (*kit, error) {
	x := sim.New(sim.WithSeed(seed))
	for _, s := range demoSymbols(bybittest.DefaultSymbols(), "BTCUSDT", "ETHUSDT") {
		if err := x.AddSymbol(s); err != nil {
			return nil, err
		}
	}
	const skew = 15 * time.Millisecond
	x.SetSkew(skew)
	x.SetLatency(sim.LatencyConfig{
		Request:  sim.Leg{Mean: 9 * time.Millisecond, Jitter: 4 * time.Millisecond},
		Response: sim.Leg{Mean: 7 * time.Millisecond, Jitter: 4 * time.Millisecond},
	})
	srv := bybittest.NewServer(bybittest.WithSim(x))
	k := &kit{
		sim: x, btc: "BTCUSDT", eth: "ETHUSDT", venue: "bybit", skew: skew,
		refusals: func() int {
			return countRequests(srv.Requests(), func(r bybittest.Request) bool { return r.RetCode == 10002 })
		},
		dropStream: func() { srv.SetStreamFault(sim.StreamDrop, 0) },
		close:      srv.Close,
	}
	created := time.Now().Add(-45 * 24 * time.Hour)
	names := []string{BybitAccount}
	for j := range extra {
		names = append(names, extraName(BybitAccount, j))
	}
	for _, name := range names {
		id, secret := randomID(18), randomID(36)
		perms := bybittest.TradePerms(name)
		perms.Created = created
		perms.Note = "vigil demo"
		srv.AddKey(id, secret, perms)
		if err := fund(x, name); err != nil {
			srv.Close()
			return nil, err
		}
		c, err := bybit.New(
			bybit.WithAccount(exchange.AccountInfo{
				Name: name, Venue: "bybit", Network: exchange.Testnet, Scheme: exchange.SchemeHMAC,
				KeyID: crypto.MaskID(id), KeyCreated: created, Demo: true,
			}),
			bybit.WithNetwork(exchange.Testnet),
			bybit.WithBaseURL(srv.URL),
			bybit.WithWSURL(srv.WSURL),
			bybit.WithKey(id, crypto.NewSecret([]byte(secret))),
			bybit.WithHTTPClient(hc),
		)
		if err != nil {
			srv.Close()
			return nil, err
		}
		k.venues = append(k.venues, c)
		k.accounts = append(k.accounts, Account{Name: name, Venue: "bybit", BaseURL: srv.URL, WSURL: srv.WSURL,
			KeyID: id, Scheme: exchange.SchemeHMAC, Secret: crypto.NewSecret([]byte(secret)), Created: created})
	}
	return k, nil
}
