package okx_test

import (
	"testing"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/okx"
	"github.com/vigil-trade/vigil/exchange/okx/okxtest"
	"github.com/vigil-trade/vigil/exchange/venuetest"
)

const (
	keyID      = "5f3c2a1b-8d7e-4f60-9a1b-2c3d4e5f6a7b"
	keySecret  = "9A1F3C5E7B2D4F6081A3C5E7092B4D6F"
	passphrase = "Vigil#Pass/1"
)

func secret(s string) crypto.Secret { return crypto.NewSecret([]byte(s)) }

// TestContract runs the venue contract against okxtest.
func TestContract(t *testing.T) { venuetest.Run(t, harness) }

// TestContractCatchesBrokenClients: the suite fails a client broken in
// each of the ways venuetest.RunMutants knows.
func TestContractCatchesBrokenClients(t *testing.T) { venuetest.RunMutants(t, harness) }

var harness = venuetest.Harness{
	Symbol: "BTC-USDT",
	Ops: venuetest.Ops{Time: "GET /api/v5/public/time", Balances: "GET /api/v5/account/balance",
		Place: "POST /api/v5/trade/order", Query: "GET /api/v5/trade/order"},
	ClockCode: "50102",
	FilterCodes: map[string]string{exchange.RuleTick: "51000", exchange.RuleStep: "51121",
		exchange.RuleQty: "51020"},
	PermissionCode: "50120",
	Secrets:        []string{keySecret, passphrase},
	NoMinNotional:  "OKX spot has a minimum size (minSz), no minimum order value",
	NoBan:          "OKX answers 50011 per endpoint and bans no IP",
	Start:          startFake,
	Open:           func(t *testing.T, l venuetest.Link) venuetest.Client { return openClient(t, l) },
}

func startFake(t *testing.T, s venuetest.Setup) *venuetest.Fake {
	srv := okxtest.New()
	return &venuetest.Fake{
		Server: srv, Account: okxtest.DefaultAccount,
		Requests: func() []venuetest.Request { return venuetest.Log(srv.Requests(), request) },
		AddKey: func(k venuetest.Key) {
			// A production key is refused on the demo host and the
			// reverse, so the key follows the fake's host.
			srv.AddKey(keyID, keySecret, passphrase, okxtest.Perms{Trade: !k.ReadOnly, Withdraw: k.Withdraw, IPs: k.IPs, Live: s.Mainnet})
		},
	}
}

// request reads OKX's success code "0" as no code.
func request(r okxtest.Request) venuetest.Request {
	code := r.Code
	if code == "0" {
		code = ""
	}
	return venuetest.Request{Method: r.Method, Path: r.Path, Status: r.Status, Code: code, Accepted: r.Accepted}
}

// What the venue's own tests (and the stream's) share with the contract.
var (
	fund              = venuetest.Funder[*okxtest.Server](okxtest.DefaultAccount, "USDT", "10000")
	assertAllAccepted = venuetest.AcceptedFrom[*okxtest.Server](request)
)

func openClient(t *testing.T, l venuetest.Link, more ...okx.Option) venuetest.Client {
	c, err := okx.New(append([]okx.Option{okx.WithBaseURL(l.REST), okx.WithWSURL(l.WS + okxtest.WSPath), okx.WithHTTPClient(l.HTTP),
		okx.WithAccount(exchange.AccountInfo{Name: l.Account, Venue: "okx", Network: l.Network}), okx.WithKey(keyID, secret(keySecret), secret(passphrase))}, more...)...)
	if err != nil {
		t.Fatal(err)
	}
	return venuetest.Client{Venue: c, Streamer: c}
}

func loopbackClient(t *testing.T, srv *okxtest.Server, opts ...okx.Option) venuetest.Client {
	return openClient(t, venuetest.Loopback(srv.URL, srv.WSURL, okxtest.WSPath), opts...)
}
