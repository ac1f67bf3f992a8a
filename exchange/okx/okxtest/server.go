// Package okxtest is a fake OKX v5 API (REST and the private WebSocket) over
// exchange/sim, for tests and the demo, the way net/http/httptest sits
// beside net/http. It imitates demo trading: keys are demo keys unless
// registered as live, and demo keys must send x-simulated-trading: 1.
//
// It speaks the wire protocol as OKX documents it, independently of the
// client in exchange/okx: the same paths, JSON envelopes, codes and messages,
// HTTP statuses and per-endpoint rate limits, and it verifies signatures over
// the exact path, query and body received. The published vectors in
// /work/shared/vectors decide who is right when the client and the fake
// disagree.
//
// Instruments are named as OKX names them (BTC-USDT); the sim symbol is the
// instId. Only SPOT in cash mode is modelled.
//
// Stream faults (SetStreamFault): under sim.StreamNoPong the text "ping"
// goes unanswered; sim.StreamExpire sends OKX's 64008 notice (a service
// upgrade) and closes the connection; sim.StreamNotice sends it and keeps
// the connection open for the fault's delay (OKX: about 30 s).
//
// Not modelled: amend, batch cancel, algo orders, post_only and
// optimal_limit_ioc, tgtCcy=base_ccy for market buys is honoured but
// quote_ccy for sells is not, margin modes, sub-account rate caps (50061),
// the business WebSocket and WS order entry.
package okxtest

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
const WSPath = "/ws/v5/private"

// Perms are what one API key may do and from where.
type Perms struct {
	// Account is the sim account the key acts on; "": DefaultAccount.
	Account string
	// Read is always granted by OKX ("read_only" in perm); Trade and
	// Withdraw are the optional permissions.
	Trade    bool
	Withdraw bool
	// IPs is the whitelist; empty means the key is not IP-bound.
	IPs   []string
	Label string
	// Live marks a production key: it is refused when the request carries
	// x-simulated-trading: 1, as a demo key is refused without it.
	Live bool
}

// TradePerms is a demo key that reads and trades on account from anywhere.
func TradePerms(account string) Perms { return Perms{Account: account, Trade: true} }

type apiKey struct {
	id         string
	secret     []byte
	passphrase string
	perms      Perms
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

// WithIdleTimeout changes how long the private WebSocket waits for any
// message before closing the connection (OKX: 30 s).
func WithIdleTimeout(d time.Duration) Option { return func(s *Server) { s.idle = d } }

// Request is one request the fake saw: no headers, parameters or
// signatures, only what a test asserts on.
type Request struct {
	Time     time.Time // server clock
	Method   string
	Path     string
	IP       string
	Status   int
	Code     string // OKX code of the reply ("0" on success; the first sCode when code is "1")
	Accepted bool   // answered with code "0"
	Fault    sim.FaultKind
}

// Server is the fake. Construct with NewServer (listening on loopback) or
// New (handler only).
type Server struct {
	// Fake holds what every venue's fake has: URL and WSURL, Sim, Close,
	// Client, Handler, and the stream faults (SetStreamFault: see the
	// package doc for OKX's notice and expiry).
	simhttp.Fake[string]

	sim      *sim.Exchange
	limits   Limits
	clientIP func(*http.Request) string
	idle     time.Duration
	routes   map[string]*route
	windows  simhttp.Rolling

	keys    simhttp.Keys[*apiKey]
	mu      sync.Mutex
	uids    map[string]string
	nextUID int64
	quoteSz map[string]string // market buys sized in quote: ordId → sz as sent
}

// New returns a fake that does not listen; mount Handler where needed (an
// in-memory transport under testing/synctest, for instance).
func New(opts ...Option) *Server {
	s := &Server{
		limits:  DefaultLimits(),
		idle:    30 * time.Second,
		uids:    map[string]string{},
		nextUID: 448012345678901248,
		quoteSz: map[string]string{},
	}
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
		GarbleStub:  `{"code":`,
		// OKX's error bodies carry no server time, so its Date header is a
		// client's only independent view of the venue's clock on a 50102.
		ClockDate: true,
		Symbols:   DefaultSymbols,
		WSPath:    WSPath,
		ServeWS:   s.serveWS,
	})
	s.sim = s.Sim()
	return s
}

