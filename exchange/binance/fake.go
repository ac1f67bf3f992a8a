package binance

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"time"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/binance/binancetest"
	"github.com/vigil-trade/vigil/exchange/kit"
	"github.com/vigil-trade/vigil/exchange/sim"
)

// startFake runs binancetest in testnet flavour over a fresh simulated
// exchange listing BTCUSDT and ETHUSDT, whose clock runs 40 ms ahead and
// gains 30 ms an hour.
func startFake(cfg kit.FakeConfig) (*kit.Fake, error) {
	const skew = 40 * time.Millisecond
	markets := [2]string{"BTCUSDT", "ETHUSDT"}
	x, err := kit.NewSim(cfg, kit.SimSpec{
		Symbols: binancetest.DefaultSymbols(), Markets: markets, Skew: skew,
		Drift:   30 * time.Millisecond,
		Request: sim.Leg{Mean: 3 * time.Millisecond, Jitter: 2 * time.Millisecond}, Response: sim.Leg{Mean: 3 * time.Millisecond, Jitter: 2 * time.Millisecond},
	})
	if err != nil {
		return nil, err
	}
	srv := binancetest.NewServer(binancetest.WithSim(x), binancetest.WithMode(binancetest.Testnet))
	return &kit.Fake{
		Sim: x, REST: srv.URL, WS: srv.WSURL, Markets: markets, Skew: skew,
		AddKey: func(account string, scheme exchange.Scheme, created time.Time) (kit.Credentials, error) {
			perms := binancetest.TradePerms(account)
			perms.Created = created
			// The testnet reports canWithdraw from the account, not the
			// key; fake accounts say no so the audit has nothing false to
			// flag.
			defer srv.SetAccountFlags(account, true, false, true)
			id := kit.RandomID(64)
			switch scheme {
			case exchange.SchemeHMAC:
				secret := kit.RandomID(64)
				srv.AddHMACKey(id, secret, perms)
				return kit.Credentials{KeyID: id, Scheme: scheme, Secret: crypto.NewSecret([]byte(secret))}, nil
			case exchange.SchemeEd25519:
				pub, priv, err := ed25519.GenerateKey(rand.Reader)
				if err != nil {
					return kit.Credentials{}, err
				}
				der, err := x509.MarshalPKCS8PrivateKey(priv)
				clear(priv)
				if err != nil {
					return kit.Credentials{}, err
				}
				block := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
				clear(der)
				secret := crypto.NewSecret(block)
				clear(block)
				srv.AddEd25519Key(id, pub, perms)
				return kit.Credentials{KeyID: id, Scheme: scheme, Secret: secret}, nil
			}
			return kit.Credentials{}, fmt.Errorf("binance fake: scheme %q", scheme)
		},
		Refusals: func() int {
			n := 0
			for _, r := range srv.Requests() {
				if r.Code == -1021 {
					n++
				}
			}
			return n
		},
		DropStreams: func() { srv.SetStreamFault(binancetest.StreamDrop, 0) },
		Close:       srv.Close,
	}, nil
}
