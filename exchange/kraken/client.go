package kraken

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/rest"
)

// Hosts. Kraken Spot has no public test network: a testnet account names
// its endpoints (a UAT host from Kraken, or krakentest) in the config.
const (
	MainnetURL          = "https://api.kraken.com"
	MainnetPrivateWSURL = "wss://ws-auth.kraken.com/v2"
	// WSPath is the private stream's path under a host that serves both.
	WSPath = "/v2"
)

const venueName = "kraken"

// Option configures a Client.
type Option = rest.Option[config]

// The options every client takes (see rest.Settings).
var (
	WithAccount    = rest.WithAccount[config]
	WithNetwork    = rest.WithNetwork[config]
	WithBaseURL    = rest.WithBaseURL[config]
	WithWSURL      = rest.WithWSURL[config]
	WithHTTPClient = rest.WithHTTPClient[config]
	WithNow        = rest.WithNow[config]
	WithObserver   = rest.WithObserver[config]
)

// WithKey sets the API key and its private key (base64, as Kraken shows it).
func WithKey(keyID string, secret crypto.Secret) Option {
	return func(c *config) { c.keyID, c.secret = keyID, secret }
}

// WithNonceDir sets where the key's nonce floor and hold are shared with
// other processes (the descriptor's Open: data_dir/nonces). Without it
// nonces are kept to this process, which is safe only for a key no other
// process uses.
func WithNonceDir(dir string) Option {
	return func(c *config) { c.nonceDir = dir }
}

// WithTier sets the account's verification tier, which decides how fast
// Kraken's counters decay, when the venue has not revealed it yet (the
// stream's maxratecount does): TierStarter, TierIntermediate (default) or
// TierPro.
func WithTier(t Tier) Option { return func(c *config) { c.tier = t } }

type config struct {
	rest.Settings
	keyID    string
	secret   crypto.Secret
	nonceDir string
	tier     Tier
}

// Client is one Kraken Spot account. It implements exchange.Venue and is
// safe for concurrent use.
type Client struct {
	info   exchange.AccountInfo
	base   string
	wsURL  string
	hc     *http.Client
	signer *Signer
	nonces *Nonces
	clock  *exchange.Clock
	rates  *rates
	path   *rest.Path
	now    func() time.Time

	instruments rest.Instruments
	pairs       pairBook
	holds       holdBook
}

var _ exchange.Venue = (*Client)(nil)

