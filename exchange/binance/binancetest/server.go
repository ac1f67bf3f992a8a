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
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/sim"
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
	// URL is the base URL of the listening server ("" from New).
	URL string
	// WSURL is the WebSocket API endpoint of the listening server.
	WSURL string

	mode     Mode
	sim      *sim.Exchange
	limits   RateLimits
	clientIP func(*http.Request) string
	routes   map[string]*route
	ts       *httptest.Server
	closed   chan struct{}
	once     sync.Once

	mu       sync.Mutex
	keys     map[string]*apiKey
	accounts map[string]*accountFlags
	nextUID  int64
	ips      map[string]*ipState
	orders   map[string]*orderCount
	log      []Request
	n429     int
	n418     int
	nextCID  uint64

	pingEvery time.Duration
	stream    streamState
	wsConns   map[*wsConn]bool
}

// New returns a fake that does not listen; mount Handler where needed (an
// in-memory transport under testing/synctest, for instance).
func New(opts ...Option) *Server {
	s := &Server{
		limits:   DefaultRateLimits(),
		closed:   make(chan struct{}),
		keys:     map[string]*apiKey{},
		accounts: map[string]*accountFlags{},
		nextUID:  354937868,
		ips:      map[string]*ipState{},
		orders:   map[string]*orderCount{},
	}
	for _, o := range opts {
		o(s)
	}
	if s.sim == nil {
		s.sim = sim.New()
		for _, spec := range DefaultSymbols() {
			if err := s.sim.AddSymbol(spec); err != nil {
				panic(err) // DefaultSymbols is static
			}
		}
	}
	if s.clientIP == nil {
		s.clientIP = remoteIP
	}
	s.routes = s.buildRoutes()
	return s
}

// NewServer starts a fake on a loopback port.
func NewServer(opts ...Option) *Server {
	s := New(opts...)
	s.ts = httptest.NewServer(s)
	s.URL = s.ts.URL
	s.WSURL = "ws" + strings.TrimPrefix(s.ts.URL, "http") + WSPath
	return s
}

// Handler is the fake as an http.Handler.
func (s *Server) Handler() http.Handler { return s }

// Sim is the simulated exchange behind the fake.
func (s *Server) Sim() *sim.Exchange { return s.sim }

// Close releases hanging requests and stops the listener, if any.
func (s *Server) Close() {
	s.once.Do(func() { close(s.closed) })
	if s.ts != nil {
		s.ts.Close()
	}
}

// DefaultSymbols are listed by a fake built without WithSim, with rules like
// the testnet's.
func DefaultSymbols() []sim.SymbolSpec {
	d := decimal.RequireFromString
	return []sim.SymbolSpec{
		{Rules: exchange.SymbolRules{
			Symbol: "BTCUSDT", Base: "BTC", Quote: "USDT", Trading: true,
			TickSize: d("0.01"), MinPrice: d("0.01"), MaxPrice: d("1000000"),
			StepSize: d("0.00001"), MinQty: d("0.00001"), MaxQty: d("9000"),
			MarketMinQty: d("0"), MarketMaxQty: d("120"),
			MinNotional: d("5"), MaxNotional: d("9000000"), NotionalAppliesToMarket: true,
		}, Price: d("65000"), Walk: d("15")},
		{Rules: exchange.SymbolRules{
			Symbol: "ETHUSDT", Base: "ETH", Quote: "USDT", Trading: true,
			TickSize: d("0.01"), MinPrice: d("0.01"), MaxPrice: d("1000000"),
			StepSize: d("0.0001"), MinQty: d("0.0001"), MaxQty: d("9000"),
			MarketMinQty: d("0"), MarketMaxQty: d("2000"),
			MinNotional: d("5"), MaxNotional: d("9000000"), NotionalAppliesToMarket: true,
		}, Price: d("3200"), Walk: d("1.5")},
		{Rules: exchange.SymbolRules{
			Symbol: "LTCBTC", Base: "LTC", Quote: "BTC", Trading: true,
			TickSize: d("0.000001"), MinPrice: d("0.000001"), MaxPrice: d("100000"),
			StepSize: d("0.001"), MinQty: d("0.001"), MaxQty: d("100000"),
			MinNotional: d("0.0001"), NotionalAppliesToMarket: true,
		}, Price: d("0.0013"), Walk: d("0.000003")},
	}
}

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
	defer s.mu.Unlock()
	s.keys[k.id] = k
	s.accountLocked(k.perms.Account)
}

// RemoveKey deletes a key, as a user would on the website.
func (s *Server) RemoveKey(apiKeyID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.keys, apiKeyID)
}

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
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.log...)
}

// Count429 is how many 429 replies were served.
func (s *Server) Count429() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n429
}

// Count418 is how many 418 replies were served.
func (s *Server) Count418() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n418
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

// reply is a response built before it is written, so faults can replace or
// withhold it after the operation ran.
type reply struct {
	status int
	header http.Header
	body   []byte
	code   int
}

func newReply() *reply { return &reply{header: http.Header{}} }

func (r *reply) json(status int, v any) *reply {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only our own types are marshalled
	}
	r.status, r.body = status, b
	r.header.Set("Content-Type", "application/json;charset=UTF-8")
	return r
}

