// Package hyperliquidtest is a fake Hyperliquid API (POST /info, POST
// /exchange and the /ws stream) over exchange/sim, for tests and the demo.
//
// It speaks the wire protocol as Hyperliquid documents it, independently of
// the client in exchange/hyperliquid: reads by account address with no
// signature; actions signed over the msgpack action hash and the phantom
// agent, the signer recovered from {r, s, v} and accepted when it is the
// account's own wallet or an approved, unexpired agent, and otherwise
// answered "User or API Wallet 0x… does not exist." naming the recovered
// address (a wrong hash recovers a different address each time, as on the
// venue); nonces kept per signer, the highest 100, within (T − 2 days,
// T + 1 day); per-order errors inside statuses[]; HTTP 200 for both.
//
// Coins are the sim's symbols ("BTC", "ETH"), each a perp quoted in USDC,
// asset id = its index in meta.universe. The sim keeps spot balances, so an
// order holds USDC (a buy) or the coin (a sell) as a spot venue would, and
// a coin the account holds is reported as a long position: the fake has
// no margin engine.
//
// Not modelled: vaults and subaccounts, user-signed actions (transfers,
// withdrawals, approveAgent: tests approve agents with ApproveAgent),
// trigger orders, modify, TWAP, scheduleCancel, leverage, funding.
package hyperliquidtest

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/vigil-trade/vigil/exchange/sim"
	"github.com/vigil-trade/vigil/exchange/sim/simhttp"
)

// WSPath is where the stream is served.
const WSPath = "/ws"

// DefaultAccount is the sim account tests trade.
const DefaultAccount = "main"

// Request is one request the fake saw.
type Request struct {
	Time     time.Time
	Method   string
	Path     string
	IP       string
	Status   int
	Code     string // the error's type ("Tick", "UnknownWallet"); "" when none
	Accepted bool
	Fault    sim.FaultKind
}

// Option configures a Server.
type Option func(*Server)

// WithSim serves an existing simulated exchange.
func WithSim(x *sim.Exchange) Option { return func(s *Server) { s.sim = x } }

// WithClientIP overrides how the fake learns the caller's IP.
func WithClientIP(fn func(*http.Request) string) Option { return func(s *Server) { s.clientIP = fn } }

// WithMainnet makes the fake the production API: it expects the phantom
// agent's source "a" (testnet, the default: "b").
func WithMainnet() Option { return func(s *Server) { s.mainnet = true } }

// Unlimited lifts the per-address action cap.
func Unlimited() Option { return func(s *Server) { s.unlimited = true } }

// WithIPWeight counts each caller's weight, 1200 a minute, and answers
// HTTP 429 past it. Off by default: tests on one machine share 127.0.0.1,
// where the venue would count them as one trader.
func WithIPWeight() Option { return func(s *Server) { s.ipWeight = true } }

type agent struct {
	account    string // sim account
	name       string
	validUntil time.Time // zero: never expires
}

// Server is the fake.
type Server struct {
	simhttp.Fake[string]

	sim       *sim.Exchange
	clientIP  func(*http.Request) string
	mainnet   bool
	unlimited bool
	ipWeight  bool

	mu       sync.Mutex
	masters  map[string]string // address → sim account
	accounts map[string]string // sim account → its own address
	agents   map[string]*agent // agent address → agent
	nonces   map[string]*nonceSet
	used     map[string]int // actions per account address, for userRateLimit
	placed   int            // orders accepted
	weights  simhttp.Rolling
}

// New returns a fake that does not listen; mount Handler where needed.
func New(opts ...Option) *Server {
	s := &Server{masters: map[string]string{}, accounts: map[string]string{}, agents: map[string]*agent{},
		nonces: map[string]*nonceSet{}, used: map[string]int{}}
	for _, o := range opts {
		o(s)
	}
	s.Init(simhttp.Config[string]{
		Sim:         s.sim,
		ClientIP:    s.clientIP,
		Serves:      serves,
		OpOf:        OpOf,
		NotFound:    notFound,
		Handle:      s.handle,
		ServerError: serverError,
		GarbledCode: "garbled",
		DroppedCode: "dropped",
		GarbleStub:  `{"status":`,
		ClockDate:   true,
		Symbols:     DefaultSymbols,
		WSPath:      WSPath,
		ServeWS:     s.serveWS,
	})
	s.sim = s.Sim()
	return s
}

