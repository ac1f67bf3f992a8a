package kraken

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/kit"
	"github.com/vigil-trade/vigil/exchange/kraken/krakentest"
	"github.com/vigil-trade/vigil/exchange/rest"
	"github.com/vigil-trade/vigil/exchange/sim"
)

// Descriptor is Kraken Spot for the rest of vigil (see package kit).
var Descriptor = &kit.Descriptor{
	Name:  "kraken",
	Title: "Kraken Spot",
	Networks: []kit.Network{
		{Network: exchange.Mainnet, REST: MainnetURL, WS: MainnetPrivateWSURL},
		// No public spot test network: UAT is given on request, and the
		// fake (vigil demo serve) serves both.
		{Network: exchange.Testnet, Note: "Kraken Spot has no public testnet: a UAT host from Kraken, or the fake"},
	},
	MainnetHost: MainnetHost,
	Schemes:     []kit.Scheme{{Scheme: exchange.SchemeHMAC, Material: kit.HMACSecret}},
	KeyID:       "56 characters (the public key); the private key is base64",
	ClientID:    ClientIDPolicy,
	Kinds:       []exchange.InstrumentKind{exchange.KindSpot},
	SymbolHint:  "XBTUSDT",
	RateTiers:   []string{string(TierIntermediate), string(TierStarter), string(TierPro)},
	Open:        open,
	Fake:        startFake,
	TestKit:     krakentest.Kit,
	Demo:        []kit.DemoKey{{Scheme: exchange.SchemeHMAC, Age: 30 * 24 * time.Hour}},
}

// MainnetHost reports whether host is Kraken production: kraken.com and
// its subdomains (api, ws-auth, beta-ws-auth, which trades on production
// too), except the futures demo.
func MainnetHost(host string) bool {
	if host != "kraken.com" && !strings.HasSuffix(host, ".kraken.com") {
		return false
	}
	return !strings.HasPrefix(host, "demo-futures.")
}

func open(p kit.Params) (exchange.Venue, error) {
	opts := []Option{rest.WithSettings[config](p.Settings()), WithKey(p.Creds.KeyID, p.Creds.Secret)}
	if p.DataDir != "" {
		opts = append(opts, WithNonceDir(filepath.Join(p.DataDir, "nonces")))
	}
	if p.RateTier != "" {
		t, err := ParseTier(p.RateTier)
		if err != nil {
			return nil, err
		}
		opts = append(opts, WithTier(t))
	}
	return New(opts...)
}

// startFake runs krakentest over a fresh simulated exchange whose clock is
// 40 ms ahead.
func startFake(cfg kit.FakeConfig) (*kit.Fake, error) {
	const skew = 40 * time.Millisecond
	markets := [2]string{"XBTUSDT", "ETHUSDT"}
	x, err := kit.NewSim(cfg, kit.SimSpec{
		Symbols: krakentest.DefaultSymbols(), Markets: markets, Skew: skew,
		Request: sim.Leg{Mean: 11 * time.Millisecond, Jitter: 4 * time.Millisecond}, Response: sim.Leg{Mean: 9 * time.Millisecond, Jitter: 4 * time.Millisecond},
	})
	if err != nil {
		return nil, err
	}
	srv := krakentest.NewServer(krakentest.WithSim(x))
	return &kit.Fake{
		Sim: x, REST: srv.URL, WS: srv.WSURL, Markets: markets, Skew: skew,
		AddKey: func(account string, scheme exchange.Scheme, created time.Time) (kit.Credentials, error) {
			if scheme != exchange.SchemeHMAC {
				return kit.Credentials{}, fmt.Errorf("kraken fake: scheme %q", scheme)
			}
			id, secret := kit.RandomID(56), krakentest.KitSecret(kit.RandomID(32))
			perms := krakentest.TradePerms(account)
			perms.Created, perms.Name = created, "vigil demo"
			if err := srv.AddKey(id, secret, perms); err != nil {
				return kit.Credentials{}, err
			}
			return kit.Credentials{KeyID: id, Scheme: scheme, Secret: crypto.NewSecret([]byte(secret))}, nil
		},
		Refusals:    srv.NonceRefusals,
		DropStreams: func() { srv.SetStreamFault(sim.StreamDrop, 0) },
		Close:       srv.Close,
	}, nil
}
