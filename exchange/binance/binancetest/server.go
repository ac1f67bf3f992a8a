// Package binancetest is a fake Binance Spot REST API over exchange/sim, for
// tests and the demo, the way net/http/httptest sits beside net/http.
//
// It speaks the wire protocol as Binance documents it, independently of the
// client in exchange/binance: the same paths, parameters, JSON shapes, error
// codes and messages, HTTP statuses and rate-limit headers, and it verifies
// signatures over the exact bytes received. A client that passes against this
// fake but fails against Binance (or the reverse) is a bug in one of the two,
// and the published vectors in /work/shared/vectors decide which.
//
// Not modelled: RSA keys, order lists (OCO/OTO), stop and iceberg orders,
// self-trade prevention, the unfilled-order count decreasing on fills, WAF
// 403s, and the X-MBX-TIME-UNIT header.
package binancetest

import (
	"crypto/ed25519"
	"net/http"
	"sync"
	"time"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange/sim"
	"github.com/vigil-trade/vigil/exchange/sim/simhttp"
)

// Mode picks which Binance environment the fake imitates.
type Mode int

const (
	// Testnet serves /api only, like testnet.binance.vision: /sapi paths
	// answer 404.
	Testnet Mode = iota
	// Mainnet adds GET /sapi/v1/account/apiRestrictions.
	Mainnet
)

// DefaultAccount is the sim account keys trade unless Perms.Account says
// otherwise.
const DefaultAccount = "main"

// RateLimits are the limits the fake enforces and publishes in exchangeInfo.
type RateLimits struct {
	WeightPerMinute int // REQUEST_WEIGHT per IP per calendar minute
	OrdersPer10s    int // ORDERS per account per 10 s window
	OrdersPerDay    int // ORDERS per account per UTC day
	RawPer5m        int // RAW_REQUESTS per IP per 5 minute window
	// FirstBan is the first 418 ban; each further ban doubles, up to MaxBan.
	FirstBan time.Duration
	MaxBan   time.Duration
	// Grace is how many requests an IP may send while a 429 is in force
	// before it is banned; 0: the first one is.
	Grace int
}

// DefaultRateLimits are the values the Binance docs show.
func DefaultRateLimits() RateLimits {
	return RateLimits{
		WeightPerMinute: 6000,
		OrdersPer10s:    50,
		OrdersPerDay:    160000,
		RawPer5m:        61000,
		FirstBan:        2 * time.Minute,
		MaxBan:          72 * time.Hour,
	}
}

// Perms are what one API key may do and from where.
type Perms struct {
	// Account is the sim account the key acts on; "": DefaultAccount.
	Account    string
	Read       bool
	Trade      bool
	Withdraw   bool
	IPRestrict bool
	IPs        []string
	Created    time.Time
	// TradingAuthorityExpiration is reported by apiRestrictions when set.
	TradingAuthorityExpiration time.Time
}

// TradePerms is a key that reads and trades on account from anywhere.
func TradePerms(account string) Perms {
	return Perms{Account: account, Read: true, Trade: true}
}

type apiKey struct {
	id     string
	secret []byte            // HMAC
	pub    ed25519.PublicKey // Ed25519
	perms  Perms
}

type accountFlags struct {
	uid                               int64
	canTrade, canWithdraw, canDeposit bool
}

// Option configures a Server.
type Option func(*Server)

// WithMode sets Testnet (default) or Mainnet.
func WithMode(m Mode) Option { return func(s *Server) { s.mode = m } }

// WithSim serves an existing simulated exchange instead of a fresh one
// listing DefaultSymbols.
func WithSim(x *sim.Exchange) Option { return func(s *Server) { s.sim = x } }

// WithRateLimits replaces DefaultRateLimits.
func WithRateLimits(l RateLimits) Option { return func(s *Server) { s.limits = l } }

// WithClientIP overrides how the fake learns the caller's IP (default: the
// connection's address, loopback as 127.0.0.1), e.g. to read a test header.
func WithClientIP(fn func(*http.Request) string) Option { return func(s *Server) { s.clientIP = fn } }

// Request is one request the fake saw: no parameters, headers or
// signatures, only what a test asserts on.
type Request struct {
	Time     time.Time // server clock
	Method   string
	Path     string
	IP       string
	Status   int
	Code     int  // Binance error code of the reply; 0 when none
	Accepted bool // answered 2xx
	Fault    sim.FaultKind
}