// NewServer starts a fake on a loopback port.
func NewServer(opts ...Option) *Server { return simhttp.Listening(New(opts...)) }

// The fake's two operations, as sim faults name them.
const (
	opInfo     = "POST /info"
	opExchange = "POST /exchange"
)

// Op names an operation as sim faults and the request log do: "POST
// /info <type>" for a read, "POST /exchange <action type>" for an action
// (every request shares one of two paths and differs by its body).
func Op(path, typ string) string { return "POST " + path + " " + typ }

func serves(op string) bool {
	return strings.HasPrefix(op, opInfo+" ") || strings.HasPrefix(op, opExchange+" ")
}

// OpOf names a request as Op does, from its method, path and body.
func OpOf(method, path string, body []byte) string {
	op := method + " " + path
	var q struct {
		Type   string `json:"type"`
		Action struct {
			Type string `json:"type"`
		} `json:"action"`
	}
	_ = json.Unmarshal(body, &q)
	switch op {
	case opInfo:
		return op + " " + q.Type
	case opExchange:
		return op + " " + q.Action.Type
	}
	return op
}

// AddAccount makes address the own wallet of the sim account: its key
// signs every action, user-signed ones included, and its address is what
// reads and subscriptions name.
func (s *Server) AddAccount(account, address string) {
	address = strings.ToLower(address)
	s.sim.AddAccount(account)
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.accounts[account]; ok {
		delete(s.masters, old)
	}
	s.masters[address] = account
	s.accounts[account] = address
}

// AccountAddress is the sim account's own address ("" when none).
func (s *Server) AccountAddress(account string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accounts[account]
}

// ApproveAgent approves an API wallet for the account, as approveAgent
// signed by the account's key would; a name "" is the unnamed agent, which
// replaces the unnamed one before (as on the venue), and a named one
// replaces the agent of that name. validUntil zero: no expiry.
func (s *Server) ApproveAgent(account, address, name string, validUntil time.Time) {
	address = strings.ToLower(address)
	s.mu.Lock()
	defer s.mu.Unlock()
	for a, ag := range s.agents {
		if ag.account == account && ag.name == name {
			delete(s.agents, a)
		}
	}
	s.agents[address] = &agent{account: account, name: name, validUntil: validUntil}
}

// RevokeAgent deregisters an API wallet.
func (s *Server) RevokeAgent(address string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.agents, strings.ToLower(address))
}

// signerAccount is the sim account an action signed by address acts on:
// its own, or the one that approved it as an agent still valid at now.
func (s *Server) signerAccount(address string, now time.Time) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.masters[address]; ok {
		return a, true
	}
	if ag, ok := s.agents[address]; ok && (ag.validUntil.IsZero() || now.Before(ag.validUntil)) {
		return ag.account, true
	}
	return "", false
}

// accountOf is the sim account whose own address is address.
func (s *Server) accountOf(address string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.masters[strings.ToLower(address)]
	return a, ok
}

func (s *Server) nonceSet(signer string) *nonceSet {
	s.mu.Lock()
	defer s.mu.Unlock()
	ns := s.nonces[signer]
	if ns == nil {
		ns = &nonceSet{}
		s.nonces[signer] = ns
	}
	return ns
}

// Requests is every request seen so far, oldest first.
func (s *Server) Requests() []Request {
	log := s.Log()
	out := make([]Request, len(log))
	for i, r := range log {
		out[i] = Request{Time: r.Time, Method: r.Method, Path: r.Path, IP: r.IP, Status: r.Status,
			Code: r.Code, Accepted: r.Status == http.StatusOK && r.Code == "", Fault: r.Fault}
	}
	return out
}

// Placed counts orders the fake accepted.
func (s *Server) Placed() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.placed
}

// NonceRefusals counts refused nonces.
func (s *Server) NonceRefusals() int {
	return s.CountLog(func(r simhttp.Record[string]) bool { return r.Code == CodeNonce })
}

func notFound() *simhttp.Reply[string] {
	rp := simhttp.Text[string](http.StatusNotFound, "text/plain", "")
	rp.Code = "404"
	return rp
}

// serverError is the venue's edge failing: an nginx page.
func serverError(status int, _ *simhttp.Reply[string]) *simhttp.Reply[string] {
	if status == 0 {
		status = http.StatusBadGateway
	}
	rp := simhttp.EdgePage[string](status)
	rp.Code = "edge"
	return rp
}
