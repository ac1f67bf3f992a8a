package okx

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/rest"
)

// Hosts. The 2026 docs list openapi.okx.com; the official SDK and years of
// clients use www.okx.com, which still answers. Demo trading uses the same REST
// host with the x-simulated-trading header, but its own WebSocket hosts.
const (
	MainnetURL       = "https://www.okx.com"
	OpenAPIURL       = "https://openapi.okx.com"
	PrivateWSURL     = "wss://ws.okx.com:8443/ws/v5/private"
	DemoPrivateWSURL = "wss://wspap.okx.com:8443/ws/v5/private"
)

// venueName is the Venue field of every error this package returns.
const venueName = "okx"

// Option configures a Client.
type Option = rest.Option[config]

// The options every client takes, written once (see rest.Settings; Testnet
// is OKX demo trading; WithBaseURL takes a regional host such as eea.okx.com).
var (
	WithAccount    = rest.WithAccount[config]
	WithNetwork    = rest.WithNetwork[config]
	WithBaseURL    = rest.WithBaseURL[config]
	WithWSURL      = rest.WithWSURL[config]
	WithHTTPClient = rest.WithHTTPClient[config]
	WithNow        = rest.WithNow[config]
	WithObserver   = rest.WithObserver[config]
)

// WithKey sets the API key, its secret and its passphrase. Without a key only
// public endpoints work.
func WithKey(keyID string, secret, passphrase crypto.Secret) Option {
	return func(c *config) { c.keyID, c.secret, c.passphrase = keyID, secret, passphrase }
}

type config struct {
	rest.Settings
	keyID      string
	secret     crypto.Secret
	passphrase crypto.Secret
}

// Client is one OKX account. It implements exchange.Venue and is safe for
// concurrent use.
type Client struct {
	info   exchange.AccountInfo
	base   string
	wsURL  string
	hc     *http.Client
	signer *Signer
	clock  *exchange.Clock
	rates  *rates
	path   *rest.Path
	now    func() time.Time
	demo   bool

	instruments rest.Instruments
}

var _ exchange.Venue = (*Client)(nil)

// New returns a client. Testnet means OKX demo trading.
func New(opts ...Option) (*Client, error) {
	cfg := config{Settings: rest.Settings{BaseURL: MainnetURL, Now: time.Now}}
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
		return nil, fmt.Errorf("okx: key scheme %q is not supported (OKX keys are HMAC)", cfg.Info.Scheme)
	}
	if cfg.HTTP == nil {
		cfg.HTTP = exchange.NewHTTPClient(venueName, 15*time.Second)
	}
	demo := cfg.Info.Network == exchange.Testnet
	if cfg.WSURL == "" {
		cfg.WSURL = PrivateWSURL
		if demo {
			cfg.WSURL = DemoPrivateWSURL
		}
	}
	cfg.Info.REST = cfg.BaseURL
	c := &Client{info: cfg.Info, base: cfg.BaseURL, wsURL: cfg.WSURL, now: cfg.Now, demo: demo}
	c.instruments.Load, c.instruments.Unlisted = c.loadRules, unlisted
	if !cfg.secret.IsZero() || !cfg.passphrase.IsZero() {
		s, err := NewSigner(cfg.keyID, cfg.secret, cfg.passphrase)
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
		AheadLimit:  30 * time.Second, // documented as a symmetric ±30 s
		BehindLimit: 30 * time.Second,
		Now:         cfg.Now,
	})
	c.rates = newRates(cfg.Info.Name, c.clock.ServerNow)
	header := http.Header{"Accept": {"application/json"}}
	if demo {
		header.Set(HeaderSimulated, "1")
	}
	rc := rest.Config{
		Venue: venueName, BaseURL: cfg.BaseURL, HTTP: cfg.HTTP, Header: header,
		Clock: c.clock, ServerTime: c.serverTime, Sync: c.SyncClock,
		Budget: c.rates, Replies: replies{c}, Now: cfg.Now, Observer: cfg.Observer,
	}
	if c.signer != nil {
		rc.Signer = wireSigner{c.signer}
	}
	p, err := rest.New(rc)
	if err != nil {
		return nil, err
	}
	// Streams dial through the same client: no redirect followed there
	// either, as a followed one would carry the login.
	c.path, c.hc = p, p.HTTPClient()
	return c, nil
}

// Info is static.
func (c *Client) Info() exchange.AccountInfo { return c.info }

// Clock is a snapshot of the offset estimate.
func (c *Client) Clock() exchange.ClockSnapshot { return c.clock.Snapshot() }

// Budget is a snapshot of the local rate counts.
func (c *Client) Budget() exchange.BudgetSnapshot { return c.rates.Snapshot().SortByName() }

// request is one REST call before it becomes bytes; it rides along as the
// rest.Request's Tag for the error table.
type request struct {
	method string
	path   string
	query  rest.Params // encoded exactly as sent: ',' travels as %2C
	body   []byte      // exact JSON sent; nil for GET
	signed bool
	ep     endpoint
	inst   string // instrument, for per-instrument limits
	op     string // "place"/"cancel": a failure after sending is ambiguous
}

// wireSigner stamps and signs a request as OKX wants: the key, the ISO
// stamp, the passphrase and the signature of stamp + method + path?query +
// body, all in headers.
type wireSigner struct{ s *Signer }

