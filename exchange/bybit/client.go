package bybit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
)

// Hosts. Testnet is a separate environment with its own keys.
const (
	MainnetURL          = "https://api.bybit.com"
	TestnetURL          = "https://api-testnet.bybit.com"
	MainnetPrivateWSURL = "wss://stream.bybit.com/v5/private"
	TestnetPrivateWSURL = "wss://stream-testnet.bybit.com/v5/private"
)

const venueName = "bybit"

// DefaultRecvWindow is Bybit's default; the stamp may be this far behind
// Bybit's clock, but never 1 s or more ahead.
const DefaultRecvWindow = 5 * time.Second

const maxBody = 8 << 20

// Option configures a Client.
type Option func(*config)

type config struct {
	info       exchange.AccountInfo
	baseURL    string
	wsURL      string
	hc         *http.Client
	keyID      string
	secret     crypto.Secret
	recvWindow time.Duration
	now        func() time.Time
}

// WithAccount sets the account this client serves. Venue is forced to
// "bybit".
func WithAccount(info exchange.AccountInfo) Option { return func(c *config) { c.info = info } }

// WithNetwork selects mainnet or testnet (and their default hosts).
func WithNetwork(n exchange.Network) Option { return func(c *config) { c.info.Network = n } }

// WithBaseURL overrides the REST host (httptest, demo trading, regional
// hosts such as api.bybit.nl).
func WithBaseURL(u string) Option { return func(c *config) { c.baseURL = u } }

// WithWSURL overrides the private WebSocket URL.
func WithWSURL(u string) Option { return func(c *config) { c.wsURL = u } }

// WithHTTPClient sets the HTTP client.
func WithHTTPClient(hc *http.Client) Option { return func(c *config) { c.hc = hc } }

// WithKey sets the API key and its HMAC secret.
func WithKey(keyID string, secret crypto.Secret) Option {
	return func(c *config) { c.keyID, c.secret = keyID, secret }
}

// WithRecvWindow sets X-BAPI-RECV-WINDOW (default 5 s).
func WithRecvWindow(d time.Duration) Option { return func(c *config) { c.recvWindow = d } }

// WithNow sets the local clock (tests).
func WithNow(now func() time.Time) Option { return func(c *config) { c.now = now } }

// Client is one Bybit account (spot category). It implements exchange.Venue
// and is safe for concurrent use.
type Client struct {
	info       exchange.AccountInfo
	base       string
	wsURL      string
	hc         *http.Client
	signer     *Signer
	recvWindow string
	clock      *exchange.Clock
	rates      *rates
	now        func() time.Time

	book exchange.RuleBook
}

var _ exchange.Venue = (*Client)(nil)

// New returns a client.
func New(opts ...Option) (*Client, error) {
	cfg := config{now: time.Now, recvWindow: DefaultRecvWindow}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.info.Network == "" {
		cfg.info.Network = exchange.Testnet
	}
	cfg.info.Venue = venueName
	if cfg.info.Scheme == "" {
		cfg.info.Scheme = exchange.SchemeHMAC
	}
	if cfg.info.Scheme != exchange.SchemeHMAC {
		return nil, fmt.Errorf("bybit: key scheme %q is not supported (only system-generated HMAC keys)", cfg.info.Scheme)
	}
	if cfg.recvWindow < time.Millisecond {
		return nil, fmt.Errorf("bybit: recvWindow %s is too small", cfg.recvWindow)
	}
	testnet := cfg.info.Network == exchange.Testnet
	if cfg.baseURL == "" {
		cfg.baseURL = MainnetURL
		if testnet {
			cfg.baseURL = TestnetURL
		}
	}
	if cfg.wsURL == "" {
		cfg.wsURL = MainnetPrivateWSURL
		if testnet {
			cfg.wsURL = TestnetPrivateWSURL
		}
	}
	// An injected client gets the redirect policy too: connect passes one
	// to every venue, and a followed redirect would carry the key headers.
	if cfg.hc == nil {
		cfg.hc = exchange.NewHTTPClient(venueName, 15*time.Second)
	} else {
		cfg.hc = exchange.RefuseRedirects(venueName, cfg.hc)
	}
	cfg.info.REST = cfg.baseURL
	c := &Client{
		info:       cfg.info,
		base:       cfg.baseURL,
		wsURL:      cfg.wsURL,
		hc:         cfg.hc,
		recvWindow: strconv.FormatInt(cfg.recvWindow.Milliseconds(), 10),
		now:        cfg.now,
	}
	if !cfg.secret.IsZero() {
		s, err := NewSigner(cfg.keyID, cfg.secret)
		if err != nil {
			return nil, err
		}
		c.signer = s
		if c.info.KeyID == "" {
			c.info.KeyID = maskKey(cfg.keyID)
		}
	}
	c.clock = exchange.NewClock(exchange.ClockConfig{
		Account:     cfg.info.Name,
		AheadLimit:  time.Second, // server_time - recv_window <= ts < server_time + 1000
		BehindLimit: cfg.recvWindow,
		Now:         cfg.now,
	})
	c.rates = newRates(cfg.info.Name, c.clock.ServerNow)
	return c, nil
}

