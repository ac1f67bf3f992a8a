// Package venuetest is the contract every venue client keeps, run against
// the venue's own fake the way database/sql drivers share one conformance
// suite: rules, orders by client id, a lost answer resolved by the orders
// desk, the clock, rate limits and bans, redirects, the key audit and the
// private stream. A venue supplies a Harness in its contract_test.go and
// calls Run; every item runs the real client against the real fake.
//
// A venue that genuinely cannot do an item says so in its Harness (NoBan,
// NoIPList, NoQuote, NoMinNotional, RoundsToGrid) and the suite asserts
// what the venue does instead: nothing is skipped in silence. RunMutants
// shows, for a venue, that each item can fail: it breaks the real client
// in known ways and expects the item that must catch each to fail.
package venuetest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/sim"
	"github.com/vigil-trade/vigil/exchange/streamtest"
)

// Harness is what a venue supplies.
type Harness struct {
	// Symbol is BTC against USDT, spelt as the venue spells it.
	Symbol string
	// Schemes are the key schemes the venue takes, the recommended one
	// first; nil means HMAC only.
	Schemes []exchange.Scheme
	// Ops name the fake's operations as sim.Fault.Op matches them
	// ("METHOD /path").
	Ops Ops
	// ClockCode is the venue's code for a stamp outside its window.
	ClockCode string
	// FilterCodes is the code the fake answers an order breaking each rule
	// with (exchange.RuleTick, RuleStep, RuleQty, RuleNotional).
	FilterCodes map[string]string
	// PermissionCode is the code a read-only key's order is refused with.
	PermissionCode string
	// Secrets are the secret parts of the venue's test credentials, which
	// no error may show.
	Secrets []string

	// Start builds the fake (not listening: the suite mounts its Handler on
	// an in-memory network or on loopback as an item needs) with no keys
	// and no funds; the suite sets its clock's skew.
	Start func(t *testing.T, s Setup) *Fake
	// Open builds the real client with New and options over l.
	Open func(t *testing.T, l Link) Client

	// NoBan says why the fake has no ban to give (Fake.Ban is nil); the
	// suite then asserts that repeated rate-limit refusals hold the account
	// each time and never escalate.
	NoBan string
	// NoIPList says why the key audit cannot list a key's bound IPs; the
	// suite then asserts the binding alone.
	NoIPList string
	// NoIPBinding says why the venue binds no key to addresses at all (a
	// wallet signs, and nothing names where from); the fake then ignores
	// Key.IPs and the suite asserts the audit reads the key as unbound.
	NoIPBinding string
	// OpOf names a request's operation as Ops does, for a venue whose
	// operations share one path and differ by body (a read of the body
	// must leave it readable: see PeekBody); nil: "METHOD /path".
	OpOf func(r *http.Request) string
	// IPBindingUnknown says why the key audit cannot tell whether a key is
	// bound to addresses at all (the venue keeps that out of its API); the
	// suite then asserts the binding reads as unknown, no IPs listed.
	IPBindingUnknown string
	// TokenLife is how long a signed request stays valid after its stamp
	// at a venue that signs a short-lived token instead of checking a
	// receive window (a Coinbase JWT: 120 s). A venue clock stepped ahead
	// by less than that refuses nothing: the suite asserts so for such a
	// step, and steps the clock behind for the stream login's refusal.
	TokenLife time.Duration
	// NoQuote says why the client is no exchange.Quoter.
	NoQuote string
	// RoundsToGrid says why the client prints a price and a quantity with
	// the symbol's digits, so a value off the tick or step by less than
	// one digit is rounded before it leaves rather than refused by the
	// venue; the suite then asserts the order placed lies on the grid.
	RoundsToGrid string
	// NoMinNotional says why the symbol has no minimum notional; the suite
	// then asserts the rule decodes as zero.
	NoMinNotional string
	// NoStampWindow says why the venue checks no request time (it signs a
	// strictly increasing nonce instead); the suite then asserts that a
	// stepped venue clock refuses nothing, before or after the client
	// measures it again, where it would assert the refusal and the retry.
	NoStampWindow string
	// ClientID is the venue's client-id policy, which the suite's orders
	// are given ids by; the zero value is vigil's own id.
	ClientID exchange.ClientIDPolicy
}

