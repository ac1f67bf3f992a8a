package coinbase

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/rest"
)

// Hosts. The sandbox is a static mock (canned answers, no auth): a
// testnet account names its endpoints, usually the fake's.
const (
	MainnetURL   = "https://api.coinbase.com"
	SandboxURL   = "https://api-sandbox.coinbase.com"
	MainnetWSURL = "wss://advanced-trade-ws-user.coinbase.com"
	// WSPath is where a host that serves both (the fake) serves the user
	// stream.
	WSPath = "/ws/user"
	// Prefix is every Advanced Trade path's.
	Prefix = "/api/v3/brokerage"
)

const venueName = "coinbase"

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

// WithKey sets the key: a CDP key's name (organizations/…/apiKeys/…, or
// the id of an Ed25519 key) and its private key, or a legacy key's id and
// secret; the account's scheme says which.
func WithKey(keyID string, secret crypto.Secret) Option {
	return func(c *config) { c.keyID, c.secret = keyID, secret }
}

type config struct {
	rest.Settings
	keyID  string
	secret crypto.Secret
}

// Client is one Coinbase Advanced Trade account. It implements
// exchange.Venue and exchange.Streamer and is safe for concurrent use.
type Client struct {
	info     exchange.AccountInfo
	base     string
	basePath string
	wsURL    string
	hc       *http.Client
	key      *Key        // CDP key; nil for a legacy key or none
	legacy   *hmacSigner // legacy HMAC key
	clock    *exchange.Clock
	rates    *rates
	path     *rest.Path
	now      func() time.Time

	instruments rest.Instruments

	// ids maps client order ids to Coinbase's order ids: Coinbase looks
	// orders up and cancels them by order id only. Filled from every
	// placement, query and stream message; the journal keeps the pair too.
	mu  sync.Mutex
	ids map[string]string

	// wsSuspect is set when a subscribe's token was refused and taken for
	// a clock fault: a second refusal after a fresh measurement is the key.
	wsSuspect atomic.Bool
}

var _ exchange.Venue = (*Client)(nil)

