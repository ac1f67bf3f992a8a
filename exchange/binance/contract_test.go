package binance_test

import (
	"crypto/ed25519"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/binance"
	"github.com/vigil-trade/vigil/exchange/binance/binancetest"
	"github.com/vigil-trade/vigil/exchange/sim"
	"github.com/vigil-trade/vigil/exchange/venuetest"
)

const (
	hmacKey    = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
	hmacSecret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
	edKey      = "edKeyForTests00000000000000000000000000000000000000000000000000"
	edPEM      = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n-----END PRIVATE KEY-----\n"
)

func edPublic(t *testing.T) ed25519.PublicKey {
	t.Helper()
	block, _ := pem.Decode([]byte(edPEM))
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return k.(ed25519.PrivateKey).Public().(ed25519.PublicKey)
}

// TestContract runs the venue contract against binancetest.
func TestContract(t *testing.T) { venuetest.Run(t, harness) }

// TestContractCatchesBrokenClients: the suite fails a client broken in
// each of the ways venuetest.RunMutants knows.
func TestContractCatchesBrokenClients(t *testing.T) { venuetest.RunMutants(t, harness) }

var harness = venuetest.Harness{
	Symbol:  "BTCUSDT",
	Schemes: []exchange.Scheme{exchange.SchemeHMAC, exchange.SchemeEd25519},
	Ops: venuetest.Ops{Time: "GET /api/v3/time", Balances: "GET /api/v3/account",
		Place: "POST /api/v3/order", Query: "GET /api/v3/order"},
	ClockCode: "-1021",
	FilterCodes: map[string]string{exchange.RuleTick: "-1013", exchange.RuleStep: "-1013",
		exchange.RuleQty: "-1013", exchange.RuleNotional: "-1013"},
	PermissionCode: "-2015",
	Secrets:        []string{hmacSecret, edPEM},
	RoundsToGrid:   "the client prints price and quantity with the tick's and step's digits",
	NoIPList:       "apiRestrictions says whether a key is IP-bound, not to which IPs",
	Start:          startFake,
	Open:           openClient,
}

func startFake(t *testing.T, s venuetest.Setup) *venuetest.Fake {
	var opts []binancetest.Option
	if s.Mainnet {
		opts = append(opts, binancetest.WithMode(binancetest.Mainnet))
	}
	srv := binancetest.New(opts...)
	return &venuetest.Fake{
		Server: srv, Account: binancetest.DefaultAccount,
		Requests: func() []venuetest.Request { return venuetest.Log(srv.Requests(), request) },
		AddKey: func(k venuetest.Key) {
			p := binancetest.Perms{Read: true, Trade: !k.ReadOnly, Withdraw: k.Withdraw, IPRestrict: len(k.IPs) > 0, IPs: k.IPs}
			if k.Scheme == exchange.SchemeEd25519 {
				srv.AddEd25519Key(edKey, edPublic(t), p)
				return
			}
			srv.AddHMACKey(hmacKey, hmacSecret, p)
		},
		// Another process on the same IP ignores a 429 and gets the IP
		// banned (418) for the client too.
		Ban: func() {
			srv.Sim().Faults().Add(sim.Fault{Kind: sim.FaultRateLimit, Times: 1})
			for _, want := range []int{http.StatusTooManyRequests, http.StatusTeapot} {
				rec := httptest.NewRecorder()
				r := httptest.NewRequest(http.MethodGet, "/api/v3/time", nil)
				r.RemoteAddr = "127.0.0.1:50000"
				srv.Handler().ServeHTTP(rec, r)
				if rec.Code != want {
					t.Fatalf("rogue request: HTTP %d, want %d", rec.Code, want)
				}
			}
		},
	}
}

func request(r binancetest.Request) venuetest.Request {
	return venuetest.Request{Method: r.Method, Path: r.Path, Status: r.Status, Code: venuetest.Code(r.Code), Accepted: r.Accepted}
}

func openClient(t *testing.T, l venuetest.Link) venuetest.Client {
	key, sec := hmacKey, hmacSecret
	if l.Scheme == exchange.SchemeEd25519 {
		key, sec = edKey, edPEM
	}
	opts := []binance.Option{
		binance.WithBaseURL(l.REST), binance.WithWSURL(l.WS + binancetest.WSPath),
		binance.WithAccount(exchange.AccountInfo{Name: l.Account, Venue: "binance", Network: l.Network, Scheme: l.Scheme}),
		binance.WithAPIKey(key), binance.WithScheme(l.Scheme), binance.WithSecret(crypto.NewSecret([]byte(sec))),
	}
	if l.HTTP != nil {
		opts = append(opts, binance.WithHTTPClient(l.HTTP))
	}
	c, err := binance.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return venuetest.Client{Venue: c, Streamer: c}
}