// Ops are the fake's operation names.
type Ops struct {
	Time, Balances, Place, Query string
}

// op names r as Ops does.
func (h Harness) op(r *http.Request) string {
	if h.OpOf != nil {
		return h.OpOf(r)
	}
	return r.Method + " " + r.URL.Path
}

// PeekBody reads r's body and leaves it readable again, for an OpOf.
func PeekBody(r *http.Request) []byte {
	if r.Body == nil {
		return nil
	}
	b, _ := io.ReadAll(r.Body)
	r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(b))
	return b
}

// path is the URL path of an op.
func path(op string) string {
	if _, p, ok := strings.Cut(op, " "); ok {
		return p
	}
	return op
}

// Setup is how a fake starts.
type Setup struct {
	// Skew is the fake's clock minus ours.
	Skew time.Duration
	// Mainnet makes the fake imitate the production host, where a key
	// audit can read more than on a test host.
	Mainnet bool
}

// Server is what every venue's fake has in common.
type Server interface {
	Handler() http.Handler
	Sim() *sim.Exchange
	// Close releases hanging requests.
	Close()
	streamtest.Faults
}

// Fake is a started fake as the suite drives it.
type Fake struct {
	Server
	// Account is the simulated account the keys trade.
	Account string
	// Requests is the fake's request log, oldest first (see Log).
	Requests func() []Request
	// AddKey registers the venue's test credentials for k.Scheme with k's
	// permissions, replacing the key registered before.
	AddKey func(k Key)
	// Ban makes the fake ban the caller's next request (another program on
	// the same IP ignored a rate limit); nil when the venue has no ban, see
	// Harness.NoBan.
	Ban func()
}

// Request is one request in a fake's log, in the venue's terms.
type Request struct {
	Method, Path string
	Status       int
	Code         string // the venue's error code; "" when none
	Accepted     bool
}

// Log turns a fake's own request log into the suite's.
func Log[R any](rs []R, conv func(R) Request) []Request {
	out := make([]Request, len(rs))
	for i, r := range rs {
		out[i] = conv(r)
	}
	return out
}