// NewServer starts a fake on a loopback port.
func NewServer(opts ...Option) *Server { return simhttp.Listening(New(opts...)) }

// AddKey registers an API key with its secret and passphrase.
func (s *Server) AddKey(apiKeyID, secret, passphrase string, perms Perms) {
	if perms.Account == "" {
		perms.Account = DefaultAccount
	}
	perms.IPs = append([]string(nil), perms.IPs...)
	s.sim.AddAccount(perms.Account)
	s.UID(perms.Account)
	s.keys.Add(apiKeyID, &apiKey{id: apiKeyID, secret: []byte(secret), passphrase: passphrase, perms: perms})
}

// RemoveKey deletes a key, as a user would on the website; later requests
// with it get 50119.
func (s *Server) RemoveKey(apiKeyID string) { s.keys.Remove(apiKeyID) }

// UID is the account's OKX user id (a decimal string, as OKX sends it).
func (s *Server) UID(account string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.uidLocked(account)
}

func (s *Server) uidLocked(account string) string {
	u, ok := s.uids[account]
	if !ok {
		s.nextUID += 7919
		u = decimal.NewFromInt(s.nextUID).String()
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
			Code: r.Code, Accepted: r.Code == "0", Fault: r.Fault}
	}
	return out
}

// CountRateLimited is how many 50011 replies were served.
func (s *Server) CountRateLimited() int {
	return s.CountLog(func(r simhttp.Record[string]) bool { return r.Code == codeRateLimit })
}

// reply is the venue's view of a simhttp.Reply, with OKX's envelope.
type reply struct{ simhttp.Reply[string] }

func newReply() *reply { return &reply{*simhttp.NewReply[string]()} }

func (r *reply) json(status int, v any) *reply {
	r.SetJSON(status, "application/json", v)
	return r
}

// envelope is OKX's response body. Trade endpoints add inTime/outTime (µs).
type envelope struct {
	Code    string `json:"code"`
	Msg     string `json:"msg"`
	Data    any    `json:"data"`
	InTime  string `json:"inTime,omitempty"`
	OutTime string `json:"outTime,omitempty"`
}

func (r *reply) ok(data any) *reply {
	r.Code = "0"
	return r.json(http.StatusOK, envelope{Code: "0", Msg: "", Data: data})
}

func (r *reply) fail(e *wireErr) *reply {
	r.Code = e.code
	return r.json(e.status, envelope{Code: e.code, Msg: e.msg, Data: []any{}})
}

func (s *Server) handle(c *simhttp.Call) *simhttp.Reply[string] {
	rp := newReply()
	switch {
	case c.Limited():
		rp.fail(rateLimited())
	case !c.Skips():
		s.run(&call{s: s, r: c.R, rt: s.routes[c.Op], now: c.Now, ip: c.IP, body: c.Body}, rp)
	}
	return &rp.Reply
}

func (s *Server) run(q *call, rp *reply) {
	if q.rt.private {
		if e := q.authenticate(); e != nil {
			rp.fail(e)
			return
		}
	}
	if e := q.parse(); e != nil {
		rp.fail(e)
		return
	}
	if e := s.charge(q); e != nil {
		rp.fail(e)
		return
	}
	q.rt.handle(q, rp)
}

func notFound() *simhttp.Reply[string] {
	return simhttp.Text[string](http.StatusNotFound, "text/html", "<html><head><title>404 Not Found</title></head><body><center><h1>404 Not Found</h1></center></body></html>")
}

// serverError is what OKX's edge answers when the backend fails: 502 as
// HTML from the proxy, 504 as the status-unknown timeout, otherwise 503.
func serverError(status int, _ *simhttp.Reply[string]) *simhttp.Reply[string] {
	switch status {
	case http.StatusBadGateway:
		return simhttp.EdgePage[string](status)
	case http.StatusGatewayTimeout:
		return &newReply().fail(&wireErr{status: status, code: "50004", msg: "Endpoint request timeout (does not mean that the request was successful or failed, please check the request result)."}).Reply
	case 0:
		status = http.StatusServiceUnavailable
	}
	return &newReply().fail(&wireErr{status: status, code: "50001", msg: "Service temporarily unavailable. Please try again later."}).Reply
}

func ms(t time.Time) string { return decimal.NewFromInt(t.UnixMilli()).String() }

func us(t time.Time) string { return decimal.NewFromInt(t.UnixMicro()).String() }