// New returns a client. A testnet client needs its URLs: the sandbox
// checks no signature and streams nothing, so it is no test of vigil.
func New(opts ...Option) (*Client, error) {
	cfg := config{Settings: rest.Settings{Now: time.Now}}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.Info.Network == "" {
		cfg.Info.Network = exchange.Mainnet
	}
	cfg.Info.Venue = venueName
	if cfg.Info.Scheme == "" {
		cfg.Info.Scheme = exchange.SchemeES256
	}
	switch cfg.Info.Scheme {
	case exchange.SchemeES256, exchange.SchemeEd25519, exchange.SchemeHMAC:
	default:
		return nil, fmt.Errorf("coinbase: key scheme %q is not supported (es256, ed25519; hmac for legacy keys)", cfg.Info.Scheme)
	}
	if cfg.BaseURL == "" {
		if cfg.Info.Network != exchange.Mainnet {
			return nil, errors.New("coinbase: Coinbase's sandbox is a static mock that checks no key, so a testnet account needs rest_url (and ws_url): the fake's (vigil demo serve)")
		}
		cfg.BaseURL = MainnetURL
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	u, err := url.Parse(cfg.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("coinbase: base URL: %w", err)
	}
	if cfg.WSURL == "" {
		cfg.WSURL = MainnetWSURL
		if !MainnetHost(strings.ToLower(u.Hostname())) {
			// A host that serves REST serves the stream too (the fake):
			// never pair it with production's stream.
			cfg.WSURL = "ws" + strings.TrimPrefix(cfg.BaseURL, "http") + WSPath
		}
	}
	if cfg.HTTP == nil {
		cfg.HTTP = exchange.NewHTTPClient(venueName, 15*time.Second)
	}
	if cfg.Info.ClientID == (exchange.ClientIDPolicy{}) {
		cfg.Info.ClientID = ClientIDPolicy
	}
	cfg.Info.REST = cfg.BaseURL
	c := &Client{info: cfg.Info, base: cfg.BaseURL, basePath: strings.TrimRight(u.Path, "/"), wsURL: cfg.WSURL,
		now: cfg.Now, ids: map[string]string{}}
	c.instruments.Load, c.instruments.Unlisted = c.loadRules, unlisted
	var signer rest.Signer
	if !cfg.secret.IsZero() {
		if cfg.Info.Scheme == exchange.SchemeHMAC {
			if c.legacy, err = newHMACSigner(cfg.keyID, cfg.secret, c.basePath); err != nil {
				return nil, err
			}
			signer = c.legacy
		} else {
			if c.key, err = ParseKey(cfg.keyID, cfg.Info.Scheme, cfg.secret); err != nil {
				return nil, err
			}
			signer = jwtSigner{key: c.key, basePath: c.basePath}
		}
		if c.info.KeyID == "" {
			c.info.KeyID = maskKeyName(cfg.keyID)
		}
	}
	c.clock = exchange.NewClock(exchange.ClockConfig{
		Account: cfg.Info.Name,
		// A token is valid from its nbf (whole seconds, so a stamp up to
		// a second ahead still truncates to the venue's second) until
		// exp, two minutes on.
		AheadLimit:  time.Second,
		BehindLimit: TokenLife,
		Now:         cfg.Now,
	})
	c.rates = newRates(cfg.Info.Name, c.clock.ServerNow)
	rc := rest.Config{
		Venue: venueName, BaseURL: cfg.BaseURL, HTTP: cfg.HTTP,
		Header: http.Header{"Accept": {"application/json"}, "User-Agent": {"vigil"}},
		Clock:  c.clock, ServerTime: c.serverTime, Sync: c.SyncClock,
		Budget: c.rates, Replies: replies{c}, Now: cfg.Now, Observer: cfg.Observer,
		Signer: signer,
	}
	p, err := rest.New(rc)
	if err != nil {
		return nil, err
	}
	c.path, c.hc = p, p.HTTPClient()
	return c, nil
}

// maskKeyName shows a CDP key name's last part masked: the organization
// is not secret but is long, and the key id tells keys apart.
func maskKeyName(k string) string {
	if i := strings.LastIndex(k, "/"); i >= 0 {
		k = k[i+1:]
	}
	return rest.MaskKey(k)
}

// Info is static.
func (c *Client) Info() exchange.AccountInfo { return c.info }

// Clock is a snapshot of the offset estimate: its headroom is the token's
// window, a second ahead (nbf) and two minutes behind (exp).
func (c *Client) Clock() exchange.ClockSnapshot { return c.clock.Snapshot() }

// Budget is a snapshot of the counters.
func (c *Client) Budget() exchange.BudgetSnapshot { return c.rates.Snapshot().SortByName() }

// Key is the CDP key the client signs with (nil for a legacy key).
func (c *Client) Key() *Key { return c.key }

// request is one REST call before it becomes bytes.
type request struct {
	method string
	path   string // under Prefix
	query  rest.Params
	body   []byte
	signed bool
	cost   exchange.Cost
	op     string
	// refused401 marks a request already refused once with 401: Coinbase
	// says not why, so the first is taken for the token's time and the
	// retry's for the key.
	refused401 atomic.Bool
}

func (c *Client) get(path string) *request {
	return &request{method: http.MethodGet, path: path, signed: true, cost: c.rates.private(exchange.Interactive)}
}

func (c *Client) public(path string) *request {
	return &request{method: http.MethodGet, path: path, cost: c.rates.public()}
}

func (c *Client) post(path string, body any) (*request, error) {
	b, err := rest.Marshal(body)
	if err != nil {
		return nil, err
	}
	return &request{method: http.MethodPost, path: path, body: b, signed: true, cost: c.rates.private(exchange.Trading)}, nil
}

func (c *Client) do(ctx context.Context, r *request, out any) error {
	return c.path.Do(ctx, c.restRequest(r), out)
}

func (c *Client) restRequest(r *request) *rest.Request {
	rr := &rest.Request{Method: r.method, Path: Prefix + r.path, Query: r.query, Signed: r.signed, Op: r.op, Cost: r.cost, Tag: r}
	if r.body != nil {
		rr.Body, rr.Kind = r.body, rest.JSON
	}
	return rr
}

// SyncClock samples GET /time.
func (c *Client) SyncClock(ctx context.Context) error {
	err := c.clock.Sync(ctx, 5, c.serverTime)
	c.clock.SetError(err)
	return err
}

// serverTime reads epochMillis (a string of milliseconds).
func (c *Client) serverTime(ctx context.Context) (time.Time, error) {
	var res struct {
		EpochMillis json.Number `json:"epochMillis"`
		EpochSecs   json.Number `json:"epochSeconds"`
	}
	if err := c.do(ctx, c.public("/time"), &res); err != nil {
		return time.Time{}, err
	}
	if ms, err := strconv.ParseInt(string(res.EpochMillis), 10, 64); err == nil && ms > 0 {
		return time.UnixMilli(ms), nil
	}
	if s, err := strconv.ParseInt(string(res.EpochSecs), 10, 64); err == nil && s > 0 {
		return time.Unix(s, 0).Add(500 * time.Millisecond), nil
	}
	return time.Time{}, errors.New("coinbase: time: no epochMillis")
}

// remember keeps a client id's order id.
func (c *Client) remember(clientID, orderID string) {
	if clientID == "" || orderID == "" {
		return
	}
	c.mu.Lock()
	c.ids[clientID] = orderID
	c.mu.Unlock()
}

// orderIDOf is the order id known for a client id.
func (c *Client) orderIDOf(clientID string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	id, ok := c.ids[clientID]
	return id, ok
}

// replies reads Coinbase's answers: a 2xx body is the payload (an order
// refused arrives as a 200 with success false, read by Place); errors are
// {"error","message","error_details"} with the HTTP status, and a bad or
// expired token is a bare 401.
type replies struct{ c *Client }

func (v replies) Observe(r *rest.Request, h http.Header, charged time.Time) {
	v.c.rates.observe(r, h, charged)
}

// errorBody is Coinbase's error reply.
type errorBody struct {
	Error        string `json:"error"`
	Message      string `json:"message"`
	ErrorDetails string `json:"error_details"`
}

func (v replies) Unwrap(rep *rest.Reply) ([]byte, *rest.Refusal) {
	if rep.OK() {
		if !json.Valid(rep.Body) {
			return nil, v.c.undecodable(rep, errors.New("invalid JSON"))
		}
		return rep.Body, nil
	}
	var e errorBody
	if err := json.Unmarshal(rep.Body, &e); err != nil || (e.Error == "" && e.Message == "") {
		if rep.Status == http.StatusUnauthorized {
			return nil, v.c.apiError(rep, errorBody{Error: "UNAUTHENTICATED", Message: strings.TrimSpace(string(rep.Body))})
		}
		return nil, v.c.undecodable(rep, err)
	}
	return nil, v.c.apiError(rep, e)
}
