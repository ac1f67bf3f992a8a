package kraken_test

import (
	"sync"
	"testing"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/kraken"
	"github.com/vigil-trade/vigil/exchange/kraken/krakentest"
	"github.com/vigil-trade/vigil/exchange/venuetest"
)

const keyID = "kRkNqT7vW2pLm4RvW9sKdXbT7nQ2pLm4RvW9sKdXbT7nQ2pLm4RvW9sK"

var keySecret = krakentest.KitSecret("contract")

// TestContract runs the venue contract against krakentest.
func TestContract(t *testing.T) { venuetest.Run(t, harness) }

// TestContractCatchesBrokenClients: the suite fails a client broken in
// each of the ways venuetest.RunMutants knows.
func TestContractCatchesBrokenClients(t *testing.T) { venuetest.RunMutants(t, harness) }

var harness = venuetest.Harness{
	Symbol: "XBTUSDT",
	Ops: venuetest.Ops{Time: "GET /0/public/Time", Balances: "POST /0/private/BalanceEx",
		Place: "POST /0/private/AddOrder", Query: "POST /0/private/OpenOrders"},
	ClockCode: kraken.ErrNonce,
	FilterCodes: map[string]string{exchange.RuleTick: kraken.ErrPrice, exchange.RuleStep: kraken.ErrArgs,
		exchange.RuleQty: kraken.ErrMinimum, exchange.RuleNotional: kraken.ErrCostMinimum},
	PermissionCode: kraken.ErrPermission,
	Secrets:        []string{keySecret},
	NoBan:          "Kraken answers a full counter with EAPI:Rate limit exceeded (or EService:Throttled with a time) and bans no address for it",
	NoStampWindow:  "Kraken Spot signs a nonce that must increase per key and checks no request time",
	ClientID:       kraken.ClientIDPolicy,
	Start:          startFake,
	Open:           func(t *testing.T, l venuetest.Link) venuetest.Client { return openClient(t, l) },
}

func startFake(t *testing.T, s venuetest.Setup) *venuetest.Fake {
	srv := krakentest.New()
	return &venuetest.Fake{
		Server: srv, Account: krakentest.DefaultAccount,
		Requests: func() []venuetest.Request { return venuetest.Log(srv.Requests(), request) },
		AddKey: func(k venuetest.Key) {
			if err := srv.AddKey(keyID, keySecret, krakentest.Perms{ReadOnly: k.ReadOnly, Withdraw: k.Withdraw, IPs: k.IPs}); err != nil {
				t.Fatal(err)
			}
		},
	}
}

func request(r krakentest.Request) venuetest.Request {
	return venuetest.Request{Method: r.Method, Path: r.Path, Status: r.Status, Code: r.Error, Accepted: r.Accepted}
}

func openClient(t *testing.T, l venuetest.Link, more ...kraken.Option) venuetest.Client {
	c, err := kraken.New(append([]kraken.Option{kraken.WithBaseURL(l.REST), kraken.WithWSURL(l.WS + krakentest.WSPath), kraken.WithHTTPClient(l.HTTP),
		kraken.WithAccount(exchange.AccountInfo{Name: l.Account, Venue: "kraken", Network: l.Network}), kraken.WithKey(keyID, secret(keySecret)),
		kraken.WithNonceDir(nonceDir(t))}, more...)...)
	if err != nil {
		t.Fatal(err)
	}
	return venuetest.Client{Venue: c, Streamer: c}
}

var nonceDirs sync.Map // *testing.T → string

// nonceDir is one test's nonce directory: every client a test opens on the
// key shares it, as every vigil process of a user does.
func nonceDir(t *testing.T) string {
	if d, ok := nonceDirs.Load(t); ok {
		return d.(string)
	}
	d := t.TempDir()
	nonceDirs.Store(t, d)
	t.Cleanup(func() { nonceDirs.Delete(t) })
	return d
}
