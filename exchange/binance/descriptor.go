package binance

import (
	"time"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/binance/binancetest"
	"github.com/vigil-trade/vigil/exchange/kit"
)

// Descriptor is Binance Spot for the rest of vigil (see package kit).
var Descriptor = &kit.Descriptor{
	Name:  "binance",
	Title: "Binance Spot",
	Networks: []kit.Network{
		{Network: exchange.Testnet, REST: TestnetURL, WS: TestnetWSURL, Note: "Spot Test Network (testnet.binance.vision): its own keys"},
		{Network: exchange.Mainnet, REST: MainnetURL, WS: MainnetWSURL},
	},
	MainnetHost: MainnetHost,
	Schemes: []kit.Scheme{
		{Scheme: exchange.SchemeHMAC, Material: kit.HMACSecret},
		{Scheme: exchange.SchemeEd25519, Material: kit.Ed25519PEM,
			Recommended: "Binance recommends Ed25519 keys: the secret never leaves this machine (Binance holds only the public key) and signatures are faster"},
	},
	KeyID:      "64 letters and digits",
	ClientID:   ClientIDPolicy,
	Kinds:      []exchange.InstrumentKind{exchange.KindSpot},
	SymbolHint: "BTCUSDT",
	Open:       open,
	Fake:       startFake,
	TestKit:    binancetest.Kit,
	Demo: []kit.DemoKey{
		{Scheme: exchange.SchemeHMAC, Age: 30 * 24 * time.Hour},
		{Suffix: "-ed", Scheme: exchange.SchemeEd25519, LocalClock: -250 * time.Millisecond, Age: 30 * 24 * time.Hour},
	},
}

func open(p kit.Params) (exchange.Venue, error) {
	opts := []Option{
		WithAccount(p.Info),
		WithAPIKey(p.Creds.KeyID),
		WithScheme(p.Creds.Scheme),
		WithSecret(p.Creds.Secret),
	}
	if p.REST != "" {
		opts = append(opts, WithBaseURL(p.REST))
	}
	if p.WS != "" {
		opts = append(opts, WithWSURL(p.WS))
	}
	if p.RecvWindow > 0 {
		opts = append(opts, WithRecvWindow(p.RecvWindow))
	}
	if p.HTTPClient != nil {
		opts = append(opts, WithHTTPClient(p.HTTPClient))
	}
	if p.Now != nil {
		opts = append(opts, WithNow(p.Now))
	}
	if p.Observer != nil {
		opts = append(opts, WithObserver(p.Observer))
	}
	if p.Logger != nil {
		opts = append(opts, WithLogger(p.Logger))
	}
	return New(opts...)
}
