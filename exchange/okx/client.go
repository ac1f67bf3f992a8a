package okx

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

// maxBody caps what we read from one response: the instrument list is the
// largest (~1 MB for SPOT); anything far beyond is not OKX talking.
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
	passphrase crypto.Secret
	now        func() time.Time
}

// WithAccount sets the account this client serves (name, network, guards).
// Venue is forced to "okx".
func WithAccount(info exchange.AccountInfo) Option { return func(c *config) { c.info = info } }

// WithNetwork selects live (Mainnet) or demo trading (Testnet).
func WithNetwork(n exchange.Network) Option { return func(c *config) { c.info.Network = n } }

// WithBaseURL overrides the REST host, e.g. an httptest server or a regional
// host (us.okx.com, eea.okx.com).
func WithBaseURL(u string) Option { return func(c *config) { c.baseURL = u } }

// WithWSURL overrides the private WebSocket URL.
func WithWSURL(u string) Option { return func(c *config) { c.wsURL = u } }

// WithHTTPClient sets the HTTP client (timeouts, transport).
func WithHTTPClient(hc *http.Client) Option { return func(c *config) { c.hc = hc } }

// WithKey sets the API key, its secret and its passphrase. Without a key only
// public endpoints work.
func WithKey(keyID string, secret, passphrase crypto.Secret) Option {
	return func(c *config) { c.keyID, c.secret, c.passphrase = keyID, secret, passphrase }
}

// WithNow sets the local clock (tests).
func WithNow(now func() time.Time) Option { return func(c *config) { c.now = now } }

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
	now    func() time.Time
	demo   bool

	book exchange.RuleBook
}

var _ exchange.Venue = (*Client)(nil)

// New returns a client. Testnet means OKX demo trading.
func New(opts ...Option) (*Client, error) {
	cfg := config{baseURL: MainnetURL, now: time.Now}
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
		return nil, fmt.Errorf("okx: key scheme %q is not supported (OKX keys are HMAC)", cfg.info.Scheme)
	}
	// An injected client gets the redirect policy too: connect passes one
	// to every venue, and a followed redirect would carry the key headers.
	if cfg.hc == nil {
		cfg.hc = exchange.NewHTTPClient(venueName, 15*time.Second)
	} else {
		cfg.hc = exchange.RefuseRedirects(venueName, cfg.hc)
	}
	demo := cfg.info.Network == exchange.Testnet
	if cfg.wsURL == "" {
		cfg.wsURL = PrivateWSURL
		if demo {
			cfg.wsURL = DemoPrivateWSURL
		}
	}
	cfg.info.REST = cfg.baseURL
	c := &Client{
		info:  cfg.info,
		base:  cfg.baseURL,
		wsURL: cfg.wsURL,
		hc:    cfg.hc,
		now:   cfg.now,
		demo:  demo,
	}
	if !cfg.secret.IsZero() || !cfg.passphrase.IsZero() {
		s, err := NewSigner(cfg.keyID, cfg.secret, cfg.passphrase)
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
		AheadLimit:  30 * time.Second, // documented as a symmetric ±30 s
		BehindLimit: 30 * time.Second,
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

// Budget is a snapshot of the local rate counts.
func (c *Client) Budget() exchange.BudgetSnapshot { return c.rates.Snapshot().SortByName() }

// request is one REST call before it becomes bytes.
type request struct {
	method string
	path   string
	query  query  // encoded exactly as sent
	body   []byte // exact JSON sent; nil for GET
	signed bool
	ep     endpoint
	inst   string // instrument, for per-instrument limits
	op     string // "place"/"cancel": a failure after sending is ambiguous
}

// query is a query string built in the order parameters are added,
// percent-encoded once; these bytes are both signed and sent.
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

// appendEscaped percent-encodes all but RFC 3986 unreserved characters, so a
// ',' travels as %2C (and is signed as %2C), a space as %20, never '+'.
func appendEscaped(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == '~' {
			dst = append(dst, c)
			continue
		}
		dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
	}
	return dst
}

// requestPath is the path plus "?query" when there is one: what OKX signs.
func (r *request) requestPath() string {
	if len(r.query.b) == 0 {
		return r.path
	}
	return r.path + "?" + string(r.query.b)
}

// build is the one function that turns a request into the bytes sent and
// the bytes signed: the same requestPath string is signed and parsed into the
// URL (url.Parse keeps RawQuery verbatim), the same body slice is signed and
// sent.
func (c *Client) build(ctx context.Context, r *request, ts string) (*http.Request, error) {
	rp := r.requestPath()
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, c.base+rp, body)
	if err != nil {
		return nil, fmt.Errorf("okx: build %s %s: %w", r.method, r.path, err)
	}
	req.Header.Set("Accept", "application/json")
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.demo {
		req.Header.Set(HeaderSimulated, "1")
	}
	if r.signed {
		var sig [44]byte
		req.Header.Set(HeaderKey, c.signer.keyID)
		req.Header.Set(HeaderTimestamp, ts)
		req.Header.Set(HeaderPassphrase, string(c.signer.passphrase.Bytes()))
		req.Header.Set(HeaderSign, string(c.signer.AppendSign(sig[:0], ts, r.method, rp, r.body)))
	}
	return req, nil
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