func (ws wireSigner) Sign(w *rest.Wire) error {
	ts := Timestamp(w.Stamp)
	rp := w.Path
	if len(w.Query) > 0 {
		rp += "?" + string(w.Query)
	}
	var sig [44]byte
	w.SetHeader(HeaderKey, ws.s.keyID)
	w.SetHeader(HeaderTimestamp, ts)
	w.SetHeader(HeaderPassphrase, string(ws.s.passphrase.Bytes()))
	w.SetHeader(HeaderSign, string(ws.s.AppendSign(sig[:0], ts, w.Method, rp, w.Body)))
	// What was signed holds no secret: a 50113's explanation shows it.
	w.Prehash = ws.s.AppendPrehash(nil, ts, w.Method, rp, w.Body)
	ws.s.mac.Fault(w.Prehash)
	return nil
}

// envelope is every OKX REST reply.
type envelope struct {
	Code    flexString      `json:"code"`
	Msg     string          `json:"msg"`
	Data    json.RawMessage `json:"data"`
	InTime  string          `json:"inTime"`
	OutTime string          `json:"outTime"`
}

// flexString accepts a JSON string or number: OKX sends codes as strings, but
// gateways in front of it have been seen to answer with numbers.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*f = flexString(n)
	return nil
}

// itemStatus is the per-item result of order endpoints: when present it, not
// the top-level code, is the outcome.
type itemStatus struct {
	SCode flexString `json:"sCode"`
	SMsg  string     `json:"sMsg"`
}

// do sends r and decodes data into out (nil: discard); see rest.Path.Do.
func (c *Client) do(ctx context.Context, r *request, out any) error {
	return c.path.Do(ctx, c.restRequest(r), out)
}

func (c *Client) restRequest(r *request) *rest.Request {
	rr := &rest.Request{Method: r.method, Path: r.path, Query: r.query, Body: r.body, Signed: r.signed,
		Op: r.op, Cost: c.rates.cost(r.ep, r.inst), Tag: r}
	if r.body != nil {
		rr.Kind = rest.JSON
	}
	return rr
}

// clockReady holds a stream login until the clock has a sample; see
// rest.Path.ClockReady.
func (c *Client) clockReady(ctx context.Context) error { return c.path.ClockReady(ctx) }

// loginRefused handles a stream login refused for its timestamp. No retry
// re-syncs first there, as do does for REST, so the clock is invalidated:
// the stream's next attempt then waits for a fresh sample instead of
// repeating the stamp OKX refused.
func (c *Client) loginRefused(err error) {
	if exchange.KindOf(err) == exchange.KindClock {
		c.clock.Invalidate("okx: stream login refused its timestamp")
	}
}

// replies reads OKX's envelope: code "0" is success, anything else (or the
// first failing item's sCode) goes to the error table.
type replies struct{ c *Client }

// Observe: OKX sends no usage headers, so the only count is ours.
func (replies) Observe(*rest.Request, http.Header, time.Time) {}

func (v replies) Unwrap(rep *rest.Reply) ([]byte, *rest.Refusal) {
	var env envelope
	if jerr := json.Unmarshal(rep.Body, &env); jerr != nil || env.Code == "" {
		ref := rep.NotJSON("OKX", jerr)
		if ref.Class == rest.Throttled {
			v.c.rateLimited(ref)
		}
		return nil, ref
	}
	v.c.feedClock(rep.Sent, rep.Received, env)
	if env.Code == "0" && rep.OK() {
		return env.Data, nil
	}
	code, msg := string(env.Code), env.Msg
	var items []itemStatus
	if json.Unmarshal(env.Data, &items) == nil {
		for _, it := range items {
			if it.SCode != "" && it.SCode != "0" {
				code, msg = string(it.SCode), it.SMsg
				break
			}
		}
	}
	return nil, v.c.apiError(rep, code, msg)
}

// feedClock uses inTime/outTime (µs, on trade endpoints) as a free clock
// sample: the gateway stamped them while our request was in flight.
func (c *Client) feedClock(t0, t1 time.Time, env envelope) {
	if env.InTime == "" || env.OutTime == "" {
		return
	}
	in, err1 := strconv.ParseInt(env.InTime, 10, 64)
	out, err2 := strconv.ParseInt(env.OutTime, 10, 64)
	if err1 != nil || err2 != nil || in <= 0 || out < in {
		return
	}
	c.clock.Add(t0, time.UnixMicro((in+out)/2), t1)
}

// SyncClock samples GET /api/v5/public/time.
func (c *Client) SyncClock(ctx context.Context) error {
	err := c.clock.Sync(ctx, 5, c.serverTime)
	c.clock.SetError(err)
	return err
}

func (c *Client) serverTime(ctx context.Context) (time.Time, error) {
	var data []struct {
		TS string `json:"ts"`
	}
	r := &request{method: http.MethodGet, path: "/api/v5/public/time", ep: epTime}
	if err := c.do(ctx, r, &data); err != nil {
		return time.Time{}, err
	}
	if len(data) == 0 {
		return time.Time{}, errors.New("okx: public/time: empty data")
	}
	ms, err := strconv.ParseInt(data[0].TS, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("okx: public/time: ts %q: %w", data[0].TS, err)
	}
	return time.UnixMilli(ms), nil
}
