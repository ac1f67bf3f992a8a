// Package krakentest is a fake Kraken Spot API (REST and the WS v2
// private stream) over exchange/sim, for tests and the demo: the testnet
// Kraken Spot does not have.
//
// It speaks the wire protocol as Kraken documents it, independently of the
// client in exchange/kraken: form bodies, {"error":[…],"result":…}
// envelopes with HTTP 200, error strings, API-Sign verified over the exact
// body received, and nonces that must strictly increase per key (a
// nonce window per key, when set, tolerates that much disorder). It counts
// private calls per key and order actions per pair on decaying counters as
// Kraken's tiers do.
//
// Pairs are named by their REST altname (XBTUSDT) with Kraken's legacy
// asset codes (XXBT) in AssetPairs and BalanceEx; the stream names them
// as WS v2 does (BTC/USDT). Order ids (txid) are the simulated exchange's.
//
// Not modelled: userref, order flags, amend/edit, batch endpoints, the
// ledger, the balances channel, WS order entry and public streams.
package krakentest

import (
	"net/http"
	"sync"
	"time"

	"github.com/vigil-trade/vigil/exchange/sim"
	"github.com/vigil-trade/vigil/exchange/sim/simhttp"
)

// DefaultAccount is the sim account keys trade unless Perms.Account says
// otherwise.
const DefaultAccount = "main"

// WSPath is where the private WebSocket is served.
const WSPath = "/v2"

// Perms are what one API key may do and from where.
type Perms struct {
	Account  string // "": DefaultAccount
	ReadOnly bool   // no modify-trades, no cancel
	Withdraw bool
	// IPs is the allow-list; empty: any address.
	IPs  []string
	Name string
	// NonceWindow tolerates nonces this far below the highest seen.
	NonceWindow uint64
	Created     time.Time // default: the server clock at registration
	Expires     time.Time // zero: never
}

// TradePerms is a key that reads and trades on account from anywhere.
func TradePerms(account string) Perms { return Perms{Account: account} }

type apiKey struct {
	id     string
	secret []byte // decoded
	perms  Perms

	mu        sync.Mutex
	lastNonce uint64
	calls     decay
}

// Option configures a Server.
type Option func(*Server)

// WithSim serves an existing simulated exchange.
func WithSim(x *sim.Exchange) Option { return func(s *Server) { s.sim = x } }

// WithClientIP overrides how the fake learns the caller's IP.
func WithClientIP(fn func(*http.Request) string) Option { return func(s *Server) { s.clientIP = fn } }

// WithTier sets the counters' tier: "starter", "intermediate" (default)
// or "pro"; "unlimited" lifts them.
func WithTier(t string) Option { return func(s *Server) { s.tier = t } }

// WithoutKeyInfo answers GetApiKeyInfo as a host that does not know it
// (it is new in the 2026 docs), so a client's audit must probe.
func WithoutKeyInfo() Option { return func(s *Server) { s.noKeyInfo = true } }

// Request is one request the fake saw.
type Request struct {
	Time     time.Time
	Method   string
	Path     string
	IP       string
	Status   int
	Error    string // the first error's code ("EAPI:Invalid nonce"); "" when none
	Accepted bool
	Fault    sim.FaultKind
}

// Server is the fake.
type Server struct {
	simhttp.Fake[string]

	sim       *sim.Exchange
	clientIP  func(*http.Request) string
	tier      string
	noKeyInfo bool
	routes    map[string]*route

	keys   simhttp.Keys[*apiKey]
	mu     sync.Mutex
	pairs  map[string]*decay // per account and pair
	tokens map[string]*apiKey
}

// New returns a fake that does not listen; mount Handler where needed.
func New(opts ...Option) *Server {
	s := &Server{tier: "intermediate", pairs: map[string]*decay{}, tokens: map[string]*apiKey{}}
	for _, o := range opts {
		o(s)
	}
	s.routes = buildRoutes()
	s.Init(simhttp.Config[string]{
		Sim:         s.sim,
		ClientIP:    s.clientIP,
		Serves:      func(op string) bool { return s.routes[op] != nil },
		NotFound:    notFound,
		Handle:      s.handle,
		ServerError: serverError,
		GarbledCode: "garbled",
		DroppedCode: "dropped",
		GarbleStub:  `{"error":`,
		Symbols:     DefaultSymbols,
		WSPath:      WSPath,
		ServeWS:     s.serveWS,
	})
	s.sim = s.Sim()
	return s
}

// NewServer starts a fake on a loopback port.
func NewServer(opts ...Option) *Server { return simhttp.Listening(New(opts...)) }

// AddKey registers a key; secret is the base64 text Kraken shows.
func (s *Server) AddKey(id, secretB64 string, perms Perms) error {
	raw, err := decodeSecret(secretB64)
	if err != nil {
		return err
	}
	if perms.Account == "" {
		perms.Account = DefaultAccount
	}
	if perms.Created.IsZero() {
		perms.Created = s.sim.Now()
	}
	perms.IPs = append([]string(nil), perms.IPs...)
	s.sim.AddAccount(perms.Account)
	s.keys.Add(id, &apiKey{id: id, secret: raw, perms: perms})
	return nil
}

// RemoveKey deletes a key.
func (s *Server) RemoveKey(id string) { s.keys.Remove(id) }

// Requests is every REST request seen so far, oldest first.
func (s *Server) Requests() []Request {
	log := s.Log()
	out := make([]Request, len(log))
	for i, r := range log {
		out[i] = Request{Time: r.Time, Method: r.Method, Path: r.Path, IP: r.IP, Status: r.Status,
			Error: r.Code, Accepted: r.Status == http.StatusOK && r.Code == "", Fault: r.Fault}
	}
	return out
}

// NonceRefusals counts EAPI:Invalid nonce answers.
func (s *Server) NonceRefusals() int {
	return s.CountLog(func(r simhttp.Record[string]) bool { return r.Code == errNonce })
}

func notFound() *simhttp.Reply[string] {
	rp := simhttp.Text[string](http.StatusNotFound, "text/plain", "404 page not found")
	rp.Code = "404"
	return rp
}

// serverError is Kraken's edge (Cloudflare) failing: an HTML page.
func serverError(status int, _ *simhttp.Reply[string]) *simhttp.Reply[string] {
	if status == 0 {
		status = http.StatusServiceUnavailable
	}
	rp := simhttp.EdgePage[string](status)
	rp.Code = "edge"
	return rp
}