// apiError is Binance's error body.
type apiError struct {
	Code int    `json:"code"`
	Msg  string `json:"msg"`
}

func (r *reply) err(status, code int, msg string) *reply {
	r.code = code
	return r.json(status, apiError{Code: code, Msg: msg})
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == WSPath {
		s.serveWS(w, r)
		return
	}
	ctx := r.Context()
	reqDelay, respDelay := s.sim.Latency()
	if !s.sleep(ctx, reqDelay) {
		return
	}
	now := s.sim.Now()
	ip := s.clientIP(r)
	rec := Request{Time: now, Method: r.Method, Path: r.URL.Path, IP: ip}
	finish := func(rp *reply) {
		rec.Status, rec.Code, rec.Accepted = rp.status, rp.code, rp.status >= 200 && rp.status < 300
		s.mu.Lock()
		s.log = append(s.log, rec)
		switch rp.status {
		case http.StatusTooManyRequests:
			s.n429++
		case http.StatusTeapot:
			s.n418++
		}
		s.mu.Unlock()
	}

	rt, ok := s.routes[r.Method+" "+r.URL.Path]
	if !ok {
		rp := notFound()
		finish(rp)
		s.write(ctx, w, rp, respDelay)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return
	}
	q := &call{s: s, r: r, rt: rt, now: now, ip: ip, rawQuery: r.URL.RawQuery, body: string(body)}

	fault, faulted := s.sim.Faults().Take(rt.op)
	if faulted {
		rec.Fault = fault.Kind
		switch fault.Kind {
		case sim.FaultHang:
			rec.Status = 0
			s.mu.Lock()
			s.log = append(s.log, rec)
			s.mu.Unlock()
			select {
			case <-ctx.Done():
			case <-s.closed:
			}
			return
		case sim.FaultSlow:
			if !s.sleep(ctx, fault.Delay) {
				return
			}
			q.now = s.sim.Now()
		}
	}

	rp, stop := s.gate(q, fault, faulted)
	if !stop {
		rp = s.run(q, rp)
	}
	// A rate-limit refusal outranks the fault: the request never got past
	// the gate where these faults happen.
	if faulted && rp.status != http.StatusTooManyRequests && rp.status != http.StatusTeapot {
		switch fault.Kind {
		case sim.Fault5xx:
			rp = serverError(fault.Status, rp.header)
		case sim.FaultGarbage:
			rp.status = http.StatusOK
			rp.body = garble(rp.body)
			rp.code = 0
		case sim.FaultDropAfterAccept:
			finish(&reply{status: 0})
			drop(w)
			return
		}
	}
	finish(rp)
	s.write(ctx, w, rp, respDelay)
}

// gate reads the parameters, charges the rate limits and applies the faults
// that answer before the operation runs; stop means rp is the answer.
func (s *Server) gate(q *call, fault sim.Fault, faulted bool) (rp *reply, stop bool) {
	rp = newReply()
	perr := q.parse()
	// Weight is charged even for requests that fail to parse.
	if s.chargeWeight(q, rp) {
		return rp, true
	}
	if perr != nil {
		return rp.err(perr.status, perr.code, perr.msg), true
	}
	if faulted {
		switch fault.Kind {
		case sim.FaultRateLimit:
			s.forceLimit(q, rp)
			return rp, true
		case sim.Fault5xx:
			// Replaced by the 5xx reply; Apply lets the operation run first.
			return rp, !fault.Apply
		}
	}
	return rp, false
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
	if rp.status >= 200 && rp.status < 300 && q.rt.newOrder {
		s.orderHeaders(q, rp)
	}
	return rp
}

func (s *Server) write(ctx context.Context, w http.ResponseWriter, rp *reply, delay time.Duration) {
	if !s.sleep(ctx, delay) {
		return
	}
	for k, v := range rp.header {
		w.Header()[k] = v
	}
	w.WriteHeader(rp.status)
	_, _ = w.Write(rp.body)
}

// sleep waits d unless the request or the server ends first.
func (s *Server) sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-s.closed:
		return false
	}
}

// drop closes the connection without a reply: the client sees a reset or an
// unexpected EOF after the operation has happened.
func drop(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

func notFound() *reply {
	rp := newReply()
	rp.status = http.StatusNotFound
	rp.header.Set("Content-Type", "text/html")
	rp.body = []byte("<html><body><h2>404 Not found</h2></body></html>")
	return rp
}

func serverError(status int, h http.Header) *reply {
	rp := newReply()
	if used := h.Get("X-Mbx-Used-Weight-1m"); used != "" {
		rp.header.Set("X-MBX-USED-WEIGHT-1M", used)
	}
	if status == http.StatusBadGateway {
		rp.status = status
		rp.header.Set("Content-Type", "text/html")
		rp.body = []byte("<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n")
		return rp
	}
	if status == 0 {
		status = http.StatusServiceUnavailable
	}
	return rp.err(status, -1007, "Timeout waiting for response from backend server. Send status unknown; execution status unknown.")
}

// garble cuts a JSON body in half, the way a broken proxy would.
func garble(b []byte) []byte {
	b = bytes.TrimSpace(b)
	if len(b) < 4 {
		return []byte(`{"code":`)
	}
	return b[:len(b)/2]
}

func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return "127.0.0.1"
	}
	return host
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