// Code is a numeric venue code as Request.Code has it: "" for 0.
func Code(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// AllAccepted fails t for each request the fake refused.
func AllAccepted(t testing.TB, reqs []Request) {
	t.Helper()
	for _, r := range reqs {
		if !r.Accepted {
			t.Errorf("the fake refused %s %s: HTTP %d code %q", r.Method, r.Path, r.Status, r.Code)
		}
	}
}

// LimitBuy is a resting buy of 0.001 base with a fresh client id.
func LimitBuy(symbol string, price decimal.Decimal) exchange.OrderRequest {
	return exchange.OrderRequest{Symbol: symbol, Side: exchange.Buy, Type: exchange.LimitOrder, TIF: exchange.GTC,
		Qty: decimal.RequireFromString("0.001"), Price: price, ClientID: exchange.NewClientID(time.Now())}
}

// Key is what an API key may do.
type Key struct {
	Scheme   exchange.Scheme // "": the venue's first
	ReadOnly bool
	Withdraw bool
	IPs      []string // bound to these; empty: unbound
}

// Link is how a client reaches the fake.
type Link struct {
	REST string
	// WS is the WebSocket base (scheme and host); the venue adds its path.
	WS string
	// HTTP carries both; nil: the client's own.
	HTTP    *http.Client
	Network exchange.Network
	Account string // the config account name
	Scheme  exchange.Scheme
}

// Client is the real client and its private streamer, built on the same
// link.
type Client struct {
	exchange.Venue
	exchange.Streamer
}

// Run runs every item of the contract.
func Run(t *testing.T, h Harness) {
	h.check(t)
	t.Run("rules", h.rules)
	t.Run("orders", h.orders)
	t.Run("concurrent", h.concurrent)
	t.Run("lost-answer", h.lostAnswer)
	t.Run("clock-first", h.clockFirst)
	t.Run("first-signed-at-skew", h.firstSignedAtSkew)
	t.Run("stream-login-clock", h.streamLoginClock)
	t.Run("timestamp-refusal", h.timestampRefusal)
	t.Run("rate-limit", h.rateLimit)
	t.Run("ban", h.ban)
	t.Run("redirect", h.redirect)
	t.Run("key-audit", h.keyAudit)
	t.Run("stream", h.stream)
	t.Run("quote", h.quote)
	t.Run("garbage", h.garbage)
}

// check refuses a harness that leaves something undeclared, so an item
// cannot pass for want of a field.
func (h *Harness) check(t *testing.T) {
	t.Helper()
	if len(h.Schemes) == 0 {
		h.Schemes = []exchange.Scheme{exchange.SchemeHMAC}
	}
	var missing []string
	for name, v := range map[string]string{"Symbol": h.Symbol, "Ops.Time": h.Ops.Time, "Ops.Balances": h.Ops.Balances,
		"Ops.Place": h.Ops.Place, "Ops.Query": h.Ops.Query, "ClockCode": h.ClockCode, "PermissionCode": h.PermissionCode} {
		if v == "" {
			missing = append(missing, name)
		}
	}
	for _, rule := range []string{exchange.RuleTick, exchange.RuleStep, exchange.RuleQty} {
		if h.FilterCodes[rule] == "" {
			missing = append(missing, "FilterCodes["+rule+"]")
		}
	}
	if h.FilterCodes[exchange.RuleNotional] == "" && h.NoMinNotional == "" {
		missing = append(missing, "FilterCodes[NOTIONAL] or NoMinNotional")
	}
	if len(h.Secrets) == 0 {
		missing = append(missing, "Secrets")
	}
	if h.Start == nil || h.Open == nil {
		missing = append(missing, "Start and Open")
	}
	if len(missing) > 0 {
		t.Fatalf("harness incomplete: %s", strings.Join(missing, ", "))
	}
}

// account is the config account name every item's client is opened with.
const account = "contract"

// env is one fake and what it takes to reach it.
type env struct {
	t *testing.T
	h Harness
	f *Fake
	// link reaches the fake: an in-memory network by default (built
	// inside a synctest bubble when the item runs in one).
	link  Link
	rules exchange.SymbolRules
}

// begin starts a fake with a trading key of every scheme and funds, on an
// in-memory network.
func (h Harness) begin(t *testing.T, s Setup) *env {
	t.Helper()
	e := h.fake(t, s)
	mem := sim.NewMemNet(e.f.Handler())
	t.Cleanup(mem.Close)
	e.link = Link{REST: "http://venue.fake", WS: "ws://venue.fake", HTTP: mem.Client(), Network: network(s), Account: account}
	return e
}

// fake starts the fake alone, with keys and funds.
func (h Harness) fake(t *testing.T, s Setup) *env {
	t.Helper()
	f := h.Start(t, s)
	t.Cleanup(f.Close)
	f.Sim().SetSkew(s.Skew)
	e := &env{t: t, h: h, f: f}
	for _, sc := range h.Schemes {
		f.AddKey(Key{Scheme: sc})
	}
	r, ok := f.Sim().Symbol(h.Symbol)
	if !ok {
		t.Fatalf("the fake does not list %s", h.Symbol)
	}
	e.rules = r
	for asset, amt := range map[string]string{r.Quote: "100000", r.Base: "2"} {
		if err := f.Sim().Deposit(f.Account, asset, decimal.RequireFromString(amt)); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

func network(s Setup) exchange.Network {
	if s.Mainnet {
		return exchange.Mainnet
	}
	return exchange.Testnet
}

// open builds a client on the env's link with the venue's first scheme.
func (e *env) open() Client { return e.openWith(e.h.Schemes[0]) }

func (e *env) openWith(sc exchange.Scheme) Client {
	e.t.Helper()
	l := e.link
	l.Scheme = sc
	return e.h.Open(e.t, l)
}

func (e *env) log() []Request { return e.f.Requests() }

// restingPrice is a buy price well below the market, on the tick.
func (e *env) restingPrice() decimal.Decimal {
	p, _ := e.f.Sim().Price(e.h.Symbol)
	return onTick(p.Mul(decimal.RequireFromString("0.6")), e.rules.TickSize)
}

func onTick(p, tick decimal.Decimal) decimal.Decimal {
	if !tick.IsPositive() {
		return p
	}
	return p.Div(tick).Floor().Mul(tick)
}

func (e *env) limitBuy(price decimal.Decimal) exchange.OrderRequest {
	req := LimitBuy(e.h.Symbol, price)
	req.ClientID = e.h.ClientID.New(time.Now())
	return req
}

func (e *env) allAccepted(from int) {
	e.t.Helper()
	AllAccepted(e.t, e.log()[from:])
}

// count is how many requests from index from on hit op.
func (e *env) count(from int, op string) int {
	n := 0
	method, p, _ := strings.Cut(op, " ")
	for _, r := range e.log()[from:] {
		if r.Method == method && r.Path == p {
			n++
		}
	}
	return n
}

func (e *env) clockRefusals(from int) int {
	n := 0
	for _, r := range e.log()[from:] {
		if r.Code == e.h.ClockCode {
			n++
		}
	}
	return n
}

// leaks fails when text shows a secret of the venue's test credentials or
// a signed query.
func (e *env) leaks(what, text string) {
	e.t.Helper()
	for _, sec := range append([]string{"signature="}, e.h.Secrets...) {
		if strings.Contains(text, sec) {
			e.t.Errorf("%s shows a secret or a signature: %q", what, text)
		}
	}
}

func (e *env) sync(ctx context.Context, c Client) {
	e.t.Helper()
	if err := c.SyncClock(ctx); err != nil {
		e.t.Fatal(err)
	}
}

// Direct hands requests to Handler in memory, with no connection at all,
// so a venue's own tests can watch each reply (OnReply) inside a synctest
// bubble. It cannot drop a connection: sim.MemNet can.
type Direct struct {
	Handler http.Handler
	OnReply func(*http.Request, *http.Response)
}

func (d Direct) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	in := r.Clone(r.Context())
	in.RequestURI = r.URL.RequestURI()
	in.RemoteAddr = "127.0.0.1:40000"
	if in.Body == nil {
		in.Body = http.NoBody
	}
	rec := httptest.NewRecorder()
	d.Handler.ServeHTTP(rec, in)
	resp := rec.Result()
	resp.Request = r
	if d.OnReply != nil {
		d.OnReply(r, resp)
	}
	return resp, nil
}

// Funder returns a func that deposits amount of asset into account on a
// fake, for a venue's own tests: fund(t, srv).
func Funder[S interface{ Sim() *sim.Exchange }](account, asset, amount string) func(testing.TB, S) {
	return func(t testing.TB, srv S) {
		t.Helper()
		if err := srv.Sim().Deposit(account, asset, decimal.RequireFromString(amount)); err != nil {
			t.Fatal(err)
		}
	}
}

// AcceptedFrom returns a func that fails t for each request the fake
// refused from index from on, for a venue's own tests:
// assertAllAccepted(t, srv, 0).
func AcceptedFrom[S interface{ Requests() []R }, R any](conv func(R) Request) func(testing.TB, S, int) {
	return func(t testing.TB, srv S, from int) {
		t.Helper()
		AllAccepted(t, Log(srv.Requests()[from:], conv))
	}
}

// InMemory is a link to h with no connection at all (Direct), or over rt
// when it is not nil, for a venue's own tests inside a synctest bubble.
func InMemory(h http.Handler, rt http.RoundTripper) Link {
	if rt == nil {
		rt = Direct{Handler: h}
	}
	return Link{REST: "http://venue.fake", WS: "ws://venue.fake", HTTP: &http.Client{Transport: rt}, Network: exchange.Testnet, Account: "acct"}
}

// Loopback is a link to a fake listening at rest, whose WebSocket is
// served at ws, wsPath being the venue's part of it.
func Loopback(rest, ws, wsPath string) Link {
	return Link{REST: rest, WS: strings.TrimSuffix(ws, wsPath), Network: exchange.Testnet}
}