// New returns a client. A testnet client needs its URLs: Kraken Spot has
// no test network to default to.
func New(opts ...Option) (*Client, error) {
	cfg := config{Settings: rest.Settings{Now: time.Now}, tier: TierIntermediate}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.Info.Network == "" {
		cfg.Info.Network = exchange.Mainnet
	}
	cfg.Info.Venue = venueName
	if cfg.Info.Scheme == "" {
		cfg.Info.Scheme = exchange.SchemeHMAC
	}
	if cfg.Info.Scheme != exchange.SchemeHMAC {
		return nil, fmt.Errorf("kraken: key scheme %q is not supported (Kraken Spot keys are HMAC-SHA512)", cfg.Info.Scheme)
	}
	if cfg.BaseURL == "" {
		if cfg.Info.Network != exchange.Mainnet {
			return nil, errors.New(`kraken: Kraken Spot has no public test network: a testnet account needs rest_url (and ws_url): a UAT host Kraken gave you, or the fake`)
		}
		cfg.BaseURL = MainnetURL
	}
	if cfg.WSURL == "" {
		cfg.WSURL = MainnetPrivateWSURL
		if u, err := url.Parse(cfg.BaseURL); err == nil && !MainnetHost(strings.ToLower(u.Hostname())) {
			// A host that serves REST serves the stream too (the fake, a UAT
			// host): never pair it with production's stream.
			cfg.WSURL = "ws" + strings.TrimPrefix(strings.TrimRight(cfg.BaseURL, "/"), "http") + WSPath
		}
	}
	if cfg.HTTP == nil {
		cfg.HTTP = exchange.NewHTTPClient(venueName, 15*time.Second)
	}
	if cfg.Info.ClientID == (exchange.ClientIDPolicy{}) {
		cfg.Info.ClientID = ClientIDPolicy
	}
	cfg.Info.REST = cfg.BaseURL
	c := &Client{info: cfg.Info, base: cfg.BaseURL, wsURL: cfg.WSURL, now: cfg.Now}
	c.instruments.Load, c.instruments.Unlisted = c.loadRules, unlisted
	if !cfg.secret.IsZero() {
		s, err := NewSigner(cfg.keyID, cfg.secret)
		if err != nil {
			return nil, err
		}
		c.signer = s
		if c.nonces, err = NewNonces(cfg.nonceDir, cfg.keyID); err != nil {
			return nil, err
		}
		if c.info.KeyID == "" {
			c.info.KeyID = rest.MaskKey(cfg.keyID)
		}
	}
	c.clock = exchange.NewClock(exchange.ClockConfig{
		Account: cfg.Info.Name,
		// Kraken checks no request time on spot REST: these only keep the
		// nonce near its clock's milliseconds, and the pane calm.
		AheadLimit:  30 * time.Second,
		BehindLimit: time.Minute,
		// GET /0/public/Time answers whole seconds.
		Resolution: time.Second,
		// The nonce is this machine's milliseconds (wireSigner).
		LocalStamps: true,
		Now:         cfg.Now,
	})
	c.rates = newRates(cfg.Info.Name, c.clock.ServerNow, cfg.tier)
	rc := rest.Config{
		Venue: venueName, BaseURL: cfg.BaseURL, HTTP: cfg.HTTP,
		Header: http.Header{"Accept": {"application/json"}, "User-Agent": {"vigil"}},
		Clock:  c.clock, ServerTime: c.serverTime, Sync: c.resync,
		Budget: c.rates, Replies: replies{c}, Now: cfg.Now, Observer: cfg.Observer,
	}
	if c.signer != nil {
		rc.Signer = wireSigner{c.signer, c.nonces, cfg.Now}
		hc := *cfg.HTTP
		next := hc.Transport
		if next == nil {
			next = http.DefaultTransport
		}
		hc.Transport = releasing{next: next, nonces: c.nonces}
		rc.HTTP = &hc
	}
	p, err := rest.New(rc)
	if err != nil {
		return nil, err
	}
	c.path, c.hc = p, p.HTTPClient()
	return c, nil
}

// Info is static.
func (c *Client) Info() exchange.AccountInfo { return c.info }

// Clock is a snapshot of the offset estimate.
func (c *Client) Clock() exchange.ClockSnapshot { return c.clock.Snapshot() }

// Budget is a snapshot of the counters.
func (c *Client) Budget() exchange.BudgetSnapshot { return c.rates.Snapshot().SortByName() }

// Nonces is the key's nonce source (nil without a key).
func (c *Client) Nonces() *Nonces { return c.nonces }

// request is one REST call before it becomes bytes.
type request struct {
	method string
	path   string
	params rest.Params // query of a GET, form body of a POST
	signed bool
	cost   exchange.Cost
	op     string
}

func get(path string) *request { return &request{method: http.MethodGet, path: path} }

func private(path string) *request {
	return &request{method: http.MethodPost, path: path, signed: true}
}

// wireSigner puts the nonce first in the form body, as Kraken's example
// does, and signs path ‖ SHA-256(nonce ‖ body).
type wireSigner struct {
	s      *Signer
	nonces *Nonces
	now    func() time.Time
}

func (ws wireSigner) Sign(w *rest.Wire) error {
	// Held until the reply's headers arrive (see Nonces): the transport
	// releases it.
	// Milliseconds of this machine's clock, not w.Stamp (the venue's
	// clock as estimated): Kraken checks no time in a nonce, and its
	// Time endpoint's 1 s resolution makes two processes' estimates
	// differ by hundreds of milliseconds, so a process started after
	// another could stamp below the nonces it sent. The local clock is
	// one clock for every process here, and for a bot on this machine
	// that stamps milliseconds too.
	n, err := ws.nonces.Take(ws.now())
	if err != nil {
		return err
	}
	nonce := FormatNonce(n)
	body := make([]byte, 0, len(nonce)+len(w.Body)+8)
	body = append(append(body, "nonce="...), nonce...)
	if len(w.Body) > 0 {
		body = append(append(body, '&'), w.Body...)
	}
	w.Body = body
	var sig [88]byte
	// What was hashed holds no secret: a refused signature shows it beside
	// the prehash rebuilt from the bytes sent.
	pre := AppendPrehash(nil, w.Path, nonce, body)
	ws.s.mac.Fault(pre) // shown as hashed, even under a test's fault
	w.Prehash = []byte(ShowPrehash(pre))
	w.SetHeader(HeaderKey, ws.s.keyID)
	w.SetHeader(HeaderSign, string(ws.s.AppendSign(sig[:0], w.Path, nonce, body)))
	return nil
}

