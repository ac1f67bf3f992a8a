package binance

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/rest"
)

// Base URLs of Binance Spot REST.
const (
	TestnetURL = "https://testnet.binance.vision"
	MainnetURL = "https://api.binance.com"
)

// Binance's future tolerance: a stamp 1000 ms or more ahead of the server is
// refused whatever recvWindow says.
const aheadLimit = time.Second

const (
	// defaultRequestTimeout bounds a request, body included, whose ctx has
	// no deadline. Long enough for a multi-megabyte exchangeInfo on a slow
	// link.
	defaultRequestTimeout = 30 * time.Second
	defaultRecvWindow     = 5 * time.Second
	maxRecvWindow         = 60 * time.Second
	// exchangeInfo without a symbol filter is several MB on mainnet.
	maxBody = 32 << 20
)

// defaultLimits hold until exchangeInfo tells the live values.
var defaultLimits = []exchange.Limit{
	{Name: "weight/1m", Kind: exchange.LimitWeight, Limit: 6000, Window: time.Minute},
	{Name: "orders/10s", Kind: exchange.LimitOrders, Limit: 50, Window: 10 * time.Second},
	{Name: "orders/1d", Kind: exchange.LimitOrders, Limit: 160000, Window: 24 * time.Hour},
	{Name: "raw/5m", Kind: exchange.LimitRaw, Limit: 61000, Window: 5 * time.Minute},
}

// Client is one Binance Spot account. It implements exchange.Venue and is
// safe for concurrent use.
type Client struct {
	info       exchange.AccountInfo
	base       string
	wsURL      string // "" derives it from base
	keyID      string
	signer     *Signer
	recvWindow time.Duration
	path       *rest.Path
	now        func() time.Time
	log        *slog.Logger
	clock      *exchange.Clock
	budget     *exchange.Budget
	limits     []exchange.Limit          // nil: defaults, then exchangeInfo's
	counters   atomic.Pointer[[]counter] // the budget's buckets Binance reports on

	book exchange.RuleBook // exchangeInfo's symbols
}

// Option configures a Client.
type Option func(*config) error

type config struct {
	info       exchange.AccountInfo
	base       string
	wsURL      string
	keyID      string
	scheme     exchange.Scheme
	secret     crypto.Secret
	recvWindow time.Duration
	hc         *http.Client
	now        func() time.Time
	log        *slog.Logger
	limits     []exchange.Limit
	timeout    time.Duration
	observer   rest.Observer
}

// WithBaseURL overrides the REST base URL (a fake, Demo Mode, api1…).
func WithBaseURL(u string) Option {
	return func(c *config) error { c.base = strings.TrimRight(u, "/"); return nil }
}

// WithWSURL overrides the WebSocket API URL the user data stream uses
// (default: derived from the REST base URL; see WithStreamURL).
func WithWSURL(u string) Option {
	return func(c *config) error { c.wsURL = u; return nil }
}

// WithAccount sets the account this client serves; its Network picks the
// default base URL and the key audit method.
func WithAccount(info exchange.AccountInfo) Option {
	return func(c *config) error { c.info = info; return nil }
}

// WithAPIKey sets the key id sent in X-MBX-APIKEY.
func WithAPIKey(id string) Option {
	return func(c *config) error { c.keyID = id; return nil }
}

// WithScheme sets the key type (hmac or ed25519); default: the account's.
func WithScheme(s exchange.Scheme) Option {
	return func(c *config) error { c.scheme = s; return nil }
}

// WithSecret sets the key material: the HMAC secret, or an Ed25519 PKCS#8 PEM.
func WithSecret(s crypto.Secret) Option {
	return func(c *config) error { c.secret = s; return nil }
}

// WithRecvWindow sets recvWindow (default 5 s, at most 60 s).
func WithRecvWindow(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 || d > maxRecvWindow {
			return fmt.Errorf("binance: recvWindow %v outside (0, 60s]", d)
		}
		c.recvWindow = d
		return nil
	}
}

// WithHTTPClient replaces the pooled keep-alive client (tests, proxies).
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error { c.hc = hc; return nil }
}

