package bybit

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/rest"
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

// Option configures a Client.
type Option = rest.Option[config]

// The options every client takes, written once (see rest.Settings; WithBaseURL
// takes a regional host such as api.bybit.nl, or demo trading's).
var (
	WithAccount    = rest.WithAccount[config]
	WithNetwork    = rest.WithNetwork[config]
	WithBaseURL    = rest.WithBaseURL[config]
	WithWSURL      = rest.WithWSURL[config]
	WithHTTPClient = rest.WithHTTPClient[config]
	WithNow        = rest.WithNow[config]
	WithObserver   = rest.WithObserver[config]
)

// WithKey sets the API key and its HMAC secret.
func WithKey(keyID string, secret crypto.Secret) Option {
	return func(c *config) { c.keyID, c.secret = keyID, secret }
}

// WithRecvWindow sets X-BAPI-RECV-WINDOW (default 5 s).
func WithRecvWindow(d time.Duration) Option { return func(c *config) { c.recvWindow = d } }

type config struct {
	rest.Settings
	keyID      string
	secret     crypto.Secret
	recvWindow time.Duration
}

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
	path       *rest.Path
	now        func() time.Time

	instruments rest.Instruments
}

var _ exchange.Venue = (*Client)(nil)

// New returns a client.
func New(opts ...Option) (*Client, error) {
	cfg := config{Settings: rest.Settings{Now: time.Now}, recvWindow: DefaultRecvWindow}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.Info.Network == "" {
		cfg.Info.Network = exchange.Testnet
	}
	cfg.Info.Venue = venueName
	if cfg.Info.Scheme == "" {
		cfg.Info.Scheme = exchange.SchemeHMAC
	}
	if cfg.Info.Scheme != exchange.SchemeHMAC {
		return nil, fmt.Errorf("bybit: key scheme %q is not supported (only system-generated HMAC keys)", cfg.Info.Scheme)
	}
	if cfg.recvWindow < time.Millisecond {
		return nil, fmt.Errorf("bybit: recvWindow %s is too small", cfg.recvWindow)
	}
	testnet := cfg.Info.Network == exchange.Testnet
	if cfg.BaseURL == "" {
		cfg.BaseURL = MainnetURL
		if testnet {
			cfg.BaseURL = TestnetURL
		}
	}
	if cfg.WSURL == "" {
		cfg.WSURL = MainnetPrivateWSURL
		if testnet {
			cfg.WSURL = TestnetPrivateWSURL
		}
	}
	if cfg.HTTP == nil {
		cfg.HTTP = exchange.NewHTTPClient(venueName, 15*time.Second)
	}
	cfg.Info.REST = cfg.BaseURL
	c := &Client{
		info:       cfg.Info,
		base:       cfg.BaseURL,
		wsURL:      cfg.WSURL,
		recvWindow: strconv.FormatInt(cfg.recvWindow.Milliseconds(), 10),
		now:        cfg.Now,
	}
	c.instruments.Load, c.instruments.Unlisted = c.loadRules, unlisted
	if !cfg.secret.IsZero() {
		s, err := NewSigner(cfg.keyID, cfg.secret)
		if err != nil {
			return nil, err
		}
		c.signer = s
		if c.info.KeyID == "" {
			c.info.KeyID = rest.MaskKey(cfg.keyID)
		}
	}
	c.clock = exchange.NewClock(exchange.ClockConfig{
		Account:     cfg.Info.Name,
		AheadLimit:  time.Second, // server_time - recv_window <= ts < server_time + 1000
		BehindLimit: cfg.recvWindow,
		Now:         cfg.Now,
	})
	c.rates = newRates(cfg.Info.Name, c.clock.ServerNow)
	rc := rest.Config{
		Venue: venueName, BaseURL: cfg.BaseURL, HTTP: cfg.HTTP,
		Header: http.Header{"Accept": {"application/json"}},
		Clock:  c.clock, ServerTime: c.serverTime, Sync: c.SyncClock,
		Budget: c.rates, Replies: replies{c}, Now: cfg.Now, Observer: cfg.Observer,
	}
	if c.signer != nil {
		rc.Signer = wireSigner{c.signer, c.recvWindow}
	}
	p, err := rest.New(rc)
	if err != nil {
		return nil, err
	}
	// Streams dial through the same client: no redirect followed there
	// either, as a followed one would carry the auth.
	c.path, c.hc = p, p.HTTPClient()
	return c, nil
}

// Info is static.
func (c *Client) Info() exchange.AccountInfo { return c.info }

// Clock is a snapshot of the offset estimate.
func (c *Client) Clock() exchange.ClockSnapshot { return c.clock.Snapshot() }

