package binance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
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
	defaultRecvWindow = 5 * time.Second
	maxRecvWindow     = 60 * time.Second
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
	wsURL      string  // "" derives it from base
	baseURL    url.URL // base, parsed once; each request copies it
	keyID      string
	keyHeader  []string // X-MBX-APIKEY's value, shared read-only by every request
	signer     *Signer
	recvWindow time.Duration
	hc         *http.Client
	direct     http.RoundTripper // hc's transport when hc adds nothing to it; see roundTrip
	now        func() time.Time
	log        *slog.Logger
	clock      *exchange.Clock
	budget     *exchange.Budget
	limits     []exchange.Limit // nil: defaults, then exchangeInfo's
	deadlines  *deadlines
	counters   atomic.Pointer[[]counter] // the budget's buckets Binance reports on

	// queryHeader and formHeader are shared read-only by every request when
	// sharedHeaders; see header.
	queryHeader, formHeader http.Header
	sharedHeaders           bool

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
		cfg.info.KeyID = maskKey(cfg.keyID)
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
	if cfg.hc == nil {
		// No overall Timeout: callers bound each request with ctx, and
		// deadlines bounds those whose ctx has none.
		cfg.hc = exchange.NewHTTPClient(venueName, 0)
	}
	bu, err := parseBase(cfg.base)
	if err != nil {
		return nil, err
	}
	cfg.info.REST = cfg.base
	c := &Client{
		info:       cfg.info,
		base:       cfg.base,
		wsURL:      cfg.wsURL,
		baseURL:    bu,
		keyID:      cfg.keyID,
		recvWindow: cfg.recvWindow,
		hc:         exchange.RefuseRedirects(venueName, cfg.hc),
		now:        cfg.now,
		log:        cfg.log.With("venue", venueName, "account", cfg.info.Name),
		limits:     cfg.limits,
		deadlines:  newDeadlines(cfg.timeout, cfg.hc.CloseIdleConnections),
	}
	if c.keyID != "" {
		c.keyHeader = []string{c.keyID}
	}
	// hc's CheckRedirect is never used (the policy replaces it), and
	// roundTrip refuses a redirect on the direct path itself.
	if hc := cfg.hc; hc.Timeout == 0 && hc.Jar == nil {
		c.direct = hc.Transport
		if c.direct == nil {
			c.direct = http.DefaultTransport
		}
		_, c.sharedHeaders = c.direct.(*http.Transport)
	}
	if c.sharedHeaders {
		c.queryHeader, c.formHeader = c.buildHeader(false), c.buildHeader(true)
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
	return c, nil
}