// WithRequestTimeout bounds each request, reply body included, whose ctx
// has no deadline of its own (default 30 s). A ctx deadline always wins.
func WithRequestTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("binance: request timeout %v is not positive", d)
		}
		c.timeout = d
		return nil
	}
}

// WithNow sets the local clock (tests).
func WithNow(now func() time.Time) Option {
	return func(c *config) error { c.now = now; return nil }
}

// WithLogger sets the logger. The client logs endpoints, statuses and
// weights; never keys, signatures, URLs with queries or headers.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error { c.log = l; return nil }
}

// WithObserver sets the observer of every signed request (the audit trail).
func WithObserver(o rest.Observer) Option {
	return func(c *config) error { c.observer = o; return nil }
}

// WithLimits sets the rate limits used instead of exchangeInfo's (tests, or
// a stricter self-imposed budget). They are not replaced by exchangeInfo.
func WithLimits(l ...exchange.Limit) Option {
	return func(c *config) error { c.limits = l; return nil }
}

// New builds a client. Without WithBaseURL it talks to the testnet unless
// the account says mainnet.
func New(opts ...Option) (*Client, error) {
	cfg := config{recvWindow: defaultRecvWindow, timeout: defaultRequestTimeout}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if cfg.info.Venue == "" {
		cfg.info.Venue = venueName
	}
	if cfg.info.Network == "" {
		cfg.info.Network = exchange.Testnet
	}
	if cfg.scheme == "" {
		cfg.scheme = cfg.info.Scheme
	}
	if cfg.scheme == "" {
		cfg.scheme = exchange.SchemeHMAC
	}
	cfg.info.Scheme = cfg.scheme
	if cfg.info.KeyID == "" {
		cfg.info.KeyID = rest.MaskKey(cfg.keyID)
	}
	if cfg.base == "" {
		cfg.base = TestnetURL
		if cfg.info.Network == exchange.Mainnet {
			cfg.base = MainnetURL
		}
	}
	if cfg.now == nil {
		cfg.now = time.Now
	}
	if cfg.log == nil {
		cfg.log = slog.New(slog.DiscardHandler)
	}
	cfg.info.REST = cfg.base
	c := &Client{
		info:       cfg.info,
		base:       cfg.base,
		wsURL:      cfg.wsURL,
		keyID:      cfg.keyID,
		recvWindow: cfg.recvWindow,
		now:        cfg.now,
		log:        cfg.log.With("venue", venueName, "account", cfg.info.Name),
		limits:     cfg.limits,
	}
	if !cfg.secret.IsZero() {
		s, err := NewSigner(cfg.scheme, cfg.secret)
		if err != nil {
			return nil, err
		}
		c.signer = s
	}
	c.clock = exchange.NewClock(exchange.ClockConfig{
		Account:     cfg.info.Name,
		AheadLimit:  aheadLimit,
		BehindLimit: cfg.recvWindow,
		Now:         cfg.now,
	})
	limits := cfg.limits
	if limits == nil {
		limits = defaultLimits
	}
	// Binance windows reset on its own clock, so the budget counts in
	// estimated server time.
	c.budget = exchange.NewBudget(cfg.info.Name, c.clock.ServerNow, limits...)
	c.setCounters(limits)
	rc := rest.Config{
		// No overall HTTP Timeout by default: callers bound each request
		// with ctx, and Timeout bounds those whose ctx has none.
		Venue: venueName, BaseURL: cfg.base, HTTP: cfg.hc, Timeout: cfg.timeout,
		Clock: c.clock, ServerTime: c.serverTime, Sync: c.SyncClock,
		Budget: c.budget, Replies: replies{c}, MaxBody: maxBody, Now: cfg.now, Log: c.log,
		NoKey: ErrNoSecret, Observer: cfg.observer,
	}
	if c.keyID != "" {
		rc.Header = http.Header{"X-MBX-APIKEY": {c.keyID}}
	}
	if c.signer != nil {
		rc.Signer = wireSigner{c.signer, cfg.recvWindow.Milliseconds()}
	}
	p, err := rest.New(rc)
	if err != nil {
		return nil, err
	}
	c.path = p
	return c, nil
}

