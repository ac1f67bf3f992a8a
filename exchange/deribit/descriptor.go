package deribit

import (
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/deribit/deribittest"
	"github.com/vigil-trade/vigil/exchange/kit"
	"github.com/vigil-trade/vigil/exchange/rest"
	"github.com/vigil-trade/vigil/exchange/sim"
)

// Descriptor is Deribit for the rest of vigil (see package kit).
var Descriptor = &kit.Descriptor{
	Name:  "deribit",
	Title: "Deribit",
	Networks: []kit.Network{
		// test.deribit.com is a complete platform of its own: the default.
		{Network: exchange.Testnet, REST: TestnetURL, WS: TestnetWSURL, Note: "test.deribit.com: a separate platform with its own accounts and keys"},
		{Network: exchange.Mainnet, REST: MainnetURL, WS: MainnetWSURL},
	},
	MainnetHost: MainnetHost,
	Schemes:     []kit.Scheme{{Scheme: exchange.SchemeHMAC, Material: kit.HMACSecret}},
	KeyID:       "the client id (8 characters or more); the client secret is shown once",
	ClientID:    ClientIDPolicy,
	Kinds:       []exchange.InstrumentKind{exchange.KindPerpetual, exchange.KindFuture, exchange.KindOption},
	// Set on the stream's login, per connection (public/auth scope).
	CancelOnDisconnect: true,
	SymbolHint:         "BTC-PERPETUAL",
	Open:               open,
	Fake:               startFake,
	TestKit:            deribittest.Kit,
	Demo:               []kit.DemoKey{{Scheme: exchange.SchemeHMAC, Age: 45 * 24 * time.Hour}},
}

// MainnetHost reports whether host is Deribit production: deribit.com and
// its subdomains but test.deribit.com.
func MainnetHost(host string) bool {
	if host != "deribit.com" && !strings.HasSuffix(host, ".deribit.com") {
		return false
	}
	return host != "test.deribit.com"
}

func open(p kit.Params) (exchange.Venue, error) {
	return New(rest.WithSettings[config](p.Settings()), WithKey(p.Creds.KeyID, p.Creds.Secret), WithCancelOnDisconnect(p.CancelOnDisconnect))
}

// Demo figures: each demo account gets USDC to trade the linear
// perpetuals with, and starts long a little Bitcoin, so the positions pane
// has something to show.
var (
	demoUSDC     = decimal.NewFromInt(8_000)
	demoPosition = decimal.RequireFromString("0.05")
)

// startFake runs deribittest over a fresh simulated exchange whose clock
// is 25 ms behind.
func startFake(cfg kit.FakeConfig) (*kit.Fake, error) {
	const skew = -25 * time.Millisecond
	markets := [2]string{"BTC_USDC-PERPETUAL", "ETH_USDC-PERPETUAL"}
	x, err := kit.NewSim(cfg, kit.SimSpec{
		Symbols: deribittest.DefaultSymbols(), Markets: markets, Skew: skew,
		Request: sim.Leg{Mean: 14 * time.Millisecond, Jitter: 5 * time.Millisecond}, Response: sim.Leg{Mean: 12 * time.Millisecond, Jitter: 5 * time.Millisecond},
	})
	if err != nil {
		return nil, err
	}
	// Listed for the order form (inverse, sized in contracts): the demo
	// funds no USD to trade them with.
	if err := kit.AddMarkets(x, deribittest.DefaultSymbols(), "BTC-PERPETUAL"); err != nil {
		return nil, err
	}
	srv := deribittest.NewServer(deribittest.WithSim(x))
	return &kit.Fake{
		Sim: x, REST: srv.URL, WS: srv.WSURL, Markets: markets, Skew: skew,
		AddKey: func(account string, scheme exchange.Scheme, created time.Time) (kit.Credentials, error) {
			if scheme != exchange.SchemeHMAC {
				return kit.Credentials{}, fmt.Errorf("deribit fake: scheme %q", scheme)
			}
			id, secret := kit.RandomID(8), kit.RandomID(43)
			perms := deribittest.TradePerms(account)
			perms.Created, perms.Name = created, "vigil demo"
			srv.AddKey(id, secret, perms)
			if err := openPosition(x, account, markets[0]); err != nil {
				return kit.Credentials{}, err
			}
			return kit.Credentials{KeyID: id, Scheme: scheme, Secret: crypto.NewSecret([]byte(secret))}, nil
		},
		Refusals:    srv.StampRefusals,
		DropStreams: func() { srv.SetStreamFault(sim.StreamDrop, 0) },
		Close:       srv.Close,
	}, nil
}

// openPosition funds account and buys it a position at the market.
func openPosition(x *sim.Exchange, account, symbol string) error {
	if err := x.Deposit(account, "USDC", demoUSDC); err != nil {
		return err
	}
	_, _, err := x.Place(account, exchange.OrderRequest{Symbol: symbol, Side: exchange.Buy, Type: exchange.MarketOrder,
		Qty: demoPosition, ClientID: "demo-position-" + account})
	return err
}