// parseBase checks the base URL once, so a bad one fails New instead of
// every request, and requests need not parse a URL string again.
func parseBase(base string) (url.URL, error) {
	u, err := url.Parse(base)
	if err != nil {
		return url.URL{}, fmt.Errorf("binance: base URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "" || u.RawQuery != "" || u.Fragment != "" {
		return url.URL{}, fmt.Errorf("binance: base URL %q: want http(s)://host[/path]", base)
	}
	u.RawPath = "" // requests set Path; EscapedPath escapes it again
	// As NewRequest does: "host:" means the scheme's default port.
	u.Host = strings.TrimSuffix(u.Host, ":")
	return *u, nil
}

func maskKey(k string) string {
	if len(k) <= 8 {
		return strings.Repeat("*", len(k))
	}
	return k[:4] + "…" + k[len(k)-4:]
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
	prio   exchange.Priority
	// prio is the default; callers override it with exchange.WithPriority
	// (pollers pass Background so they never eat the reserve for orders).
	// op is "place" or "cancel" for requests that change orders: failures
	// after sending are then ambiguous.
	op string
	// retryClock allows one re-stamped retry after -1021. Safe for every
	// Binance request because -1021 is decided before the matching engine
	// sees anything; see do.
	retryClock bool
}

func (e endpoint) name() string { return e.method + " " + e.path }

// call is one request in flight.
type call struct {
	ep  endpoint
	p   params // endpoint params, without recvWindow/timestamp/signature
	out any
	ec  errContext
}

// do sends a call: charges the budget, stamps and signs, sends, reconciles
// the budget with the venue's counters and decodes. On -1021 it invalidates
// the clock, re-syncs at once and, when the endpoint allows, retries once
// with a fresh stamp. That retry is safe even for placement: Binance checks
// the timestamp before forwarding to the matching engine, so a -1021 order
// never existed, and the retry carries the same client order id, so even a
// misreading on our side could at worst be refused as a duplicate.
func (c *Client) do(ctx context.Context, cl *call) error {
	err := c.send(ctx, cl)
	if err == nil {
		return nil
	}
	var ce *exchange.ClockError
	if !errors.As(err, &ce) {
		return err
	}
	c.clock.Invalidate("binance -1021 on " + cl.ep.name())
	serr := c.SyncClock(ctx)
	if serr != nil {
		c.log.Warn("re-sync after -1021 failed", "err", serr)
	}
	c.explainClock(ce)
	// Without a fresh sample the retry would not be sent (see send), and
	// the refusal says more than that.
	if !cl.ep.retryClock || serr != nil {
		return err
	}
	c.log.Info("retrying after clock re-sync", "endpoint", cl.ep.name())
	if err2 := c.send(ctx, cl); err2 != nil {
		if errors.As(err2, &ce) {
			c.explainClock(ce)
		}
		return err2
	}
	return nil
}

// clockReady holds a signed request or login until the clock has a sample
// since the last refusal, probing /api/v3/time once if it has none: stamped
// with the raw local clock, the first request against a venue a second or
// more off would be refused. Nothing is sent when the probe fails.
func (c *Client) clockReady(ctx context.Context) error {
	if err := c.clock.Ready(ctx, c.serverTime); err != nil {
		return &exchange.ClockUnknownError{Venue: venueName, Err: err}
	}
	return nil
}

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

func (c *Client) explainClock(ce *exchange.ClockError) {
	ce.Offset = c.clock.Offset()
	ce.Ahead = ce.Ahead || ce.Offset < 0
	ce.AdviceText = clockAdvice(ce.Offset, c.recvWindow, ce.Ahead)
}

// Canonical forms of the header names the client sets, so setting them
// directly in the map skips canonicalising (and allocating) per request.
const (
	headerAPIKey      = "X-Mbx-Apikey" // X-MBX-APIKEY
	headerContentType = "Content-Type"
)

var formContentType = []string{"application/x-www-form-urlencoded"}

// fastDecoder is a response type with a hand-written decoder for a hot
// path. decodeFast reports false, leaving the value zero, for any input it
// cannot decode exactly as encoding/json would; send then uses encoding/json,
// so the fast path never changes a result or an error.
type fastDecoder interface {
	decodeFast(raw []byte) bool
}

func (c *Client) send(ctx context.Context, cl *call) error {
	ep := cl.ep
	cost := exchange.Cost{Weight: ep.weight, Orders: ep.orders, Priority: exchange.PriorityOf(ctx, ep.prio)}
	if ep.signed && c.signer == nil {
		return fmt.Errorf("binance %s: %w", ep.name(), ErrNoSecret)
	}
	if ep.signed {
		if err := c.clockReady(ctx); err != nil {
			return err
		}
	}
	if err := c.budget.Acquire(ctx, cost); err != nil {
		return err
	}
	ctx, t := c.deadlines.guard(ctx)
	defer c.deadlines.done(t)
	req, err := c.newRequest(ctx, cl)
	if err != nil {
		return fmt.Errorf("binance %s: %w", ep.name(), redactURL(err))
	}
	debug := c.log.Enabled(ctx, slog.LevelDebug)
	var start time.Time
	if debug {
		start = c.now()
	}
	resp, err := c.roundTrip(req)
	if err != nil {
		// Do's error quotes the URL, which carries the signature.
		err = redactURL(c.deadlines.explain(ctx, err))
		if ep.op != "" {
			return &exchange.AmbiguousError{Op: ep.op, Err: fmt.Errorf("binance %s: %w", ep.name(), err)}
		}
		return fmt.Errorf("binance %s: %w", ep.name(), err)
	}
	defer resp.Body.Close()
	c.observe(resp.Header)
	buf := getBody()
	defer putBody(buf)
	raw, rerr := readBody((*buf)[:0], resp.Body, resp.ContentLength, maxBody)
	*buf = raw // keep the grown buffer for the pool
	if debug {
		c.log.Debug("request", "endpoint", ep.name(), "status", resp.StatusCode, "took", c.now().Sub(start), "weight", ep.weight)
	}
	// raw is pooled: whatever is built from it below must copy, never alias it.
	if rerr != nil {
		rerr = fmt.Errorf("binance %s: HTTP %d: reading body: %w", ep.name(), resp.StatusCode, redactURL(c.deadlines.explain(ctx, rerr)))
		if ep.op != "" {
			return &exchange.AmbiguousError{Op: ep.op, Err: rerr}
		}
		return rerr
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusTeapot {
		return c.rateLimited(resp, raw, cl)
	}
	if resp.StatusCode >= 300 {
		return c.failure(resp.StatusCode, raw, cl)
	}
	if cl.out == nil {
		return nil
	}
	if fd, ok := cl.out.(fastDecoder); ok && fd.decodeFast(raw) {
		return nil
	}
	if err := json.Unmarshal(raw, cl.out); err != nil {
		err = fmt.Errorf("binance %s: HTTP %d: undecodable response (%s): %w", ep.name(), resp.StatusCode, snippet(raw), err)
		if ep.op != "" {
			return &exchange.AmbiguousError{Op: ep.op, Err: err}
		}
		return err
	}
	return nil
}

// roundTrip sends req once, following no redirect (see
// exchange.RefuseRedirects): a 3xx is a *exchange.RedirectError. When hc
// has a Timeout or a Jar, its Do is used so they apply; otherwise the
// transport is called directly, which also skips the header copy Do makes
// per request for redirects.
func (c *Client) roundTrip(req *http.Request) (*http.Response, error) {
	if c.direct == nil {
		resp, err := c.hc.Do(req)
		// Do's *url.Error around the refusal would quote the signed URL.
		var re *exchange.RedirectError
		if errors.As(err, &re) {
			return nil, re
		}
		return resp, err
	}
	resp, err := c.direct.RoundTrip(req)
	switch {
	case err != nil:
		return nil, err
	case resp == nil:
		return nil, errors.New("http: RoundTripper returned a nil *Response with a nil error")
	case resp.Body == nil:
		resp.Body = http.NoBody
	}
	if re := exchange.Redirected(venueName, req, resp); re != nil {
		resp.Body.Close()
		return nil, re
	}
	return resp, nil
}

// newRequest stamps, signs and wraps the one buffer that is both signed and
// sent. The URL is the base parsed in New with this path and query, not a
// string parsed again per request.
func (c *Client) newRequest(ctx context.Context, cl *call) (*http.Request, error) {
	ep := cl.ep
	// A form body may still be read by the transport after Do returns, so
	// only a query, which is copied into a string, may use a pooled buffer.
	form := ep.method == http.MethodPost || ep.method == http.MethodPut
	var wire []byte
	if form {
		wire = make([]byte, 0, len(cl.p.b)+160)
	} else {
		bp := wirePool.Get().(*[]byte)
		defer func() { *bp = wire[:0]; wirePool.Put(bp) }()
		wire = (*bp)[:0]
	}
	wire = append(wire, cl.p.b...)
	if ep.signed {
		p := params{b: wire}
		p.addInt("recvWindow", c.recvWindow.Milliseconds())
		p.addInt("timestamp", c.clock.Stamp().UnixMilli())
		wire = c.signer.AppendSignature(p.b, p.b)
	}
	if form {
		// NewRequestWithContext sets ContentLength and GetBody, which the
		// transport needs to replay a body on a fresh connection.
		req, err := http.NewRequestWithContext(ctx, ep.method, "", bytes.NewReader(wire))
		if err != nil {
			return nil, err
		}
		c.setURL(req.URL, ep.path, "")
		req.Host = req.URL.Host
		req.Header = c.header(true)
		return req, nil
	}
	// Without a body there is nothing NewRequestWithContext adds, and built
	// here the request needs no URL parse and no header map of its own.
	u := new(url.URL)
	q := ""
	if len(wire) > 0 {
		q = string(wire)
	}
	c.setURL(u, ep.path, q)
	r := http.Request{
		Method: ep.method, URL: u, Host: u.Host, Header: c.header(false),
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
	}
	return r.WithContext(ctx), nil
}

func (c *Client) setURL(u *url.URL, path, rawQuery string) {
	*u = c.baseURL
	u.Path = c.baseURL.Path + path
	u.RawQuery = rawQuery
}

// header is a request's header map. The stdlib transport only ever reads a
// request's Header, so when it is the one sending (see roundTrip) every
// request shares one map per shape, built in New; any other path (a Jar
// adds cookies to the map, a custom RoundTripper may write to it) gets a
// map of its own.
func (c *Client) header(form bool) http.Header {
	switch {
	case c.sharedHeaders && form:
		return c.formHeader
	case c.sharedHeaders:
		return c.queryHeader
	}
	return c.buildHeader(form)
}

func (c *Client) buildHeader(form bool) http.Header {
	h := make(http.Header, 2)
	if form {
		h[headerContentType] = formContentType
	}
	if c.keyHeader != nil {
		h[headerAPIKey] = c.keyHeader
	}
	return h
}

// wirePool holds query buffers: a signed query is a few hundred bytes.
var wirePool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// bodyPool holds response buffers, so a poller reading balances every
// second does not allocate and grow one per request. Buffers grown past
// maxPooledBody (exchangeInfo) are left to the GC.
var bodyPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

const maxPooledBody = 256 << 10

func getBody() *[]byte { return bodyPool.Get().(*[]byte) }

func putBody(b *[]byte) {
	if cap(*b) <= maxPooledBody {
		*b = (*b)[:0]
		bodyPool.Put(b)
	}
}

// readBody appends r to dst until EOF or limit bytes, like
// io.ReadAll(io.LimitReader(r, limit)), growing dst at most once when the
// length is known.
func readBody(dst []byte, r io.Reader, length, limit int64) ([]byte, error) {
	if length > 0 && length <= limit {
		dst = slices.Grow(dst, int(length)+1) // +1: room to read EOF without growing
	}
	for int64(len(dst)) < limit {
		if len(dst) == cap(dst) {
			dst = slices.Grow(dst, min(max(cap(dst), 512), int(limit)-len(dst)))
		}
		n, err := r.Read(dst[len(dst):min(cap(dst), int(limit))])
		dst = dst[:len(dst)+n]
		if err == io.EOF {
			return dst, nil
		}
		if err != nil {
			return dst, err
		}
	}
	return dst, nil
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

func (c *Client) rateLimited(resp *http.Response, raw []byte, cl *call) error {
	retry := time.Minute // when Retry-After is missing, a minute covers the weight window
	if s, err := strconv.Atoi(strings.TrimSpace(resp.Header.Get("Retry-After"))); err == nil && s >= 0 {
		retry = time.Duration(s) * time.Second
	}
	banned := resp.StatusCode == http.StatusTeapot
	reason := "HTTP 429 rate limit"
	if banned {
		reason = "HTTP 418 IP ban"
	}
	c.budget.Ban(c.clock.ServerNow().Add(retry), reason)
	ae := decodeAPIError(resp.StatusCode, raw, cl.ec)
	if ae == nil {
		ae = &exchange.APIError{Venue: venueName, HTTPStatus: resp.StatusCode, Code: strconv.Itoa(resp.StatusCode), Msg: reason}
	}
	ae.Kind = exchange.KindRateLimit
	at := c.now().Add(retry)
	ae.AdviceText = fmt.Sprintf("%s: Binance refuses this IP until %s (Retry-After %v); vigil sends nothing on this account until then", reason, at.Format("15:04:05"), retry)
	c.log.Warn("rate limited", "endpoint", cl.ep.name(), "status", resp.StatusCode, "retry_after", retry)
	return &exchange.RateLimitError{APIError: ae, RetryAt: at, Banned: banned}
}

func (c *Client) failure(status int, raw []byte, cl *call) error {
	ep := cl.ep
	ae := decodeAPIError(status, raw, cl.ec)
	if ae == nil {
		err := fmt.Errorf("binance %s: HTTP %d: unexpected response (%s)", ep.name(), status, snippet(raw))
		if ep.op != "" && status >= 500 {
			return &exchange.AmbiguousError{Op: ep.op, Err: err}
		}
		return err
	}
	switch {
	case ae.Kind == exchange.KindClock:
		return &exchange.ClockError{APIError: ae, Ahead: strings.Contains(strings.ToLower(ae.Msg), "ahead")}
	case ae.Kind == exchange.KindRateLimit:
		return &exchange.RateLimitError{APIError: ae, RetryAt: c.now().Add(time.Minute)}
	case ep.op != "" && (ae.Kind == exchange.KindUnknownStatus || status >= 500):
		return &exchange.AmbiguousError{Op: ep.op, Err: ae}
	}
	return ae
}

// snippet quotes the start of a body for an error, never the whole thing.
func snippet(b []byte) string {
	const n = 64
	s := strings.ToValidUTF8(string(b[:min(len(b), n)]), "?")
	if len(b) > n {
		s += "…"
	}
	if s == "" {
		return "empty body"
	}
	return strconv.Quote(s)
}

// redactURL drops the signed query from a transport error's URL while
// keeping the cause (and Timeout()) for errors.Is/As.
func redactURL(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	u := ue.URL
	if i := strings.IndexByte(u, '?'); i >= 0 {
		u = u[:i]
	}
	return &url.Error{Op: ue.Op, URL: u, Err: ue.Err}
}