// Info is static.
func (c *Client) Info() exchange.AccountInfo { return c.info }

// Clock is the estimator's snapshot.
func (c *Client) Clock() exchange.ClockSnapshot { return c.clock.Snapshot() }

// Budget is the rate budget's snapshot.
func (c *Client) Budget() exchange.BudgetSnapshot { return c.budget.Snapshot() }

// endpoint describes one call: how it is charged and how its failure reads.
type endpoint struct {
	method string
	path   string
	signed bool
	weight int
	orders int
	// prio is the default; callers override it with exchange.WithPriority
	// (pollers pass Background so they never eat the reserve for orders).
	prio exchange.Priority
	// op is "place" or "cancel" for requests that change orders: failures
	// after sending are then ambiguous.
	op string
}

func (e endpoint) name() string { return e.method + " " + e.path }

// call is one request in flight.
type call struct {
	ep  endpoint
	p   params // endpoint params, without recvWindow/timestamp/signature
	out any
	ec  errContext
}

// do sends a call through the request path: it charges the budget, stamps
// and signs, sends, reconciles the budget with the venue's counters and
// decodes; a -1021 re-syncs the clock and sends once more (see
// rest.Path.Do). A POST or PUT carries its params as a form body, anything
// else as the query.
func (c *Client) do(ctx context.Context, cl *call) error {
	r := rest.Request{Method: cl.ep.method, Path: cl.ep.path, Signed: cl.ep.signed, Op: cl.ep.op,
		Cost: exchange.Cost{Weight: cl.ep.weight, Orders: cl.ep.orders, Priority: cl.ep.prio}, Tag: cl}
	if cl.ep.method == http.MethodPost || cl.ep.method == http.MethodPut {
		r.Body, r.Kind = cl.p.Bytes(), rest.Form
	} else {
		r.Query = cl.p.Params
	}
	return c.path.Do(ctx, &r, cl.out)
}

// clockReady holds a stream login until the clock has a sample; see
// rest.Path.ClockReady.
func (c *Client) clockReady(ctx context.Context) error { return c.path.ClockReady(ctx) }

// loginRefused handles a stream login refused for its timestamp. No retry
// re-syncs first there, as do does for REST, so the clock is invalidated:
// the stream's next attempt then waits for a fresh sample instead of
// repeating the stamp Binance refused.
func (c *Client) loginRefused(err error) {
	var ae *exchange.APIError
	if !errors.As(err, &ae) || ae.Kind != exchange.KindClock {
		return
	}
	c.clock.Invalidate("binance " + ae.Code + " on the stream login")
	ae.AdviceText = ae.Code + ": Binance refused the stream login's timestamp; vigil measures Binance's clock again before the next login (if this repeats, this machine's clock is unsteady: enable NTP)"
}

// wireSigner appends recvWindow, the stamp and the signature to whichever
// part carries the params: the form body of a POST, else the query.
type wireSigner struct {
	s          *Signer
	recvWindow int64 // ms
}

func (ws wireSigner) Sign(w *rest.Wire) error {
	dst := &w.Query
	if w.Kind == rest.Form {
		dst = &w.Body
	}
	p := params{rest.ParamsOf(*dst)}
	p.addInt("recvWindow", ws.recvWindow)
	p.addInt("timestamp", w.Stamp.UnixMilli())
	b := p.Bytes()
	*dst = ws.s.AppendSignature(b, b)
	return nil
}

// replies reads Binance's answers: the value itself on success, an error
// body {code, msg} otherwise, and usage counters in the headers.
type replies struct{ c *Client }

func (v replies) Observe(_ *rest.Request, h http.Header, _ time.Time) { v.c.observe(h) }

func (v replies) Unwrap(rep *rest.Reply) ([]byte, *rest.Refusal) {
	cl := rep.Request.Tag.(*call)
	switch {
	case rep.Status == http.StatusTooManyRequests || rep.Status == http.StatusTeapot:
		return nil, v.c.rateLimited(rep, cl)
	case rep.Status >= 300:
		return nil, v.c.failure(rep, cl)
	}
	return rep.Body, nil
}

