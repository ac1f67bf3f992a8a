package bybit_test

import (
	"testing"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/bybit"
	"github.com/vigil-trade/vigil/exchange/bybit/bybittest"
	"github.com/vigil-trade/vigil/exchange/venuetest"
)

const (
	keyID     = "XbT7nQ2pLm4RvW9sKd"
	keySecret = "Hk3Jd8sQw2Lp9Zx7Vb4Nm6Tr1Yc5Ue0GfAo"
)

func secret(s string) crypto.Secret { return crypto.NewSecret([]byte(s)) }

// TestContract runs the venue contract against bybittest.
func TestContract(t *testing.T) { venuetest.Run(t, harness) }

// TestContractCatchesBrokenClients: the suite fails a client broken in
// each of the ways venuetest.RunMutants knows.
func TestContractCatchesBrokenClients(t *testing.T) { venuetest.RunMutants(t, harness) }

var harness = venuetest.Harness{
	Symbol: "BTCUSDT",
	Ops: venuetest.Ops{Time: "GET /v5/market/time", Balances: "GET /v5/account/wallet-balance",
		Place: "POST /v5/order/create", Query: "GET /v5/order/realtime"},
	ClockCode: "10002",
	FilterCodes: map[string]string{exchange.RuleTick: "170134", exchange.RuleStep: "170137",
		exchange.RuleQty: "170136", exchange.RuleNotional: "170140"},
	PermissionCode: "10005",
	Secrets:        []string{keySecret},
	NoBan:          "Bybit answers 10006 per UID and endpoint with its reset time, and bans no IP for it",
	Start:          startFake,
	Open:           func(t *testing.T, l venuetest.Link) venuetest.Client { return openClient(t, l) },
}

func startFake(t *testing.T, s venuetest.Setup) *venuetest.Fake {
	srv := bybittest.New()
	return &venuetest.Fake{
		Server: srv, Account: bybittest.DefaultAccount,
		Requests: func() []venuetest.Request { return venuetest.Log(srv.Requests(), request) },
		AddKey: func(k venuetest.Key) {
			srv.AddKey(keyID, keySecret, bybittest.Perms{ReadOnly: k.ReadOnly, Withdraw: k.Withdraw, IPs: k.IPs})
		},
	}
}

func request(r bybittest.Request) venuetest.Request {
	return venuetest.Request{Method: r.Method, Path: r.Path, Status: r.Status, Code: venuetest.Code(r.RetCode), Accepted: r.Accepted}
}

// What the venue's own tests (and the stream's) share with the contract.
var (
	fund              = venuetest.Funder[*bybittest.Server](bybittest.DefaultAccount, "USDT", "10000")
	assertAllAccepted = venuetest.AcceptedFrom[*bybittest.Server](request)
)

func openClient(t *testing.T, l venuetest.Link, more ...bybit.Option) venuetest.Client {
	c, err := bybit.New(append([]bybit.Option{bybit.WithBaseURL(l.REST), bybit.WithWSURL(l.WS + bybittest.WSPath), bybit.WithHTTPClient(l.HTTP),
		bybit.WithAccount(exchange.AccountInfo{Name: l.Account, Venue: "bybit", Network: l.Network}), bybit.WithKey(keyID, secret(keySecret))}, more...)...)
	if err != nil {
		t.Fatal(err)
	}
	return venuetest.Client{Venue: c, Streamer: c}
}

func loopbackClient(t *testing.T, srv *bybittest.Server, opts ...bybit.Option) venuetest.Client {
	return openClient(t, venuetest.Loopback(srv.URL, srv.WSURL, bybittest.WSPath), opts...)
}
