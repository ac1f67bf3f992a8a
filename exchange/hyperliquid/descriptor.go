package hyperliquid

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/shopspring/decimal"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/hyperliquid/hyperliquidtest"
	"github.com/vigil-trade/vigil/exchange/kit"
	"github.com/vigil-trade/vigil/exchange/rest"
	"github.com/vigil-trade/vigil/exchange/sim"
)

// Descriptor is Hyperliquid for the rest of vigil (see package kit).
var Descriptor = &kit.Descriptor{
	Name:  "hyperliquid",
	Title: "Hyperliquid",
	Networks: []kit.Network{
		{Network: exchange.Testnet, REST: TestnetURL, WS: TestnetWSURL, Note: "Hyperliquid testnet: its own chain; agents and funds apart from mainnet"},
		{Network: exchange.Mainnet, REST: MainnetURL, WS: MainnetWSURL},
	},
	MainnetHost: MainnetHost,
	Schemes:     []kit.Scheme{{Scheme: exchange.SchemeSecp256k1, Material: kit.Secp256k1Hex}},
	KeyID:       "the account's address (0x and 40 hex digits); the secret is an API wallet's private key (64 hex digits), never the account's own",
	ClientID:    ClientIDPolicy,
	Kinds:       []exchange.InstrumentKind{exchange.KindPerpetual},
	SymbolHint:  "BTC",
	Describe:    describe,
	Open:        open,
	Fake:        startFake,
	TestKit:     hyperliquidtest.Kit,
	Demo:        []kit.DemoKey{{Scheme: exchange.SchemeSecp256k1, Age: 12 * 24 * time.Hour}},
}

// MainnetHost reports whether host is Hyperliquid's production API:
// hyperliquid.xyz and its subdomains. The testnet's hosts are under
// hyperliquid-testnet.xyz, another domain.
func MainnetHost(host string) bool {
	return host == "hyperliquid.xyz" || strings.HasSuffix(host, ".hyperliquid.xyz")
}

func open(p kit.Params) (exchange.Venue, error) {
	opts := []Option{rest.WithSettings[config](p.Settings()), WithWallet(p.Creds.KeyID, p.Creds.Secret)}
	if p.DataDir != "" {
		opts = append(opts, WithNonceDir(filepath.Join(p.DataDir, "nonces")))
	}
	return New(opts...)
}

// startFake runs hyperliquidtest over a fresh simulated exchange whose
// clock is 120 ms behind; each account added gets its own wallet and
// an agent approved for vigil, whose key is what vigil holds.
func startFake(cfg kit.FakeConfig) (*kit.Fake, error) {
	const skew = -120 * time.Millisecond
	markets := [2]string{"BTC", "ETH"}
	x, err := kit.NewSim(cfg, kit.SimSpec{
		Symbols: hyperliquidtest.DefaultSymbols(), Markets: markets, Skew: skew,
		Request: sim.Leg{Mean: 25 * time.Millisecond, Jitter: 8 * time.Millisecond}, Response: sim.Leg{Mean: 20 * time.Millisecond, Jitter: 8 * time.Millisecond},
	})
	if err != nil {
		return nil, err
	}
	srv := hyperliquidtest.NewServer(hyperliquidtest.WithSim(x))
	return &kit.Fake{
		Sim: x, REST: srv.URL, WS: srv.WSURL, Markets: markets, Skew: skew,
		AddKey: func(account string, scheme exchange.Scheme, created time.Time) (kit.Credentials, error) {
			if scheme != exchange.SchemeSecp256k1 {
				return kit.Credentials{}, fmt.Errorf("hyperliquid fake: scheme %q", scheme)
			}
			addr := srv.AccountAddress(account)
			if addr == "" {
				master, err := randomKey()
				if err != nil {
					return kit.Credentials{}, err
				}
				addr = hyperliquidtest.Address(master)
				srv.AddAccount(account, addr)
				// The venue acts only for an account that has deposited; the
				// demo's own funding is USDT, which a perp venue margins
				// nothing with.
				if err := x.Deposit(account, quote, demoUSDC); err != nil {
					return kit.Credentials{}, err
				}
			}
			agent, err := randomKey()
			if err != nil {
				return kit.Credentials{}, err
			}
			srv.ApproveAgent(account, hyperliquidtest.Address(agent), "vigil "+created.UTC().Format("2006-01-02"), created.Add(180*24*time.Hour))
			return kit.Credentials{KeyID: addr, Scheme: scheme, Secret: crypto.NewSecret([]byte(agent))}, nil
		},
		Refusals:    srv.NonceRefusals,
		DropStreams: func() { srv.SetStreamFault(sim.StreamDrop, 0) },
		Close:       srv.Close,
	}, nil
}

// demoUSDC is what a demo account gets to margin its perps with.
var demoUSDC = decimal.NewFromInt(8_000)

// randomKey is a fresh wallet key in hex, for the demo's wallets.
func randomKey() (string, error) {
	for {
		var b [32]byte
		if _, err := rand.Read(b[:]); err != nil {
			return "", err
		}
		var s secp256k1.ModNScalar
		if overflow := s.SetByteSlice(b[:]); !overflow && !s.IsZero() {
			return "0x" + hex.EncodeToString(b[:]), nil
		}
	}
}

// describe derives the address the key signs as: the account's own key is
// the withdraw danger, any other must be an agent the account approved.
func describe(c kit.Credentials) ([]string, error) {
	account, err := ParseAddress(c.KeyID)
	if err != nil {
		return nil, fmt.Errorf("the key id is the account's address: %w", err)
	}
	w, err := NewWallet(c.Secret)
	if err != nil {
		return nil, err
	}
	shown := rest.MaskKey(account.String())
	if w.Address() == account {
		return []string{
			"Signer " + shown + ": the account's OWN wallet. DANGER: this key can WITHDRAW and transfer every asset.",
			"Make an API wallet for vigil instead: app.hyperliquid.xyz/API (testnet: app.hyperliquid-testnet.xyz/API), More → API: name it, Generate, Authorize API Wallet; then `vigil keys rotate` to its private key. An agent trades and cancels, and cannot withdraw.",
		}, nil
	}
	return []string{
		"Signer " + w.Address().String() + ": an API wallet (agent) acting for " + shown + "; it cannot withdraw.",
		"Hyperliquid must have it approved for that account on the account's network: `vigil check` lists the account's agents and says whether this one is among them.",
	}, nil
}
