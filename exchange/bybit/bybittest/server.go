// Package bybittest is a fake Bybit v5 API (REST and the private WebSocket)
// over exchange/sim, for tests and the demo, the way net/http/httptest sits
// beside net/http. It imitates the testnet's spot market on a unified
// trading account.
//
// It speaks the wire protocol as Bybit documents it, independently of the
// client in exchange/bybit: the same paths, envelopes, retCodes and
// messages, rate-limit headers, and it verifies signatures over the exact
// query string or body received. The published vectors in
// /work/shared/vectors decide who is right when the client and the fake
// disagree.
//
// Stream faults (SetStreamFault): under sim.StreamNoPong {"op":"ping"} goes
// unanswered; sim.StreamExpire closes each connection normally, as when
// max_active_time runs out; under sim.StreamNotice Bybit sends nothing first
// (it documents no notice of a planned disconnect): the connections just
// close after the delay.
//
// Not modelled: categories other than spot, RSA keys, amend, batch
// endpoints, PostOnly, the per-IP 600/5 s limit (HTTP 403), WS order entry
// and public streams.
package bybittest

import (
	"net/http"
	"sync"
	"time"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange/sim"
	"github.com/vigil-trade/vigil/exchange/sim/simhttp"
)

// DefaultAccount is the sim account keys trade unless Perms.Account says
// otherwise.
const DefaultAccount = "main"

// WSPath is where the private WebSocket is served.
const WSPath = "/v5/private"

// Perms are what one API key may do and from where.
type Perms struct {
	// Account is the sim account the key acts on; "": DefaultAccount.
	Account  string
	ReadOnly bool
	Withdraw bool
	// IPs is the bound list; empty means unbound (Bybit then shows "*" and
	// expires the key after 90 days).
	IPs  []string
	Note string
	// Created defaults to the server clock at registration; Expires, when
	// set, makes later requests fail with 33004.
	Created time.Time
	Expires time.Time
}

// TradePerms is a read-write key on account usable from anywhere.
func TradePerms(account string) Perms { return Perms{Account: account} }

type apiKey struct {
	id     string
	secret []byte
	perms  Perms
	seq    int64
}

// Option configures a Server.
type Option func(*Server)

// WithSim serves an existing simulated exchange instead of a fresh one
// listing DefaultSymbols.
func WithSim(x *sim.Exchange) Option { return func(s *Server) { s.sim = x } }

// WithClientIP overrides how the fake learns the caller's IP (default: the
// connection's address, loopback as 127.0.0.1).
func WithClientIP(fn func(*http.Request) string) Option { return func(s *Server) { s.clientIP = fn } }

// WithLimits replaces DefaultLimits.
func WithLimits(l Limits) Option { return func(s *Server) { s.limits = l } }

// Request is one request the fake saw: no headers, parameters or
// signatures, only what a test asserts on.
type Request struct {
	Time     time.Time // server clock
	Method   string
	Path     string
	IP       string
	Status   int
	RetCode  int
	Accepted bool // retCode 0
	Fault    sim.FaultKind
}

// Server is the fake. Construct with NewServer (listening on loopback) or
// New (handler only).
type Server struct {
	// Fake holds what every venue's fake has: URL and WSURL, Sim, Close,
	// Client, Handler, and the stream faults (SetStreamFault: see the
	// package doc for Bybit's expiry).
	simhttp.Fake[int]

	sim      *sim.Exchange
	limits   Limits
	clientIP func(*http.Request) string
	routes   map[string]*route
	windows  simhttp.Rolling

	keys    simhttp.Keys[*apiKey]
	mu      sync.Mutex
	uids    map[string]int64
	nextUID int64
	nextKey int64
}

// New returns a fake that does not listen; mount Handler where needed.
func New(opts ...Option) *Server {
	s := &Server{
		limits:  DefaultLimits(),
		uids:    map[string]int64{},
		nextUID: 100245000,
		nextKey: 13770000,
	}
	for _, o := range opts {
		o(s)
	}
	s.routes = buildRoutes()
	s.Init(simhttp.Config[int]{
		Sim:         s.sim,
		ClientIP:    s.clientIP,
		Serves:      func(op string) bool { return s.routes[op] != nil },
		NotFound:    notFound,
		Handle:      s.handle,
		ServerError: serverError,
		// Answers without an envelope log retCode -1, so they never pass for
		// a retCode 0.
		GarbledCode: -1,
		DroppedCode: -1,
		GarbleStub:  `{"retCode":`,
		Symbols:     DefaultSymbols,
		WSPath:      WSPath,
		ServeWS:     s.serveWS,
	})
	s.sim = s.Sim()
	return s
}

