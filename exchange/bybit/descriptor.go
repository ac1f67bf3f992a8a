package bybit

import (
	"fmt"
	"time"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/bybit/bybittest"
	"github.com/vigil-trade/vigil/exchange/kit"
	"github.com/vigil-trade/vigil/exchange/rest"
	"github.com/vigil-trade/vigil/exchange/sim"
)

// Descriptor is Bybit for the rest of vigil (see package kit).
var Descriptor = &kit.Descriptor{
	Name:  "bybit",
	Title: "Bybit",
	Networks: []kit.Network{
		{Network: exchange.Testnet, REST: TestnetURL, WS: TestnetPrivateWSURL, Note: "testnet.bybit.com: its own keys"},
		{Network: exchange.Mainnet, REST: MainnetURL, WS: MainnetPrivateWSURL},
	},
	MainnetHost: MainnetHost,
	Schemes:     []kit.Scheme{{Scheme: exchange.SchemeHMAC, Material: kit.HMACSecret}},
	KeyID:       "18 letters and digits",
	ClientID:    ClientIDPolicy,
	Kinds:       []exchange.InstrumentKind{exchange.KindSpot},
	SymbolHint:  "BTCUSDT",
	Open:        open,
	Fake:        startFake,
	TestKit:     bybittest.Kit,
	Demo:        []kit.DemoKey{{Scheme: exchange.SchemeHMAC, Age: 45 * 24 * time.Hour}},
}

func open(p kit.Params) (exchange.Venue, error) {
	opts := []Option{rest.WithSettings[config](p.Settings()), WithKey(p.Creds.KeyID, p.Creds.Secret)}
	if p.RecvWindow > 0 {
		opts = append(opts, WithRecvWindow(p.RecvWindow))
	}
	return New(opts...)
}

// startFake runs bybittest over a fresh simulated exchange whose clock is
// 15 ms ahead.
func startFake(cfg kit.FakeConfig) (*kit.Fake, error) {
	const skew = 15 * time.Millisecond
	markets := [2]string{"BTCUSDT", "ETHUSDT"}
	x, err := kit.NewSim(cfg, kit.SimSpec{
		Symbols: bybittest.DefaultSymbols(), Markets: markets, Skew: skew,
		Request: sim.Leg{Mean: 9 * time.Millisecond, Jitter: 4 * time.Millisecond}, Response: sim.Leg{Mean: 7 * time.Millisecond, Jitter: 4 * time.Millisecond},
	})
	if err != nil {
		return nil, err
	}
	srv := bybittest.NewServer(bybittest.WithSim(x))
	return &kit.Fake{
		Sim: x, REST: srv.URL, WS: srv.WSURL, Markets: markets, Skew: skew,
		AddKey: func(account string, scheme exchange.Scheme, created time.Time) (kit.Credentials, error) {
			if scheme != exchange.SchemeHMAC {
				return kit.Credentials{}, fmt.Errorf("bybit fake: scheme %q", scheme)
			}
			id, secret := kit.RandomID(18), kit.RandomID(36)
			perms := bybittest.TradePerms(account)
			perms.Created = created
			perms.Note = "vigil demo"
			srv.AddKey(id, secret, perms)
			return kit.Credentials{KeyID: id, Scheme: scheme, Secret: crypto.NewSecret([]byte(secret))}, nil
		},
		Refusals: func() int {
			n := 0
			for _, r := range srv.Requests() {
				if r.RetCode == 10002 {
					n++
				}
			}
			return n
		},
		DropStreams: func() { srv.SetStreamFault(sim.StreamDrop, 0) },
		Close:       srv.Close,
	}, nil
}
