package coinbase_test

import (
	"testing"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/coinbase"
	"github.com/vigil-trade/vigil/exchange/coinbase/coinbasetest"
	"github.com/vigil-trade/vigil/exchange/venuetest"
)

// Each scheme's test key, the same on every run.
var keys = func() map[exchange.Scheme][2]string {
	out := map[exchange.Scheme][2]string{}
	for _, sc := range []exchange.Scheme{exchange.SchemeES256, exchange.SchemeEd25519, exchange.SchemeHMAC} {
		name, secret, err := coinbasetest.KeyFor("contract "+string(sc), sc)
		if err != nil {
			panic(err)
		}
		out[sc] = [2]string{name, secret}
	}
	return out
}()

// TestContract runs the venue contract against coinbasetest.
func TestContract(t *testing.T) { venuetest.Run(t, harness) }

// TestContractCatchesBrokenClients: the suite fails a client broken in
// each of the ways venuetest.RunMutants knows.
func TestContractCatchesBrokenClients(t *testing.T) { venuetest.RunMutants(t, harness) }

var harness = venuetest.Harness{
	Symbol:  coinbasetest.BTC,
	Schemes: []exchange.Scheme{exchange.SchemeES256, exchange.SchemeEd25519},
	Ops: venuetest.Ops{Time: "GET /api/v3/brokerage/time", Balances: "GET /api/v3/brokerage/accounts",
		Place: "POST /api/v3/brokerage/orders", Query: "GET /api/v3/brokerage/orders/historical/batch"},
	ClockCode: coinbasetest.CodeTime,
	FilterCodes: map[string]string{exchange.RuleTick: coinbase.ErrPricePrecision, exchange.RuleStep: coinbase.ErrSizePrecision,
		exchange.RuleQty: coinbase.ErrBaseTooSmall, exchange.RuleNotional: coinbase.ErrQuoteTooSmall},
	PermissionCode:   coinbase.ErrPermission,
	Secrets:          []string{keys[exchange.SchemeES256][1][40:80], keys[exchange.SchemeEd25519][1]},
	NoBan:            "Coinbase answers a passed limit with HTTP 429 and bans no address for it",
	IPBindingUnknown: "Coinbase's key_permissions says nothing of a key's IP allow-list (set in the CDP portal)",
	TokenLife:        coinbase.TokenLife,
	ClientID:         coinbase.ClientIDPolicy,
	Start:            startFake,
	Open:             func(t *testing.T, l venuetest.Link) venuetest.Client { return openClient(t, l) },
}

func startFake(t *testing.T, s venuetest.Setup) *venuetest.Fake {
	srv := coinbasetest.New()
	return &venuetest.Fake{
		Server: srv, Account: coinbasetest.DefaultAccount,
		Requests: func() []venuetest.Request { return venuetest.Log(srv.Requests(), request) },
		AddKey: func(k venuetest.Key) {
			sc := k.Scheme
			if sc == "" {
				sc = exchange.SchemeES256
			}
			if err := srv.AddKey(keys[sc][0], sc, keys[sc][1], coinbasetest.Perms{ReadOnly: k.ReadOnly, Transfer: k.Withdraw, IPs: k.IPs}); err != nil {
				t.Fatal(err)
			}
		},
	}
}

func request(r coinbasetest.Request) venuetest.Request {
	return venuetest.Request{Method: r.Method, Path: r.Path, Status: r.Status, Code: r.Code, Accepted: r.Accepted}
}

func openClient(t *testing.T, l venuetest.Link, more ...coinbase.Option) venuetest.Client {
	sc := l.Scheme
	if sc == "" {
		sc = exchange.SchemeES256
	}
	c, err := coinbase.New(append([]coinbase.Option{coinbase.WithBaseURL(l.REST), coinbase.WithWSURL(l.WS + coinbasetest.WSPath), coinbase.WithHTTPClient(l.HTTP),
		coinbase.WithAccount(exchange.AccountInfo{Name: l.Account, Venue: "coinbase", Network: l.Network, Scheme: sc}),
		coinbase.WithKey(keys[sc][0], crypto.NewSecret([]byte(keys[sc][1])))}, more...)...)
	if err != nil {
		t.Fatal(err)
	}
	return venuetest.Client{Venue: c, Streamer: c}
}