// envelope is every Kraken Spot REST reply: error strings (warnings may
// come with a result) and the result.
type envelope struct {
	Error  []string        `json:"error"`
	Result json.RawMessage `json:"result"`
}

func (c *Client) do(ctx context.Context, r *request, out any) error {
	return c.path.Do(ctx, c.restRequest(r), out)
}

// restParams wraps a form body already encoded.
func restParams(s string) rest.Params { return rest.ParamsOf([]byte(s)) }

func (c *Client) restRequest(r *request) *rest.Request {
	rr := &rest.Request{Method: r.method, Path: r.path, Signed: r.signed, Op: r.op, Cost: r.cost, Tag: r}
	if r.method == http.MethodGet {
		rr.Query = r.params
	} else {
		rr.Body, rr.Kind = r.params.Bytes(), rest.Form
		if rr.Body == nil {
			rr.Body = []byte{}
		}
	}
	return rr
}

// replies reads Kraken's envelope: an empty error list is success, and
// errors arrive with HTTP 200.
type replies struct{ c *Client }

func (v replies) Observe(*rest.Request, http.Header, time.Time) {}

func (v replies) Unwrap(rep *rest.Reply) ([]byte, *rest.Refusal) {
	var env envelope
	if jerr := json.Unmarshal(rep.Body, &env); jerr != nil || env.Error == nil && env.Result == nil {
		return nil, v.c.undecodable(rep, jerr)
	}
	var errs []string
	for _, e := range env.Error {
		// Warnings ("W…") come with a result and refuse nothing.
		if !strings.HasPrefix(e, "W") {
			errs = append(errs, e)
		}
	}
	if len(errs) > 0 || !rep.OK() {
		return nil, v.c.apiError(rep, errs)
	}
	return env.Result, nil
}

// SyncClock samples GET /0/public/Time.
func (c *Client) SyncClock(ctx context.Context) error {
	err := c.clock.Sync(ctx, 5, c.serverTime)
	c.clock.SetError(err)
	return err
}

// serverTime reads unixtime, whole seconds: the venue's clock is somewhere
// in that second, so the middle is the estimate and the clock's
// Resolution carries the half second either way.
func (c *Client) serverTime(ctx context.Context) (time.Time, error) {
	var res struct {
		Unixtime *int64 `json:"unixtime"`
	}
	r := get("/0/public/Time")
	r.cost = c.rates.public()
	if err := c.do(ctx, r, &res); err != nil {
		return time.Time{}, err
	}
	if res.Unixtime == nil || *res.Unixtime <= 0 {
		return time.Time{}, errors.New("kraken: Time: no unixtime")
	}
	return time.Unix(*res.Unixtime, 0).Add(500 * time.Millisecond), nil
}

// resync follows a refused nonce: something outside this machine's
// vigil processes (another program, another machine) sent a higher one.
// Kraken does not say how high, and reading the key's nonce back
// (GetApiKeyInfo) needs a nonce it would take, so the clock is measured
// again and the floor moves a second past both clocks' milliseconds,
// above any nonce a program that stamps milliseconds has sent.
func (c *Client) resync(ctx context.Context) error {
	err := c.SyncClock(ctx)
	ahead := max(c.now().UnixMilli(), c.clock.ServerNow().UnixMilli()) + time.Second.Milliseconds()
	if ferr := c.nonces.Above(uint64(ahead)); ferr != nil {
		return errors.Join(err, ferr)
	}
	return err
}
