package deribit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/rest"
)

// Hosts. test.deribit.com is a complete second platform (its own
// accounts and keys), so it is the default network.
const (
	MainnetURL   = "https://www.deribit.com"
	MainnetWSURL = "wss://www.deribit.com/ws/api/v2"
	TestnetURL   = "https://test.deribit.com"
	TestnetWSURL = "wss://test.deribit.com/ws/api/v2"
	// APIPath is where the JSON-RPC methods are served over HTTP, WSPath
	// the WebSocket, under a host that serves both.
	APIPath = "/api/v2/"
	WSPath  = "/ws/api/v2"
)

const venueName = "deribit"

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

// WithKey sets the API key: the client id and the client secret.
func WithKey(clientID string, secret crypto.Secret) Option {
	return func(c *config) { c.keyID, c.secret = clientID, secret }
}

// WithCancelOnDisconnect asks Deribit, at each stream login, to cancel
// the orders of a connection that drops (public/enable_cancel_on_disconnect
// with scope connection). Off by default: a network blip would cancel a
// trader's resting orders.
func WithCancelOnDisconnect(on bool) Option { return func(c *config) { c.cancelOnDisconnect = on } }

// withNonces fixes how nonces are drawn (the self-test's vectors).
func withNonces(f func() string) Option { return func(c *config) { c.nonce = f } }

type config struct {
	rest.Settings
	keyID              string
	secret             crypto.Secret
	cancelOnDisconnect bool
	nonce              func() string
}

// Client is one Deribit account. It implements exchange.Venue,
// exchange.Streamer, exchange.Quoter and exchange.PositionsReader and is
// safe for concurrent use.
type Client struct {
	info     exchange.AccountInfo
	base     string
	basePath string
	wsURL    string
	hc       *http.Client
	signer   *Signer
	clock    *exchange.Clock
	credits  *credits
	path     *rest.Path
	now      func() time.Time
	nonce    func() string

	cancelOnDisconnect bool
	instruments        rest.Instruments
}

var (
	_ exchange.Venue           = (*Client)(nil)
	_ exchange.Quoter          = (*Client)(nil)
	_ exchange.PositionsReader = (*Client)(nil)
)

// New returns a client; without a network it is a testnet client.
func New(opts ...Option) (*Client, error) {
	cfg := config{Settings: rest.Settings{Now: time.Now}, nonce: NewNonce}
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
		return nil, fmt.Errorf("deribit: key scheme %q is not supported (vigil signs Deribit requests with the client secret, HMAC-SHA256)", cfg.Info.Scheme)
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = TestnetURL
		if cfg.Info.Network == exchange.Mainnet {
			cfg.BaseURL = MainnetURL
		}
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	u, err := url.Parse(cfg.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("deribit: base URL: %w", err)
	}
	if cfg.WSURL == "" {
		switch host := strings.ToLower(u.Hostname()); {
		case host == "www.deribit.com":
			cfg.WSURL = MainnetWSURL
		case host == "test.deribit.com":
			cfg.WSURL = TestnetWSURL
		default:
			// A host that serves the API serves the stream too (the fake, a
			// proxy): never pair it with another's stream.
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
	c := &Client{info: cfg.Info, base: cfg.BaseURL, basePath: u.Path, wsURL: cfg.WSURL, now: cfg.Now, nonce: cfg.nonce,
		cancelOnDisconnect: cfg.cancelOnDisconnect}
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
		Account: cfg.Info.Name,
		// A signature's timestamp is good for 60 s after it was made
		// (docs); how far ahead Deribit takes one is not documented, so
		// vigil keeps to half that.
		AheadLimit:  30 * time.Second,
		BehindLimit: 60 * time.Second,
		Now:         cfg.Now,
	})
	c.credits = newCredits(cfg.Info.Name, c.clock.ServerNow)
	p, err := rest.New(rest.Config{
		Venue: venueName, BaseURL: cfg.BaseURL, HTTP: cfg.HTTP,
		Header: http.Header{"Accept": {"application/json"}, "User-Agent": {"vigil"}},
		Clock:  c.clock, ServerTime: c.serverTime, Sync: c.SyncClock,
		Budget: c.credits, Replies: replies{c}, Now: cfg.Now, Observer: cfg.Observer,
		Signer: c.wireSigner(),
		NoKey:  errors.New("deribit: this request needs an API key"),
	})
	if err != nil {
		return nil, err
	}
	c.path, c.hc = p, p.HTTPClient()
	return c, nil
}

func (c *Client) wireSigner() rest.Signer {
	if c.signer == nil {
		return nil
	}
	return wireSigner{c}
}

// Info is static.
func (c *Client) Info() exchange.AccountInfo { return c.info }

// Clock is a snapshot of the offset estimate.
func (c *Client) Clock() exchange.ClockSnapshot { return c.clock.Snapshot() }

// Budget is a snapshot of the credit pools.
func (c *Client) Budget() exchange.BudgetSnapshot { return c.credits.Snapshot().SortByName() }

// CancelOnDisconnect reports whether the stream asks Deribit to cancel
// this connection's orders when it drops.
func (c *Client) CancelOnDisconnect() bool { return c.cancelOnDisconnect }

