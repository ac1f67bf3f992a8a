package hyperliquid_test

import (
	"net/http"
	"sync"
	"testing"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/hyperliquid"
	"github.com/vigil-trade/vigil/exchange/hyperliquid/hyperliquidtest"
	"github.com/vigil-trade/vigil/exchange/venuetest"
)

// The test wallets: the account's own, an agent it approves, and a wallet
// it never approved (a read-only key, as far as the contract asks).
var (
	masterKey   = hyperliquidtest.KitKey("contract master")
	agentKey    = hyperliquidtest.KitKey("contract agent")
	strangerKey = hyperliquidtest.KitKey("contract stranger")
	accountAddr = hyperliquidtest.Address(masterKey)
)

// TestContract runs the venue contract against hyperliquidtest.
func TestContract(t *testing.T) { venuetest.Run(t, harness) }

// TestContractCatchesBrokenClients: the suite fails a client broken in
// each of the ways venuetest.RunMutants knows.
func TestContractCatchesBrokenClients(t *testing.T) { venuetest.RunMutants(t, harness) }

var harness = venuetest.Harness{
	Symbol:  "BTC",
	Schemes: []exchange.Scheme{exchange.SchemeSecp256k1},
	Ops: venuetest.Ops{Time: hyperliquidtest.Op("/info", "l2Book"), Balances: hyperliquidtest.Op("/info", "spotClearinghouseState"),
		Place: hyperliquidtest.Op("/exchange", "order"), Query: hyperliquidtest.Op("/info", "orderStatus")},
	ClockCode: hyperliquid.ErrNonce,
	FilterCodes: map[string]string{exchange.RuleTick: hyperliquid.ErrTick, exchange.RuleStep: hyperliquid.ErrInvalidSize,
		exchange.RuleQty: hyperliquid.ErrInvalidSize, exchange.RuleNotional: hyperliquid.ErrMinTradeNtl},
	PermissionCode: hyperliquid.ErrUnknownWallet,
	Secrets:        []string{masterKey, agentKey, strangerKey, masterKey[2:], agentKey[2:], strangerKey[2:]},
	NoBan:          "Hyperliquid answers HTTP 429 when an address spends its weight and bans nobody",
	NoIPList:       "Hyperliquid binds no wallet to addresses",
	NoIPBinding:    "a Hyperliquid wallet signs from anywhere: nothing binds it to addresses",
	NoStampWindow:  "Hyperliquid checks no request time: a nonce must only be new to its signer and within a day of the venue's time",
	ClientID:       hyperliquid.ClientIDPolicy,
	OpOf:           opOf,
	Start:          startFake,
	Open: func(t *testing.T, l venuetest.Link) venuetest.Client {
		c := openClient(t, l)
		return venuetest.Client{Venue: c, Streamer: c}
	},
}

// opOf names a request as the fake does: path and the body's type.
func opOf(r *http.Request) string {
	return hyperliquidtest.OpOf(r.Method, r.URL.Path, venuetest.PeekBody(r))
}

// keys is the key each test's fake was last given: the contract swaps a
// test's key (AddKey) before it opens a client on it.
var keys sync.Map // *testing.T → string

func startFake(t *testing.T, s venuetest.Setup) *venuetest.Fake {
	var opts []hyperliquidtest.Option
	if s.Mainnet {
		opts = append(opts, hyperliquidtest.WithMainnet())
	}
	srv := hyperliquidtest.New(opts...)
	srv.AddAccount(hyperliquidtest.DefaultAccount, accountAddr)
	keys.Store(t, agentKey)
	t.Cleanup(func() { keys.Delete(t) })
	return &venuetest.Fake{
		Server: srv, Account: hyperliquidtest.DefaultAccount,
		Requests: func() []venuetest.Request { return venuetest.Log(srv.Requests(), request) },
		AddKey: func(k venuetest.Key) {
			switch {
			case k.Withdraw:
				keys.Store(t, masterKey)
			case k.ReadOnly:
				srv.RevokeAgent(hyperliquidtest.Address(agentKey))
				keys.Store(t, strangerKey)
			default:
				srv.ApproveAgent(hyperliquidtest.DefaultAccount, hyperliquidtest.Address(agentKey), "contract", srv.Sim().Now().AddDate(0, 6, 0))
				keys.Store(t, agentKey)
			}
		},
	}
}

func request(r hyperliquidtest.Request) venuetest.Request {
	return venuetest.Request{Method: r.Method, Path: r.Path, Status: r.Status, Code: r.Code, Accepted: r.Accepted}
}

func keyOf(t *testing.T) string {
	if k, ok := keys.Load(t); ok {
		return k.(string)
	}
	return agentKey
}

func openClient(t *testing.T, l venuetest.Link, more ...hyperliquid.Option) *hyperliquid.Client {
	c, err := hyperliquid.New(append([]hyperliquid.Option{hyperliquid.WithBaseURL(l.REST), hyperliquid.WithWSURL(l.WS + hyperliquidtest.WSPath),
		hyperliquid.WithHTTPClient(l.HTTP), hyperliquid.WithAccount(exchange.AccountInfo{Name: l.Account, Venue: "hyperliquid", Network: l.Network}),
		hyperliquid.WithWallet(accountAddr, crypto.NewSecret([]byte(keyOf(t)))), hyperliquid.WithNonceDir(nonceDir(t))}, more...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var nonceDirs sync.Map // *testing.T → string

// nonceDir is one test's nonce directory: every client a test opens on the
// signer shares it, as every vigil process of a user does.
func nonceDir(t *testing.T) string {
	if d, ok := nonceDirs.Load(t); ok {
		return d.(string)
	}
	d := t.TempDir()
	nonceDirs.Store(t, d)
	t.Cleanup(func() { nonceDirs.Delete(t) })
	return d
}