// Server is the fake. Construct with NewServer (listening on loopback) or
// New (handler only).
type Server struct {
	// Fake holds what every venue's fake has: URL and WSURL (here the
	// WebSocket API's), Sim, Close, Client, Handler, and the stream faults.
	simhttp.Fake[int]

	mode     Mode
	sim      *sim.Exchange
	limits   RateLimits
	clientIP func(*http.Request) string
	routes   map[string]*route

	keys     simhttp.Keys[*apiKey]
	mu       sync.Mutex
	accounts map[string]*accountFlags
	nextUID  int64
	ips      map[string]*ipState
	orders   map[string]*orderCount
	nextCID  uint64

	pingEvery time.Duration
}

// New returns a fake that does not listen; mount Handler where needed (an
// in-memory transport under testing/synctest, for instance).
func New(opts ...Option) *Server {
	s := &Server{
		limits:   DefaultRateLimits(),
		accounts: map[string]*accountFlags{},
		nextUID:  354937868,
		ips:      map[string]*ipState{},
		orders:   map[string]*orderCount{},
	}
	for _, o := range opts {
		o(s)
	}
	s.routes = s.buildRoutes()
	s.Init(simhttp.Config[int]{
		Sim:         s.sim,
		ClientIP:    s.clientIP,
		Serves:      func(op string) bool { return s.routes[op] != nil },
		NotFound:    notFound,
		Handle:      s.handle,
		ServerError: serverError,
		// A rate-limit refusal outranks the fault: the request never got
		// past the gate where faults happen.
		Stands: func(rp *simhttp.Reply[int]) bool {
			return rp.Status == http.StatusTooManyRequests || rp.Status == http.StatusTeapot
		},
		GarbleStub: `{"code":`,
		Symbols:    DefaultSymbols,
		WSPath:     WSPath,
		ServeWS:    s.serveWS,
	})
	s.sim = s.Sim()
	return s
}

// NewServer starts a fake on a loopback port.
func NewServer(opts ...Option) *Server { return simhttp.Listening(New(opts...)) }

// AddHMACKey registers an HMAC-SHA256 key.
func (s *Server) AddHMACKey(apiKeyID, secret string, perms Perms) {
	s.addKey(&apiKey{id: apiKeyID, secret: []byte(secret), perms: perms})
}

// AddEd25519Key registers an Ed25519 key by its public half.
func (s *Server) AddEd25519Key(apiKeyID string, pub ed25519.PublicKey, perms Perms) {
	s.addKey(&apiKey{id: apiKeyID, pub: append(ed25519.PublicKey(nil), pub...), perms: perms})
}

func (s *Server) addKey(k *apiKey) {
	if k.perms.Account == "" {
		k.perms.Account = DefaultAccount
	}
	k.perms.IPs = append([]string(nil), k.perms.IPs...)
	s.sim.AddAccount(k.perms.Account)
	s.mu.Lock()
	s.accountLocked(k.perms.Account)
	s.mu.Unlock()
	s.keys.Add(k.id, k)
}

// RemoveKey deletes a key, as a user would on the website.
func (s *Server) RemoveKey(apiKeyID string) { s.keys.Remove(apiKeyID) }

func (s *Server) accountLocked(name string) *accountFlags {
	f, ok := s.accounts[name]
	if !ok {
		s.nextUID++
		f = &accountFlags{uid: s.nextUID, canTrade: true, canWithdraw: true, canDeposit: true}
		s.accounts[name] = f
	}
	return f
}

// SetAccountFlags sets the account flags GET /api/v3/account reports;
// canTrade false also makes orders fail as Binance does.
func (s *Server) SetAccountFlags(account string, canTrade, canWithdraw, canDeposit bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.accountLocked(account)
	f.canTrade, f.canWithdraw, f.canDeposit = canTrade, canWithdraw, canDeposit
}

// Requests returns every request seen so far, oldest first.
func (s *Server) Requests() []Request {
	log := s.Log()
	out := make([]Request, len(log))
	for i, r := range log {
		out[i] = Request{Time: r.Time, Method: r.Method, Path: r.Path, IP: r.IP, Status: r.Status,
			Code: r.Code, Accepted: r.Status >= 200 && r.Status < 300, Fault: r.Fault}
	}
	return out
}