// request is one JSON-RPC method called over HTTP: a GET with its params
// in the query, or, for a method that changes an order, a POST of the
// JSON-RPC request (net/http sends a GET again by itself after a
// connection drops, which for an order could place it twice).
type request struct {
	method string // "private/buy"
	params rest.Params
	body   any // the params of a POST
	cost   exchange.Cost
	op     string
}

// rpcBody is a POSTed JSON-RPC request; id is fixed, as the HTTP answer
// is matched to its request by the connection.
type rpcBody struct {
	JSONRPC string `json:"jsonrpc"`
	ID      int    `json:"id"`
	Method  string `json:"method"`
	Params  any    `json:"params"`
}

func call(method string) *request { return &request{method: method} }

func (r *request) signed() bool { return strings.HasPrefix(r.method, "private/") }

// wireSigner stamps the Authorization header over the request as sent.
type wireSigner struct{ c *Client }

func (ws wireSigner) Sign(w *rest.Wire) error {
	c := ws.c
	ts := formatMs(w.Stamp.UnixMilli())
	nonce := c.nonce()
	uri := c.basePath + w.Path
	if len(w.Query) > 0 {
		uri += "?" + string(w.Query)
	}
	pre := AppendHTTPPrehash(nil, ts, nonce, w.Method, uri, w.Body)
	c.signer.mac.Fault(pre) // shown as hashed, even under a test's fault
	w.Prehash = []byte(ShowPrehash(pre))
	w.SetHeader("Authorization", c.signer.Authorization(ts, nonce, c.signer.SignHTTP(ts, nonce, w.Method, uri, w.Body)))
	return nil
}

func (c *Client) restRequest(r *request) (*rest.Request, error) {
	rr := &rest.Request{Method: http.MethodGet, Path: APIPath + r.method, Query: r.params, Signed: r.signed(), Op: r.op, Cost: r.cost, Tag: r}
	if r.body != nil {
		b, err := rest.Marshal(rpcBody{JSONRPC: "2.0", ID: 1, Method: r.method, Params: r.body})
		if err != nil {
			return nil, fmt.Errorf("deribit: %s: %w", r.method, err)
		}
		rr.Method, rr.Body, rr.Kind = http.MethodPost, b, rest.JSON
	}
	return rr, nil
}

func (c *Client) do(ctx context.Context, r *request, out any) error {
	rr, err := c.restRequest(r)
	if err != nil {
		return err
	}
	return c.path.Do(ctx, rr, out)
}

// micros reads usIn/usOut, which Deribit sends as numbers or as strings.
type micros int64

func (m *micros) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return err
	}
	*m = micros(n)
	return nil
}

// envelope is every JSON-RPC answer.
type envelope struct {
	Result  json.RawMessage `json:"result"`
	Error   *rpcError       `json:"error"`
	UsIn    micros          `json:"usIn"`
	UsOut   micros          `json:"usOut"`
	Testnet *bool           `json:"testnet"`
}

type rpcError struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data"`
}

// serverAt is the venue's clock while it handled the request: the middle
// of usIn and usOut, zero when it did not say.
func (e envelope) serverAt() time.Time {
	if e.UsIn <= 0 || e.UsOut < e.UsIn {
		return time.Time{}
	}
	return time.UnixMicro(int64(e.UsIn) + int64(e.UsOut-e.UsIn)/2)
}

// replies reads the JSON-RPC envelope, and takes every answer's
// usIn/usOut as a clock sample: the venue's own times, to the
// microsecond, on every reply.
type replies struct{ c *Client }

// Observe: Deribit sends no usage headers.
func (replies) Observe(*rest.Request, http.Header, time.Time) {}

func (v replies) Unwrap(rep *rest.Reply) ([]byte, *rest.Refusal) {
	var env envelope
	if jerr := json.Unmarshal(rep.Body, &env); jerr != nil || env.Error == nil && env.Result == nil {
		return nil, v.c.undecodable(rep, jerr)
	}
	if at := env.serverAt(); !at.IsZero() && !rep.Sent.IsZero() && !rep.Received.IsZero() {
		v.c.clock.Add(rep.Sent, at, rep.Received)
	}
	if env.Error != nil || !rep.OK() {
		return nil, v.c.apiError(rep, env.Error)
	}
	if bytes.Equal(env.Result, []byte("null")) {
		return nil, nil
	}
	return env.Result, nil
}

// SyncClock samples public/get_time.
func (c *Client) SyncClock(ctx context.Context) error {
	err := c.clock.Sync(ctx, 5, c.serverTime)
	c.clock.SetError(err)
	return err
}

// serverTime reads public/get_time's milliseconds; the same answer's
// usIn/usOut, finer, reach the clock through replies.
func (c *Client) serverTime(ctx context.Context) (time.Time, error) {
	r := call("public/get_time")
	r.cost = c.credits.request(exchange.Background)
	var res json.Number
	if err := c.do(ctx, r, &res); err != nil {
		return time.Time{}, err
	}
	ms, err := res.Int64()
	if err != nil || ms <= 0 {
		return time.Time{}, fmt.Errorf("deribit: get_time: result %q is not milliseconds", res)
	}
	return time.UnixMilli(ms), nil
}
