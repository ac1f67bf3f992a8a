package deribit_test

import (
	"testing"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/deribit"
	"github.com/vigil-trade/vigil/exchange/deribit/deribittest"
	"github.com/vigil-trade/vigil/exchange/venuetest"
)

// Test credentials for the fake; not a secret.
const (
	keyID     = "Ab3dEf7h"
	keySecret = "contractSecretForTheDeribitFake0123456789ab"
)

// TestContract runs the venue contract against deribittest.
func TestContract(t *testing.T) { venuetest.Run(t, harness) }

// TestContractCatchesBrokenClients: the suite fails a client broken in
// each of the ways venuetest.RunMutants knows.
func TestContractCatchesBrokenClients(t *testing.T) { venuetest.RunMutants(t, harness) }

var harness = venuetest.Harness{
	Symbol: "BTC_USDC-PERPETUAL",
	Ops: venuetest.Ops{Time: "GET /api/v2/public/get_time", Balances: "GET /api/v2/private/get_account_summaries",
		Place: "POST /api/v2/private/buy", Query: "GET /api/v2/private/get_order_state_by_label"},
	ClockCode: "13009",
	FilterCodes: map[string]string{exchange.RuleTick: "10043", exchange.RuleStep: "-32602",
		exchange.RuleQty: "10002"},
	PermissionCode: "13021",
	Secrets:        []string{keySecret},
	NoBan:          "Deribit answers spent credits with 10028 too_many_requests (and ends the session) and bans no address for it",
	NoStampWindow:  "Deribit takes a signature's timestamp for 60 s, wider than the suite's 45 s steps: TestStampRefusedAndRetried steps the clock 90 s",
	NoMinNotional:  "Deribit bounds an order by min_trade_amount, not by its value",
	ClientID:       deribit.ClientIDPolicy,
	Start:          startFake,
	Open:           func(t *testing.T, l venuetest.Link) venuetest.Client { return openClient(t, l) },
}

func startFake(t *testing.T, s venuetest.Setup) *venuetest.Fake {
	var opts []deribittest.Option
	if s.Mainnet {
		opts = append(opts, deribittest.Mainnet())
	}
	srv := deribittest.New(opts...)
	return &venuetest.Fake{
		Server: srv, Account: deribittest.DefaultAccount,
		Requests: func() []venuetest.Request { return venuetest.Log(srv.Requests(), request) },
		AddKey: func(k venuetest.Key) {
			srv.AddKey(keyID, keySecret, deribittest.Perms{ReadOnly: k.ReadOnly, Withdraw: k.Withdraw, IPs: k.IPs})
		},
	}
}

func request(r deribittest.Request) venuetest.Request {
	return venuetest.Request{Method: r.Method, Path: r.Path, Status: r.Status, Code: venuetest.Code(r.Code), Accepted: r.Accepted}
}

func openClient(t *testing.T, l venuetest.Link, more ...deribit.Option) venuetest.Client {
	t.Helper()
	c, err := deribit.New(append([]deribit.Option{deribit.WithBaseURL(l.REST), deribit.WithWSURL(l.WS + deribittest.WSPath), deribit.WithHTTPClient(l.HTTP),
		deribit.WithAccount(exchange.AccountInfo{Name: l.Account, Venue: "deribit", Network: l.Network}), deribit.WithKey(keyID, secret(keySecret))}, more...)...)
	if err != nil {
		t.Fatal(err)
	}
	return venuetest.Client{Venue: c, Streamer: c}
}

func secret(s string) crypto.Secret { return crypto.NewSecret([]byte(s)) }