func maskKey(k string) string {
	if len(k) <= 8 {
		return "****"
	}
	return k[:4] + "…" + k[len(k)-4:]
}

// Info is static.
func (c *Client) Info() exchange.AccountInfo { return c.info }

// Clock is a snapshot of the offset estimate.
func (c *Client) Clock() exchange.ClockSnapshot { return c.clock.Snapshot() }

// Budget is a snapshot of the rate counts.
func (c *Client) Budget() exchange.BudgetSnapshot { return c.rates.Snapshot().SortByName() }

// request is one REST call before it becomes bytes.
type request struct {
	method string
	path   string
	query  query
	body   []byte
	signed bool
	ep     endpoint
	op     string // "place"/"cancel": a failure after sending is ambiguous

	prehash []byte // set by build: what we signed, for the 10004 diff
}

// query is a query string in the order parameters are added, encoded once;
// these bytes are both signed and sent.
type query struct{ b []byte }

func (q *query) add(k, v string) {
	if len(q.b) > 0 {
		q.b = append(q.b, '&')
	}
	q.b = appendEscaped(q.b, k)
	q.b = append(q.b, '=')
	q.b = appendEscaped(q.b, v)
}

const upperHex = "0123456789ABCDEF"

// appendEscaped percent-encodes all but RFC 3986 unreserved characters and
// ','. Bybit signs the query as it arrives, so any encoding works if signed
// as sent; ',' stays literal because Bybit's own SDK sends lists
// (coin=BTC,USDT) that way and the shared vectors pin it.
func appendEscaped(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == '~' || c == ',' {
			dst = append(dst, c)
			continue
		}
		dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
	}
	return dst
}

// build is the one function that turns a request into the bytes sent and
// signed: the query bytes are both the signed payload and the URL's raw
// query; the body slice is both the signed payload and what is sent.
func (c *Client) build(ctx context.Context, r *request, ts string) (*http.Request, error) {
	u := c.base + r.path
	if len(r.query.b) > 0 {
		u += "?" + string(r.query.b)
	}
	var body io.Reader
	payload := r.query.b
	if r.body != nil {
		body = bytes.NewReader(r.body)
		payload = r.body
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u, body)
	if err != nil {
		return nil, fmt.Errorf("bybit: build %s %s: %w", r.method, r.path, err)
	}
	req.Header.Set("Accept", "application/json")
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.signed {
		var sig [64]byte
		r.prehash = c.signer.AppendPrehash(r.prehash[:0], ts, c.recvWindow, payload)
		req.Header.Set(HeaderKey, c.signer.keyID)
		req.Header.Set(HeaderTimestamp, ts)
		req.Header.Set(HeaderRecvWindow, c.recvWindow)
		req.Header.Set(HeaderSignType, "2")
		req.Header.Set(HeaderSign, string(c.signer.AppendSign(sig[:0], ts, c.recvWindow, payload)))
	}
	return req, nil
}

// envelope is every Bybit v5 reply.
type envelope struct {
	RetCode *int            `json:"retCode"`
	RetMsg  string          `json:"retMsg"`
	Result  json.RawMessage `json:"result"`
	Time    int64           `json:"time"` // server ms
}

type sent struct {
	stamp time.Time
	local time.Time
}