// Budget is a snapshot of the rate counts.
func (c *Client) Budget() exchange.BudgetSnapshot { return c.rates.Snapshot().SortByName() }

// request is one REST call before it becomes bytes; it rides along as the
// rest.Request's Tag for the rate headers and the error table.
type request struct {
	method string
	path   string
	query  rest.Params
	body   []byte
	signed bool
	ep     endpoint
	op     string // "place"/"cancel": a failure after sending is ambiguous
}

// newQuery starts a query as Bybit's SDK sends it: ',' stays literal (lists
// such as coin=BTC,USDT), and the shared vectors pin it. Bybit signs the
// query as it arrives, so any encoding works if signed as sent.
func newQuery() rest.Params { return rest.Params{Literal: ","} }

// wireSigner stamps and signs a request as Bybit wants: stamp, key, recv
// window and the signature of stamp + key + recvWindow + payload in
// headers, where payload is the query for GET and the JSON body for POST.
type wireSigner struct {
	s          *Signer
	recvWindow string
}

func (ws wireSigner) Sign(w *rest.Wire) error {
	ts := strconv.FormatInt(w.Stamp.UnixMilli(), 10)
	payload := w.Query
	if w.Body != nil {
		payload = w.Body
	}
	var sig [64]byte
	// What we signed holds no secret: the 10004 advice shows it beside
	// Bybit's own.
	w.Prehash = ws.s.AppendPrehash(nil, ts, ws.recvWindow, payload)
	w.SetHeader(HeaderKey, ws.s.keyID)
	w.SetHeader(HeaderTimestamp, ts)
	w.SetHeader(HeaderRecvWindow, ws.recvWindow)
	w.SetHeader(HeaderSignType, "2")
	w.SetHeader(HeaderSign, string(ws.s.AppendSign(sig[:0], ts, ws.recvWindow, payload)))
	ws.s.mac.Fault(w.Prehash) // the prehash shown is what was hashed, even under a test's fault
	return nil
}

// envelope is every Bybit v5 reply.
type envelope struct {
	RetCode *int            `json:"retCode"`
	RetMsg  string          `json:"retMsg"`
	Result  json.RawMessage `json:"result"`
	Time    int64           `json:"time"` // server ms
}

// do sends r and decodes result into out (nil: discard); see rest.Path.Do.
func (c *Client) do(ctx context.Context, r *request, out any) error {
	return c.path.Do(ctx, c.restRequest(r), out)
}

func (c *Client) restRequest(r *request) *rest.Request {
	rr := &rest.Request{Method: r.method, Path: r.path, Query: r.query, Body: r.body, Signed: r.signed,
		Op: r.op, Cost: c.rates.cost(r.ep), Tag: r}
	if r.body != nil {
		rr.Kind = rest.JSON
	}
	return rr
}

// clockReady holds a stream auth until the clock has a sample; see
// rest.Path.ClockReady.
func (c *Client) clockReady(ctx context.Context) error { return c.path.ClockReady(ctx) }

// loginRefused handles a stream auth refused for its expiry. No retry
// re-syncs first there, as do does for REST, so the clock is invalidated:
// the stream's next attempt then waits for a fresh sample instead of
// repeating the expiry Bybit refused.
func (c *Client) loginRefused(err error) {
	if exchange.KindOf(err) == exchange.KindClock {
		c.clock.Invalidate("bybit: stream auth expired on arrival")
	}
}

// replies reads Bybit's envelope (retCode 0 is success) and its usage
// headers.
type replies struct{ c *Client }

func (v replies) Observe(r *rest.Request, h http.Header, charged time.Time) {
	v.c.rates.observe(r.Tag.(*request).ep, parseLimitHeaders(h), charged)
}

func (v replies) Unwrap(rep *rest.Reply) ([]byte, *rest.Refusal) {
	var env envelope
	if jerr := json.Unmarshal(rep.Body, &env); jerr != nil || env.RetCode == nil {
		return nil, v.c.undecodable(rep, jerr)
	}
	if *env.RetCode != 0 || !rep.OK() {
		return nil, v.c.apiError(rep, *env.RetCode, env.RetMsg, env.Time)
	}
	return env.Result, nil
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
	r := &request{method: http.MethodGet, path: "/v5/market/time", query: newQuery(), ep: epTime}
	if err := c.do(ctx, r, &res); err != nil {
		return time.Time{}, err
	}
	ns, err := strconv.ParseInt(res.TimeNano, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("bybit: market/time timeNano %q: %w", res.TimeNano, err)
	}
	return time.Unix(0, ns), nil
}