// sent is what we know about a request after sending it, for error advice.
type sent struct {
	stamp time.Time // the time we stamped it with (server-corrected)
	local time.Time // local time at send
}

// do sends r and decodes data into out (nil: discard). A 50102 (stamp
// outside OKX's ±30 s) re-syncs the clock and sends r once more with a fresh
// stamp. The retry is safe even for placement: OKX checks the timestamp at
// its gateway before the order reaches the engine, so a refused order never
// existed, and the retry carries the same clOrdId, so a misreading on our
// side could at worst be refused as a duplicate (51016).
func (c *Client) do(ctx context.Context, r *request, out any) error {
	err := c.send(ctx, r, out)
	var ce *exchange.ClockError
	if !r.signed || !errors.As(err, &ce) || ce.Code != "50102" {
		return err
	}
	if serr := c.SyncClock(ctx); serr != nil {
		return err // the original refusal says more than the failed probe
	}
	return c.send(ctx, r, out)
}

// clockReady holds a signed request or login until the clock has a sample
// since the last refusal, probing public/time once if it has none: stamped
// with the raw local clock, the first request against a venue more than
// 30 s off would be refused. Nothing is sent when the probe fails.
func (c *Client) clockReady(ctx context.Context) error {
	if err := c.clock.Ready(ctx, c.serverTime); err != nil {
		return &exchange.ClockUnknownError{Venue: venueName, Err: err}
	}
	return nil
}

// loginRefused handles a stream login refused for its timestamp. No retry
// re-syncs first there, as do does for REST, so the clock is invalidated:
// the stream's next attempt then waits for a fresh sample instead of
// repeating the stamp OKX refused.
func (c *Client) loginRefused(err error) {
	if exchange.KindOf(err) == exchange.KindClock {
		c.clock.Invalidate("okx: stream login refused its timestamp")
	}
}

// send is one attempt of do.
func (c *Client) send(ctx context.Context, r *request, out any) error {
	if r.signed && c.signer == nil {
		return errors.New("okx: no API key configured for this account")
	}
	if r.signed {
		if err := c.clockReady(ctx); err != nil {
			return err
		}
	}
	if err := c.rates.acquire(ctx, r.ep, r.inst); err != nil {
		return err
	}
	stamp := c.clock.Stamp()
	req, err := c.build(ctx, r, Timestamp(stamp))
	if err != nil {
		return err
	}
	t0 := c.now()
	resp, err := c.hc.Do(req)
	if err != nil {
		err = fmt.Errorf("okx: %s %s: %w", r.method, r.path, err)
		if r.op != "" {
			return &exchange.AmbiguousError{Op: r.op, Err: err}
		}
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	t1 := c.now()
	if err != nil {
		err = fmt.Errorf("okx: %s %s: reading reply: %w", r.method, r.path, err)
		if r.op != "" {
			return &exchange.AmbiguousError{Op: r.op, Err: err}
		}
		return err
	}
	var env envelope
	if jerr := json.Unmarshal(raw, &env); jerr != nil || env.Code == "" {
		return c.undecodable(r, resp, raw, jerr)
	}
	c.feedClock(t0, t1, env)
	if env.Code != "0" || resp.StatusCode/100 != 2 {
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
		return c.apiError(r, resp, code, msg, sent{stamp: stamp, local: t0})
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(env.Data, out); err != nil {
		err = fmt.Errorf("okx: %s %s: unexpected data shape: %w", r.method, r.path, err)
		if r.op != "" {
			// The venue said code 0: the order most likely exists, but we
			// could not read its id. Only Query can tell.
			return &exchange.AmbiguousError{Op: r.op, Err: err}
		}
		return err
	}
	return nil
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

// undecodable turns a reply that is not an OKX envelope into an error that
// says what came back, without echoing a large body.
func (c *Client) undecodable(r *request, resp *http.Response, raw []byte, jerr error) error {
	snippet := raw
	if len(snippet) > 120 {
		snippet = snippet[:120]
	}
	ae := &exchange.APIError{
		Venue:      venueName,
		HTTPStatus: resp.StatusCode,
		Code:       strconv.Itoa(resp.StatusCode),
		Msg:        fmt.Sprintf("reply is not an OKX JSON envelope: %q", snippet),
		Kind:       exchange.KindOther,
	}
	if jerr != nil {
		ae.Msg += " (" + jerr.Error() + ")"
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return c.rateLimited(ae)
	case resp.StatusCode >= 500 || r.op != "" && resp.StatusCode/100 == 2:
		ae.Kind = exchange.KindUnknownStatus
		ae.AdviceText = "OKX (or a proxy in front of it) answered with something that is not its JSON; if this was an order, vigil asks OKX for its state before doing anything else."
		if r.op != "" {
			return &exchange.AmbiguousError{Op: r.op, Err: ae}
		}
		return ae
	}
	ae.AdviceText = fmt.Sprintf("HTTP %d with a body OKX does not send: check the base URL (%s) and any proxy.", resp.StatusCode, c.base)
	return ae
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
