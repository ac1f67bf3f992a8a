package coinbase

import (
	"fmt"
	"strings"
	"time"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/coinbase/coinbasetest"
	"github.com/vigil-trade/vigil/exchange/kit"
	"github.com/vigil-trade/vigil/exchange/rest"
	"github.com/vigil-trade/vigil/exchange/sim"
)

// Descriptor is Coinbase Advanced Trade for the rest of vigil (see
// package kit).
var Descriptor = &kit.Descriptor{
	Name:  "coinbase",
	Title: "Coinbase Advanced Trade",
	Networks: []kit.Network{
		{Network: exchange.Mainnet, REST: MainnetURL, WS: MainnetWSURL},
		// The sandbox (api-sandbox.coinbase.com) answers canned replies
		// without checking a key: it tests nothing vigil does.
		{Network: exchange.Testnet, Note: "Coinbase has no testnet: its sandbox is a static mock that checks no key; use the fake (vigil demo serve) and name its rest_url"},
	},
	MainnetHost: MainnetHost,
	Schemes: []kit.Scheme{
		{Scheme: exchange.SchemeES256, Material: kit.ECPEM,
			Recommended: "a CDP key with an ECDSA (P-256) private key: the one Coinbase's Advanced Trade docs and SDK sign with"},
		{Scheme: exchange.SchemeEd25519, Material: kit.ECPEM},
		// Deprecated: no longer issued; kept for keys that still work.
		{Scheme: exchange.SchemeHMAC, Material: kit.HMACSecret},
	},
	KeyID:      "the key name, organizations/{org_id}/apiKeys/{key_id} (an Ed25519 key: its id); the private key is the PEM block (or, for Ed25519, the base64 text) Coinbase showed",
	ClientID:   ClientIDPolicy,
	Kinds:      []exchange.InstrumentKind{exchange.KindSpot},
	SymbolHint: "BTC-USD",
	Open:       open,
	Fake:       startFake,
	TestKit:    coinbasetest.Kit,
	Demo: []kit.DemoKey{
		{Scheme: exchange.SchemeES256, Age: 20 * 24 * time.Hour},
	},
}

// MainnetHost reports whether host is Coinbase production: coinbase.com
// and its subdomains, but the static sandbox.
func MainnetHost(host string) bool {
	if host != "coinbase.com" && !strings.HasSuffix(host, ".coinbase.com") {
		return false
	}
	return !strings.HasPrefix(host, "api-sandbox.")
}

func open(p kit.Params) (exchange.Venue, error) {
	return New(rest.WithSettings[config](p.Settings()), WithKey(p.Creds.KeyID, p.Creds.Secret))
}

// startFake runs coinbasetest over a fresh simulated exchange whose clock
// is 700 ms behind: a token stamped with this machine's clock would be
// valid only from the fake's next second.
func startFake(cfg kit.FakeConfig) (*kit.Fake, error) {
	const skew = -700 * time.Millisecond
	markets := [2]string{coinbasetest.BTC, coinbasetest.ETH}
	x, err := kit.NewSim(cfg, kit.SimSpec{
		Symbols: coinbasetest.DefaultSymbols(), Markets: markets, Skew: skew,
		Request: sim.Leg{Mean: 14 * time.Millisecond, Jitter: 5 * time.Millisecond}, Response: sim.Leg{Mean: 10 * time.Millisecond, Jitter: 4 * time.Millisecond},
	})
	if err != nil {
		return nil, err
	}
	srv := coinbasetest.NewServer(coinbasetest.WithSim(x))
	return &kit.Fake{
		Sim: x, REST: srv.URL, WS: srv.WSURL, Markets: markets, Skew: skew,
		AddKey: func(account string, scheme exchange.Scheme, created time.Time) (kit.Credentials, error) {
			id, secret, err := srv.NewKey(account, scheme, coinbasetest.Perms{Account: account, Created: created})
			if err != nil {
				return kit.Credentials{}, fmt.Errorf("coinbase fake: %w", err)
			}
			return kit.Credentials{KeyID: id, Scheme: scheme, Secret: crypto.NewSecret([]byte(secret))}, nil
		},
		Refusals:    srv.TimeRefusals,
		DropStreams: func() { srv.SetStreamFault(sim.StreamDrop, 0) },
		Close:       srv.Close,
	}, nil
}