// do sends r and decodes result into out (nil: discard). A 10002 (stamp
// outside server-recvWindow..server+1s) re-syncs the clock and sends r once
// more with a fresh stamp. The retry is safe even for placement: Bybit
// checks the timestamp before the order reaches the engine, so a refused
// order never existed, and the retry carries the same orderLinkId, so a
// misreading on our side could at worst be refused as a duplicate (170141).
func (c *Client) do(ctx context.Context, r *request, out any) error {
	err := c.send(ctx, r, out)
	var ce *exchange.ClockError
	if !r.signed || !errors.As(err, &ce) {
		return err
	}
	if serr := c.SyncClock(ctx); serr != nil {
		return err // the original refusal says more than the failed probe
	}
	return c.send(ctx, r, out)
}

// clockReady holds a signed request or login until the clock has a sample
// since the last refusal, probing market/time once if it has none: stamped
// with the raw local clock, the first request against a venue a second or
// more off would be refused. Nothing is sent when the probe fails.
func (c *Client) clockReady(ctx context.Context) error {
	if err := c.clock.Ready(ctx, c.serverTime); err != nil {
		return &exchange.ClockUnknownError{Venue: venueName, Err: err}
	}
	return nil
}

// loginRefused handles a stream auth refused for its expiry. No retry
// re-syncs first there, as do does for REST, so the clock is invalidated:
// the stream's next attempt then waits for a fresh sample instead of
// repeating the expiry Bybit refused.
func (c *Client) loginRefused(err error) {
	if exchange.KindOf(err) == exchange.KindClock {
		c.clock.Invalidate("bybit: stream auth expired on arrival")
	}
}

// send is one attempt of do.
func (c *Client) send(ctx context.Context, r *request, out any) error {
	if r.signed && c.signer == nil {
		return errors.New("bybit: no API key configured for this account")
	}
	if r.signed {
		if err := c.clockReady(ctx); err != nil {
			return err
		}
	}
	if err := c.rates.acquire(ctx, r.ep); err != nil {
		return err
	}
	// The venue's count in the reply covers this request and those before
	// it: compare it with ours as of now, not as of the reply.
	charged := c.clock.ServerNow()
	stamp := c.clock.Stamp()
	req, err := c.build(ctx, r, strconv.FormatInt(stamp.UnixMilli(), 10))
	if err != nil {
		return err
	}
	t0 := c.now()
	resp, err := c.hc.Do(req)
	if err != nil {
		err = fmt.Errorf("bybit: %s %s: %w", r.method, r.path, err)
		if r.op != "" {
			return &exchange.AmbiguousError{Op: r.op, Err: err}
		}
		return err
	}
	defer resp.Body.Close()
	c.rates.observe(r.ep, parseLimitHeaders(resp.Header), charged)
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		err = fmt.Errorf("bybit: %s %s: reading reply: %w", r.method, r.path, err)
		if r.op != "" {
			return &exchange.AmbiguousError{Op: r.op, Err: err}
		}
		return err
	}
	var env envelope
	if jerr := json.Unmarshal(raw, &env); jerr != nil || env.RetCode == nil {
		return c.undecodable(r, resp, raw, jerr)
	}
	if *env.RetCode != 0 || resp.StatusCode/100 != 2 {
		return c.apiError(r, resp, *env.RetCode, env.RetMsg, env.Time, sent{stamp: stamp, local: t0})
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(env.Result, out); err != nil {
		err = fmt.Errorf("bybit: %s %s: unexpected result shape: %w", r.method, r.path, err)
		if r.op != "" {
			return &exchange.AmbiguousError{Op: r.op, Err: err}
		}
		return err
	}
	return nil
}

// SyncClock samples GET /v5/market/time (timeNano).
func (c *Client) SyncClock(ctx context.Context) error {
	err := c.clock.Sync(ctx, 5, c.serverTime)
	c.clock.SetError(err)
	return err
}

func (c *Client) serverTime(ctx context.Context) (time.Time, error) {
	var res struct {
		TimeSecond string `json:"timeSecond"`
		TimeNano   string `json:"timeNano"`
	}
	r := &request{method: http.MethodGet, path: "/v5/market/time", ep: epTime}
	if err := c.do(ctx, r, &res); err != nil {
		return time.Time{}, err
	}
	ns, err := strconv.ParseInt(res.TimeNano, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("bybit: market/time timeNano %q: %w", res.TimeNano, err)
	}
	return time.Unix(0, ns), nil
}
