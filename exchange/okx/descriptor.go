package okx

import (
	"fmt"
	"time"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/kit"
	"github.com/vigil-trade/vigil/exchange/okx/okxtest"
	"github.com/vigil-trade/vigil/exchange/rest"
	"github.com/vigil-trade/vigil/exchange/sim"
)

// passphraseField is the API passphrase OKX signs every request with.
const passphraseField = "passphrase"

// Descriptor is OKX for the rest of vigil (see package kit).
var Descriptor = &kit.Descriptor{
	Name:  "okx",
	Title: "OKX",
	Networks: []kit.Network{
		{Network: exchange.Testnet, REST: MainnetURL, WS: DemoPrivateWSURL,
			Note: "demo trading: the live REST hosts with x-simulated-trading: 1, and demo-trading keys"},
		{Network: exchange.Mainnet, REST: MainnetURL, WS: PrivateWSURL},
	},
	MainnetHost: MainnetHost,
	Schemes:     []kit.Scheme{{Scheme: exchange.SchemeHMAC, Material: kit.HMACSecret}},
	KeyID:       "a UUID such as 985d5b66-57ce-40fb-b714-afc0b9787083",
	Fields: []kit.Field{{Name: passphraseField, Prompt: "API passphrase", Secret: true,
		Why: "OKX signs every request with the passphrase chosen when the key was made"}},
	ClientID:   ClientIDPolicy,
	Kinds:      []exchange.InstrumentKind{exchange.KindSpot},
	SymbolHint: "BTC-USDT",
	Open:       open,
	Fake:       startFake,
	TestKit:    okxtest.Kit,
	Demo:       []kit.DemoKey{{Scheme: exchange.SchemeHMAC, Age: 12 * 24 * time.Hour}},
}

func open(p kit.Params) (exchange.Venue, error) {
	return New(rest.WithSettings[config](p.Settings()), WithKey(p.Creds.KeyID, p.Creds.Secret, p.Creds.Field(passphraseField)))
}

// startFake runs okxtest in demo-trading mode over a fresh simulated
// exchange whose clock is 120 ms behind.
func startFake(cfg kit.FakeConfig) (*kit.Fake, error) {
	const skew = -120 * time.Millisecond
	markets := [2]string{"BTC-USDT", "ETH-USDT"}
	x, err := kit.NewSim(cfg, kit.SimSpec{
		Symbols: okxtest.DefaultSymbols(), Markets: markets, Skew: skew,
		Request: sim.Leg{Mean: 6 * time.Millisecond, Jitter: 3 * time.Millisecond}, Response: sim.Leg{Mean: 6 * time.Millisecond, Jitter: 3 * time.Millisecond},
	})
	if err != nil {
		return nil, err
	}
	srv := okxtest.NewServer(okxtest.WithSim(x))
	return &kit.Fake{
		Sim: x, REST: srv.URL, WS: srv.WSURL, Markets: markets, Skew: skew,
		AddKey: func(account string, scheme exchange.Scheme, _ time.Time) (kit.Credentials, error) {
			if scheme != exchange.SchemeHMAC {
				return kit.Credentials{}, fmt.Errorf("okx fake: scheme %q", scheme)
			}
			id, secret, pass := randomUUID(), kit.RandomID(32), kit.RandomID(16)
			perms := okxtest.TradePerms(account)
			perms.Label = "vigil demo"
			srv.AddKey(id, secret, pass, perms)
			return kit.Credentials{KeyID: id, Scheme: scheme, Secret: crypto.NewSecret([]byte(secret)),
				Fields: map[string]crypto.Secret{passphraseField: crypto.NewSecret([]byte(pass))}}, nil
		},
		Refusals: func() int {
			n := 0
			for _, r := range srv.Requests() {
				if r.Code == "50102" {
					n++
				}
			}
			return n
		},
		DropStreams: func() { srv.SetStreamFault(sim.StreamDrop, 0) },
		Close:       srv.Close,
	}, nil
}

// randomUUID looks like OKX's key ids (8-4-4-4-12 hex).
func randomUUID() string {
	const hex = "0123456789abcdef"
	b := []byte(kit.RandomID(32))
	out := make([]byte, 0, 36)
	for i, c := range b {
		if i == 8 || i == 12 || i == 16 || i == 20 {
			out = append(out, '-')
		}
		out = append(out, hex[int(c)%16])
	}
	return string(out)
}