// NewServer starts a fake on a loopback port.
func NewServer(opts ...Option) *Server { return simhttp.Listening(New(opts...)) }

// AddKey registers an HMAC key.
func (s *Server) AddKey(apiKeyID, secret string, perms Perms) {
	if perms.Account == "" {
		perms.Account = DefaultAccount
	}
	if perms.Created.IsZero() {
		perms.Created = s.sim.Now()
	}
	perms.IPs = append([]string(nil), perms.IPs...)
	s.sim.AddAccount(perms.Account)
	s.mu.Lock()
	s.nextKey += 17
	seq := s.nextKey
	s.uidLocked(perms.Account)
	s.mu.Unlock()
	s.keys.Add(apiKeyID, &apiKey{id: apiKeyID, secret: []byte(secret), perms: perms, seq: seq})
}

// RemoveKey deletes a key, as a user would on the website.
func (s *Server) RemoveKey(apiKeyID string) { s.keys.Remove(apiKeyID) }

// UID is the account's Bybit user id.
func (s *Server) UID(account string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.uidLocked(account)
}

func (s *Server) uidLocked(account string) int64 {
	u, ok := s.uids[account]
	if !ok {
		s.nextUID += 1013
		u = s.nextUID
		s.uids[account] = u
	}
	return u
}

// Requests returns every REST request seen so far, oldest first.
func (s *Server) Requests() []Request {
	log := s.Log()
	out := make([]Request, len(log))
	for i, r := range log {
		out[i] = Request{Time: r.Time, Method: r.Method, Path: r.Path, IP: r.IP, Status: r.Status,
			RetCode: r.Code, Accepted: r.Status == http.StatusOK && r.Code == 0, Fault: r.Fault}
	}
	return out
}

// CountRateLimited is how many 10006 replies were served.
func (s *Server) CountRateLimited() int {
	return s.CountLog(func(r simhttp.Record[int]) bool { return r.Code == codeRateLimit })
}

// reply is the venue's view of a simhttp.Reply, with Bybit's envelope.
type reply struct{ simhttp.Reply[int] }

func newReply() *reply { return &reply{*simhttp.NewReply[int]()} }

// envelope is Bybit's response body, the same for success and failure.
type envelope struct {
	RetCode    int      `json:"retCode"`
	RetMsg     string   `json:"retMsg"`
	Result     any      `json:"result"`
	RetExtInfo struct{} `json:"retExtInfo"`
	Time       int64    `json:"time"`
}

func (r *reply) env(status, code int, msg string, result any, now time.Time) *reply {
	if result == nil {
		result = struct{}{}
	}
	r.SetJSON(status, "application/json; charset=utf-8", envelope{RetCode: code, RetMsg: msg, Result: result, Time: now.UnixMilli()})
	r.Code = code
	return r
}

func (s *Server) handle(c *simhttp.Call) *simhttp.Reply[int] {
	rp := newReply()
	switch {
	case c.Limited():
		rp.env(http.StatusOK, codeRateLimit, msgRateLimit, nil, c.Now)
	case !c.Skips():
		s.run(&call{s: s, r: c.R, rt: s.routes[c.Op], now: c.Now, ip: c.IP, body: c.Body}, rp)
	}
	return &rp.Reply
}

func (s *Server) run(q *call, rp *reply) {
	if q.rt.private {
		if e := q.authenticate(); e != nil {
			rp.env(e.status, e.code, e.msg, nil, q.now)
			return
		}
		if e := s.charge(q, rp); e != nil {
			rp.env(e.status, e.code, e.msg, nil, q.now)
			return
		}
	}
	if e := q.parse(); e != nil {
		rp.env(e.status, e.code, e.msg, nil, q.now)
		return
	}
	result, e := q.rt.handle(q)
	if e != nil {
		rp.env(e.status, e.code, e.msg, nil, q.now)
		return
	}
	rp.env(http.StatusOK, 0, "OK", result, q.s.sim.Now())
}

func notFound() *simhttp.Reply[int] {
	rp := simhttp.Text[int](http.StatusNotFound, "text/plain", "404 page not found")
	rp.Code = -1
	return rp
}

// serverError is the edge's answer when the backend fails: an HTML page
// with the status (503 unless the fault names another).
func serverError(status int, _ *simhttp.Reply[int]) *simhttp.Reply[int] {
	if status == 0 {
		status = http.StatusServiceUnavailable
	}
	rp := simhttp.EdgePage[int](status)
	rp.Code = -1
	return rp
}

func ms(t time.Time) string { return decimal.NewFromInt(t.UnixMilli()).String() }