// Count429 is how many 429 replies were served.
func (s *Server) Count429() int { return s.countStatus(http.StatusTooManyRequests) }

// Count418 is how many 418 replies were served.
func (s *Server) Count418() int { return s.countStatus(http.StatusTeapot) }

func (s *Server) countStatus(status int) int {
	return s.CountLog(func(r simhttp.Record[int]) bool { return r.Status == status })
}

// UsedWeight is the weight ip has used in the current minute of server time.
func (s *Server) UsedWeight(ip string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.ips[ip]
	if !ok || st.minute != minuteOf(s.sim.Now()) {
		return 0
	}
	return st.used
}

// reply is the venue's view of a simhttp.Reply, with Binance's encodings.
type reply struct{ simhttp.Reply[int] }

func newReply() *reply { return &reply{*simhttp.NewReply[int]()} }

func (r *reply) json(status int, v any) *reply {
	r.SetJSON(status, "application/json;charset=UTF-8", v)
	return r
}

// apiError is Binance's error body.
type apiError struct {
	Code int    `json:"code"`
	Msg  string `json:"msg"`
}

func (r *reply) err(status, code int, msg string) *reply {
	r.Code = code
	return r.json(status, apiError{Code: code, Msg: msg})
}

func (s *Server) handle(c *simhttp.Call) *simhttp.Reply[int] {
	q := &call{s: s, r: c.R, rt: s.routes[c.Op], now: c.Now, ip: c.IP, rawQuery: c.R.URL.RawQuery, body: string(c.Body)}
	rp, stop := s.gate(q, c)
	if !stop {
		rp = s.run(q, rp)
	}
	return &rp.Reply
}

// gate reads the parameters, charges the rate limits and applies the faults
// that answer before the operation runs; stop means rp is the answer.
func (s *Server) gate(q *call, c *simhttp.Call) (rp *reply, stop bool) {
	rp = newReply()
	perr := q.parse()
	// Weight is charged even for requests that fail to parse.
	if s.chargeWeight(q, rp) {
		return rp, true
	}
	if perr != nil {
		return rp.err(perr.status, perr.code, perr.msg), true
	}
	if c.Limited() {
		s.forceLimit(q, rp)
		return rp, true
	}
	// A skipped operation's answer is replaced by the 5xx reply.
	return rp, c.Skips()
}

func (s *Server) run(q *call, rp *reply) *reply {
	if q.rt.security != secNone {
		if e := q.authenticate(); e != nil {
			return rp.err(e.status, e.code, e.msg)
		}
	}
	if e := q.checkParams(); e != nil {
		return rp.err(e.status, e.code, e.msg)
	}
	if q.rt.newOrder {
		if s.chargeOrder(q, rp) {
			return rp
		}
	}
	q.rt.handle(q, rp)
	if rp.Status >= 200 && rp.Status < 300 && q.rt.newOrder {
		s.orderHeaders(q, rp)
	}
	return rp
}

func notFound() *simhttp.Reply[int] {
	return simhttp.Text[int](http.StatusNotFound, "text/html", "<html><body><h2>404 Not found</h2></body></html>")
}

// serverError keeps the weight the gate charged: Binance counts it even
// when its backend fails.
func serverError(status int, handled *simhttp.Reply[int]) *simhttp.Reply[int] {
	var rp *simhttp.Reply[int]
	switch status {
	case http.StatusBadGateway:
		rp = simhttp.EdgePage[int](status)
	case 0:
		status = http.StatusServiceUnavailable
		fallthrough
	default:
		rp = &newReply().err(status, -1007, "Timeout waiting for response from backend server. Send status unknown; execution status unknown.").Reply
	}
	if used := handled.Header.Get("X-Mbx-Used-Weight-1m"); used != "" {
		rp.Header.Set("X-MBX-USED-WEIGHT-1M", used)
	}
	return rp
}

func fixed(v decimal.Decimal) string { return v.StringFixed(8) }

func ms(t time.Time) int64 { return t.UnixMilli() }

// newClientOrderID mimics the 22-character ids Binance generates.
func (s *Server) newClientOrderID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextCID++
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	n := s.nextCID*2654435761 + 0x9e3779b97f4a7c15
	b := make([]byte, 22)
	for i := range b {
		b[i] = alphabet[n%uint64(len(alphabet))]
		n = n*6364136223846793005 + 1442695040888963407
	}
	return string(b)
}