// ExplainClock writes a -1021's advice once the re-sync has measured the
// offset.
func (v replies) ExplainClock(ce *exchange.ClockError) {
	ce.Offset = v.c.clock.Offset()
	ce.Ahead = ce.Ahead || ce.Offset < 0
	ce.AdviceText = clockAdvice(ce.Offset, v.c.recvWindow, ce.Ahead)
}

// counter pairs a budget bucket with the header Binance reports its usage
// in: "weight/1m" with X-MBX-USED-WEIGHT-1M, "orders/10s" with
// X-MBX-ORDER-COUNT-10S.
type counter struct {
	header string // canonical form
	bucket string
}

// setCounters lists the headers to read for limits, so observe looks up a
// few known keys instead of walking every reply's header map.
func (c *Client) setCounters(limits []exchange.Limit) {
	var cs []counter
	for _, l := range limits {
		kind, suffix, ok := strings.Cut(l.Name, "/")
		if !ok || suffix == "" || suffix != strings.ToLower(suffix) {
			continue
		}
		var prefix string
		switch kind {
		case "weight":
			prefix = "X-Mbx-Used-Weight-"
		case "orders":
			prefix = "X-Mbx-Order-Count-"
		default:
			continue
		}
		cs = append(cs, counter{header: textproto.CanonicalMIMEHeaderKey(prefix + suffix), bucket: l.Name})
	}
	c.counters.Store(&cs)
}

// observe reconciles the local budget with Binance's own counters, which
// include every process on this IP.
func (c *Client) observe(h http.Header) {
	for _, ct := range *c.counters.Load() {
		v := h[ct.header]
		if len(v) == 0 {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(v[0]))
		if err != nil {
			continue
		}
		c.budget.Observe(ct.bucket, n)
	}
}

func (c *Client) rateLimited(rep *rest.Reply, cl *call) *rest.Refusal {
	retry := time.Minute // when Retry-After is missing, a minute covers the weight window
	if s, err := strconv.Atoi(strings.TrimSpace(rep.Header.Get("Retry-After"))); err == nil && s >= 0 {
		retry = time.Duration(s) * time.Second
	}
	ref := &rest.Refusal{Class: rest.Throttled, RetryAt: c.now().Add(retry)}
	reason := "HTTP 429 rate limit"
	if rep.Status == http.StatusTeapot {
		ref.Class, reason = rest.Banned, "HTTP 418 IP ban"
	}
	ref.APIError = decodeAPIError(rep.Status, rep.Body, cl.ec)
	if ref.APIError == nil {
		ref.APIError = &exchange.APIError{Venue: venueName, HTTPStatus: rep.Status, Code: strconv.Itoa(rep.Status), Msg: reason}
	}
	ref.AdviceText = fmt.Sprintf("%s: Binance refuses this IP until %s (Retry-After %v); vigil sends nothing on this account until then", reason, ref.RetryAt.Format("15:04:05"), retry)
	c.log.Warn("rate limited", "endpoint", cl.ep.name(), "status", rep.Status, "retry_after", retry)
	return ref
}

// failure is Binance's error table applied to a non-2xx reply: a body
// that is not Binance's error shape is read as the kit reads any such.
func (c *Client) failure(rep *rest.Reply, cl *call) *rest.Refusal {
	ae := decodeAPIError(rep.Status, rep.Body, cl.ec)
	if ae == nil {
		return rep.NotJSON("Binance", nil)
	}
	ref := &rest.Refusal{APIError: ae}
	switch {
	case ae.Kind == exchange.KindClock:
		ref.Class = rest.StampRefused
		ref.Ahead = strings.Contains(strings.ToLower(ae.Msg), "ahead")
	case ae.Kind == exchange.KindRateLimit:
		ref.Class, ref.RetryAt = rest.Throttled, c.now().Add(time.Minute)
	case ae.Kind == exchange.KindUnknownStatus || rep.Status >= 500:
		ref.Class = rest.Ambiguous
	}
	return ref
}

// snippet quotes the start of a body for an error, never the whole thing.
func snippet(b []byte) string { return rest.Snippet(b) }
