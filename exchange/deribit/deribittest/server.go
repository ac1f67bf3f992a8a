// Package deribittest is a fake Deribit (JSON-RPC over HTTP and the
// WebSocket) over exchange/sim, for tests and the demo.
//
// It speaks the protocol as Deribit documents it, independently of the
// client in exchange/deribit: methods at /api/v2/<method> with their
// params in the query, the deri-hmac-sha256 Authorization header checked
// over the URI as received, public/auth with client_signature, JSON-RPC
// envelopes carrying usIn, usOut, usDiff and testnet, Deribit's error
// codes, credit pools per key (non-matching engine 500 credits a request
// out of 50 000 refilled at 10 000/s; matching engine 5/s, bursts of 20;
// spending the last answers 10028), and on the WebSocket
// public/set_heartbeat's test_requests, which close the connection when
// one is not answered with public/test before the next.
//
// The simulated exchange is a spot ledger: a linear contract's fill moves
// coin and USDC between the account's balances, and a position is the
// account's net fills per instrument (average entry, the sim's price as
// mark). Inverse contracts are listed (sized in contracts of contract_size
// USD) but their orders lock USD, which no demo account holds.
//
// Not modelled: options, edit, stop orders, block trades, subaccounts,
// user.changes and user.trades channels, access tokens as credentials
// (they are issued, never accepted).
package deribittest

import (
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vigil-trade/vigil/exchange/sim"
	"github.com/vigil-trade/vigil/exchange/sim/simhttp"
)

// DefaultAccount is the sim account keys trade unless Perms.Account says
// otherwise.
const DefaultAccount = "main"

// WSPath is where the WebSocket is served; APIPath prefixes the methods.
const (
	WSPath  = "/ws/api/v2"
	APIPath = "/api/v2/"
)

// Perms are what one API key may do and from where.
type Perms struct {
	Account  string // "": DefaultAccount
	ReadOnly bool   // trade:read instead of trade:read_write
	Withdraw bool   // wallet:read_write
	IPs      []string
	Name     string
	Created  time.Time // default: the server clock at registration
}

// TradePerms is a key that reads and trades on account from anywhere.
func TradePerms(account string) Perms { return Perms{Account: account} }

// scope is the key's scope as public/auth grants it.
func (p Perms) scope() string {
	trade, wallet := "read_write", "read"
	if p.ReadOnly {
		trade = "read"
	}
	if p.Withdraw {
		wallet = "read_write"
	}
	return "account:read trade:" + trade + " wallet:" + wallet + " connection"
}

type apiKey struct {
	id     string
	secret []byte
	perms  Perms

	mu       sync.Mutex
	credits  pool
	matching pool
}

// Option configures a Server.
type Option func(*Server)

// WithSim serves an existing simulated exchange.
func WithSim(x *sim.Exchange) Option { return func(s *Server) { s.sim = x } }

// WithClientIP overrides how the fake learns the caller's IP.
func WithClientIP(fn func(*http.Request) string) Option { return func(s *Server) { s.clientIP = fn } }

// Unlimited lifts the credit pools.
func Unlimited() Option { return func(s *Server) { s.unlimited = true } }

// Mainnet answers as www.deribit.com ("testnet": false).
func Mainnet() Option { return func(s *Server) { s.mainnet = true } }

// Request is one request the fake saw.
type Request struct {
	Time     time.Time
	Method   string
	Path     string
	IP       string
	Status   int
	Code     int // the JSON-RPC error code; 0 when none
	Accepted bool
	Fault    sim.FaultKind
}

// Server is the fake.
type Server struct {
	simhttp.Fake[int]

	sim       *sim.Exchange
	clientIP  func(*http.Request) string
	unlimited bool
	mainnet   bool
	methods   map[string]*method

	keys simhttp.Keys[*apiKey]

	// late makes that many next heartbeat answers come too late: the
	// fake closes the connection as Deribit does.
	late   atomic.Int32
	stamps atomic.Int64
	logins atomic.Int64
	mu     sync.Mutex
	cod    map[string]bool // cancel on disconnect, per account, as last set
}

// New returns a fake that does not listen; mount Handler where needed.
func New(opts ...Option) *Server {
	s := &Server{cod: map[string]bool{}}
	for _, o := range opts {
		o(s)
	}
	s.methods = methods()
	s.Init(simhttp.Config[int]{
		Sim:         s.sim,
		ClientIP:    s.clientIP,
		Serves:      func(op string) bool { return s.method(op) != nil },
		NotFound:    notFound,
		Handle:      s.handle,
		ServerError: serverError,
		GarbledCode: -1,
		DroppedCode: -2,
		GarbleStub:  `{"jsonrpc":`,
		Symbols:     DefaultSymbols,
		WSPath:      WSPath,
		ServeWS:     s.serveWS,
	})
	s.sim = s.Sim()
	return s
}

// NewServer starts a fake on a loopback port.
func NewServer(opts ...Option) *Server { return simhttp.Listening(New(opts...)) }

// AddKey registers a key: client id and client secret (text).
func (s *Server) AddKey(clientID, secret string, perms Perms) {
	if perms.Account == "" {
		perms.Account = DefaultAccount
	}
	if perms.Created.IsZero() {
		perms.Created = s.sim.Now()
	}
	perms.IPs = append([]string(nil), perms.IPs...)
	s.sim.AddAccount(perms.Account)
	s.keys.Add(clientID, &apiKey{id: clientID, secret: []byte(secret), perms: perms})
}

// RemoveKey deletes a key.
func (s *Server) RemoveKey(id string) { s.keys.Remove(id) }

// LateHeartbeats makes the next n answers to a test_request arrive too
// late, whatever the client does: the fake closes each connection as
// Deribit closes one whose test_request went unanswered.
func (s *Server) LateHeartbeats(n int) { s.late.Add(int32(n)) }

// StreamLogins counts the WebSocket logins accepted (public/auth).
func (s *Server) StreamLogins() int { return int(s.logins.Load()) }

// CancelOnDisconnect is account's setting as a stream last set it.
func (s *Server) CancelOnDisconnect(account string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cod[account]
}

// Requests is every HTTP request seen so far, oldest first.
func (s *Server) Requests() []Request {
	log := s.Log()
	out := make([]Request, len(log))
	for i, r := range log {
		out[i] = Request{Time: r.Time, Method: r.Method, Path: r.Path, IP: r.IP, Status: r.Status,
			Code: r.Code, Accepted: r.Status == http.StatusOK && r.Code == 0, Fault: r.Fault}
	}
	return out
}

// StampRefusals counts requests refused for their timestamp.
func (s *Server) StampRefusals() int { return int(s.stamps.Load()) }

func notFound() *simhttp.Reply[int] {
	rp := simhttp.Text[int](http.StatusNotFound, "text/plain", "404 page not found")
	rp.Code = 404
	return rp
}

// serverError is Deribit's edge failing: an HTML page.
func serverError(status int, _ *simhttp.Reply[int]) *simhttp.Reply[int] {
	if status == 0 {
		status = http.StatusBadGateway
	}
	rp := simhttp.EdgePage[int](status)
	rp.Code = status
	return rp
}
