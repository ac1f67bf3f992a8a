package hyperliquid

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/rest"
)

// Hosts. The two networks are separate chains: keys, agents and balances
// on one mean nothing on the other.
const (
	MainnetURL   = "https://api.hyperliquid.xyz"
	MainnetWSURL = "wss://api.hyperliquid.xyz/ws"
	TestnetURL   = "https://api.hyperliquid-testnet.xyz"
	TestnetWSURL = "wss://api.hyperliquid-testnet.xyz/ws"
	// WSPath is the stream's path under a host that serves both.
	WSPath = "/ws"
)

const venueName = "hyperliquid"

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

// WithWallet sets the account (its own 0x address: what reads and the
// stream name) and the private key that signs its actions: an approved
// agent's (API wallet), or the account's own, which can also withdraw.
// Without a key the client reads and streams, and signs nothing.
func WithWallet(account string, key crypto.Secret) Option {
	return func(c *config) { c.account, c.key = account, key }
}

// WithNonceDir sets where the signer's nonce floor is shared with other
// processes (the descriptor's Open: data_dir/nonces). Without it nonces
// are kept to this process, safe only for an agent no other process uses.
func WithNonceDir(dir string) Option {
	return func(c *config) { c.nonceDir = dir }
}

type config struct {
	rest.Settings
	account  string
	key      crypto.Secret
	nonceDir string
}

// Client is one Hyperliquid account. It implements exchange.Venue,
// exchange.Quoter, exchange.Streamer and exchange.PositionsReader, and is
// safe for concurrent use.
type Client struct {
	info    exchange.AccountInfo
	base    string
	wsURL   string
	mainnet bool
	account Address
	wallet  *Wallet // nil: reads only
	nonces  *Nonces
	clock   *exchange.Clock
	budget  *exchange.Budget
	path    *rest.Path
	hc      *http.Client
	now     func() time.Time

	instruments rest.Instruments
	mu          sync.Mutex
	assets      map[string]int // coin → asset id (index in meta.universe)

	// tamper changes one input of the action hash before signing: how a
	// test makes the venue recover another address. Nil outside tests.
	tamper func(*Suffix, *string)
}

var (
	_ exchange.Venue           = (*Client)(nil)
	_ exchange.Quoter          = (*Client)(nil)
	_ exchange.PositionsReader = (*Client)(nil)
)

// New returns a client; testnet is the default network.
func New(opts ...Option) (*Client, error) {
	cfg := config{Settings: rest.Settings{Now: time.Now}}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.Info.Network == "" {
		cfg.Info.Network = exchange.Testnet
	}
	cfg.Info.Venue = venueName
	if cfg.Info.Scheme == "" {
		cfg.Info.Scheme = exchange.SchemeSecp256k1
	}
	if cfg.Info.Scheme != exchange.SchemeSecp256k1 {
		return nil, fmt.Errorf("hyperliquid: key scheme %q is not supported (Hyperliquid signs with a wallet's secp256k1 key)", cfg.Info.Scheme)
	}
	mainnet := cfg.Info.Network == exchange.Mainnet
	if cfg.BaseURL == "" {
		cfg.BaseURL = TestnetURL
		if mainnet {
			cfg.BaseURL = MainnetURL
		}
	}
	if cfg.WSURL == "" {
		cfg.WSURL = "ws" + strings.TrimPrefix(strings.TrimRight(cfg.BaseURL, "/"), "http") + WSPath
		if u, err := url.Parse(cfg.BaseURL); err == nil && MainnetHost(strings.ToLower(u.Hostname())) {
			cfg.WSURL = MainnetWSURL
		}
	}
	if cfg.HTTP == nil {
		cfg.HTTP = exchange.NewHTTPClient(venueName, 15*time.Second)
	}
	if cfg.Info.ClientID == (exchange.ClientIDPolicy{}) {
		cfg.Info.ClientID = ClientIDPolicy
	}
	cfg.Info.REST = cfg.BaseURL
	c := &Client{info: cfg.Info, base: cfg.BaseURL, wsURL: cfg.WSURL, mainnet: mainnet, now: cfg.Now}
	if cfg.account != "" {
		a, err := ParseAddress(cfg.account)
		if err != nil {
			return nil, fmt.Errorf("hyperliquid: the key id is the account's address: %w", err)
		}
		c.account = a
		if c.info.KeyID == "" {
			c.info.KeyID = rest.MaskKey(a.String())
		}
	}
	if !cfg.key.IsZero() {
		if cfg.account == "" {
			return nil, errors.New("hyperliquid: a key needs the account's address (the key id)")
		}
		w, err := NewWallet(cfg.key)
		if err != nil {
			return nil, err
		}
		c.wallet = w
		if c.nonces, err = NewNonces(cfg.nonceDir, w.Address()); err != nil {
			return nil, err
		}
	}
	c.instruments.Load, c.instruments.Unlisted = c.loadRules, unlisted
	c.clock = exchange.NewClock(exchange.ClockConfig{
		Account: cfg.Info.Name,
		// A nonce must lie within a day of the venue's time (the stricter
		// of the gitbook's two texts): far beyond any clock error a
		// machine keeps, so these only colour the pane.
		AheadLimit:  nonceAhead,
		BehindLimit: nonceBehind,
		// The venue stamps block times (l2Book's time) and the HTTP Date
		// header whole seconds: the estimate is honest to a second, not a
		// millisecond.
		Resolution: time.Second,
		// The nonce the venue checks is this machine's milliseconds.
		LocalStamps: true,
		Now:         cfg.Now,
	})
	c.budget = newBudget(cfg.Info.Name, c.clock.ServerNow)
	rc := rest.Config{
		Venue: venueName, BaseURL: cfg.BaseURL, HTTP: cfg.HTTP,
		Header: http.Header{"Accept": {"application/json"}, "User-Agent": {"vigil"}},
		Clock:  c.clock, ServerTime: c.serverTime, Sync: c.resync,
		Budget: c.budget, Replies: replies{c}, Now: cfg.Now, Observer: cfg.Observer,
		// Reads naming the account go as signed requests with nothing
		// signed (see read); the signer refuses an action without a key.
		Signer: wireSigner{c},
	}
	p, err := rest.New(rc)
	if err != nil {
		return nil, err
	}
	c.path, c.hc = p, p.HTTPClient()
	return c, nil
}

var errNoKey = errors.New("no wallet key configured for this account: vigil reads it but signs nothing")

// The nonce window, as the clock's limits.
const (
	nonceAhead  = 24 * time.Hour
	nonceBehind = 24 * time.Hour
)

// Info is static.
func (c *Client) Info() exchange.AccountInfo { return c.info }

// Clock is a snapshot of the offset estimate.
func (c *Client) Clock() exchange.ClockSnapshot { return c.clock.Snapshot() }

// Budget is a snapshot of the limits.
func (c *Client) Budget() exchange.BudgetSnapshot { return c.budget.Snapshot().SortByName() }

// Account is the account's address.
func (c *Client) Account() Address { return c.account }

// Signer is the address vigil signs as ("" without a key).
func (c *Client) Signer() string {
	if c.wallet == nil {
		return ""
	}
	return c.wallet.Address().String()
}

// Nonces is the signer's nonce source (nil without a key).
func (c *Client) Nonces() *Nonces { return c.nonces }

// shown is the account's address as vigil shows it: masked like any key
// id, though an address is public, so no report holds a whole key id.
func (c *Client) shown() string { return rest.MaskKey(c.account.String()) }

// needAccount refuses a read that names the account when there is none.
func (c *Client) needAccount() error {
	if c.account == (Address{}) {
		return errors.New("hyperliquid: no account address (the key id) configured")
	}
	return nil
}

// read posts a read to /info; out receives the JSON answer. account adds
// the account's address as the read's user.
func (c *Client) read(ctx context.Context, body map[string]any, out any, account bool) error {
	typ, _ := body["type"].(string)
	if account {
		if err := c.needAccount(); err != nil {
			return err
		}
		body["user"] = c.account.String()
	}
	b, err := rest.Marshal(body)
	if err != nil {
		return err
	}
	cost := exchange.Cost{Weight: infoWeight(typ), Priority: exchange.Interactive}
	// Signed for the path, though nothing is signed: such a read waits for
	// the clock and the signer's self-test like every request on the
	// account, and goes into the audit trail.
	return c.path.Do(ctx, &rest.Request{Method: http.MethodPost, Path: "/info", Body: b, Kind: rest.JSON, Signed: account, Cost: cost, Tag: typ}, out)
}

// action signs and posts an action (its JSON, keys in the order the
// venue hashes them) to /exchange; op is "place" or "cancel" for those.
func (c *Client) action(ctx context.Context, action []byte, op string, n int, out any) error {
	cost := exchange.Cost{Weight: 1 + n/40, Orders: max(n, 1), Priority: exchange.Trading}
	return c.path.Do(ctx, &rest.Request{Method: http.MethodPost, Path: "/exchange", Body: action, Kind: rest.JSON,
		Signed: true, Op: op, Cost: cost, Tag: "action"}, out)
}

// wireSigner turns the action in the body into the signed request: the
// body sent is the one built from the action's own bytes, the nonce and
// the signature (Suffix.Body), so what is hashed and what is sent are one
// text.
type wireSigner struct{ c *Client }

func (ws wireSigner) Sign(w *rest.Wire) error {
	c := ws.c
	if w.Path != "/exchange" {
		return nil // reads carry no signature
	}
	if c.wallet == nil {
		return errNoKey
	}
	if err := c.checkClock(); err != nil {
		return err
	}
	// Milliseconds of this machine's clock, as every vigil process here
	// stamps them (see Nonces); the clock check above keeps them inside the
	// venue's window.
	n, err := c.nonces.Next(c.now())
	if err != nil {
		return err
	}
	s := Suffix{Nonce: n}
	source := Source(c.mainnet)
	if c.tamper != nil {
		c.tamper(&s, &source)
	}
	packed, err := PackAction(w.Body)
	if err != nil {
		return err
	}
	l := L1{Action: json.RawMessage(w.Body), Suffix: Suffix{Nonce: n}, Source: source}
	l.ConnectionID = ActionHash(packed, s)
	l.Digest = L1Digest(l.ConnectionID, source)
	l.Signature = c.wallet.Sign(l.Digest)
	w.Body = l.Body()
	// What was hashed holds no secret: a refusal shows it beside what the
	// bytes sent rebuild (ExplainSignature).
	w.Prehash = []byte(showInputs(packed, s, source))
	return nil
}

// checkClock refuses to sign with a local clock so far off the venue's
// that the nonce would fall outside its window.
func (c *Client) checkClock() error {
	snap := c.clock.Snapshot()
	if !snap.Synced {
		return nil // ClockReady has a sample; an invalidated one is re-measured by the path
	}
	if off := snap.Offset; off > nonceBehind/2 || -off > nonceAhead/2 {
		return &exchange.ClockError{APIError: &exchange.APIError{Venue: venueName, Code: "clock", Kind: exchange.KindClock,
			Msg:        fmt.Sprintf("this machine's clock is %s off Hyperliquid's", off.Abs().Round(time.Second)),
			AdviceText: "Hyperliquid takes a nonce only within a day of its own time, and vigil's nonces are this machine's milliseconds: set this machine's clock (NTP) before trading."}}
	}
	return nil
}

// replies reads Hyperliquid's answers: /info answers its JSON with HTTP
// 200; /exchange answers {"status":"ok"|"err","response":…} with HTTP 200,
// an order's own error inside statuses[].
type replies struct{ c *Client }

// Observe keeps the Date header of a clock probe's answer (see
// serverTime).
func (v replies) Observe(r *rest.Request, h http.Header, _ time.Time) {
	if p, ok := r.Tag.(*probe); ok {
		p.date = h.Get("Date")
	}
}

// probe is a clock probe's request note: the answer's Date header.
type probe struct{ date string }

func (v replies) Unwrap(rep *rest.Reply) ([]byte, *rest.Refusal) {
	c := v.c
	if rep.Status == http.StatusTooManyRequests {
		return nil, c.throttled(rep)
	}
	if !rep.OK() || !json.Valid(rep.Body) {
		return nil, c.undecodable(rep)
	}
	if rep.Request.Path != "/exchange" {
		return rep.Body, nil
	}
	var env struct {
		Status   string          `json:"status"`
		Response json.RawMessage `json:"response"`
	}
	if err := json.Unmarshal(rep.Body, &env); err != nil || env.Status == "" {
		return nil, c.undecodable(rep)
	}
	if env.Status != "ok" {
		var msg string
		if json.Unmarshal(env.Response, &msg) != nil {
			msg = string(env.Response)
		}
		return nil, c.apiError(rep, msg)
	}
	// One order or cancel: its own error is the request's.
	var res struct {
		Data struct {
			Statuses []json.RawMessage `json:"statuses"`
		} `json:"data"`
	}
	if json.Unmarshal(env.Response, &res) == nil && len(res.Data.Statuses) == 1 {
		var st struct {
			Error *string `json:"error"`
		}
		if json.Unmarshal(res.Data.Statuses[0], &st) == nil && st.Error != nil {
			return nil, c.apiError(rep, *st.Error)
		}
	}
	return env.Response, nil
}

// SyncClock samples the venue's time.
func (c *Client) SyncClock(ctx context.Context) error {
	err := c.clock.Sync(ctx, 5, c.serverTime)
	c.clock.SetError(err)
	return err
}

// serverTime reads the time Hyperliquid stamps on a book (l2Book's time,
// ms: the block's), the cheapest read (weight 2) that carries one; an
// answer without it falls back on the HTTP Date header, whole seconds, read
// as the middle of its second. There is no time endpoint.
func (c *Client) serverTime(ctx context.Context) (time.Time, error) {
	var book struct {
		Time *int64 `json:"time"`
	}
	b, err := rest.Marshal(map[string]any{"type": "l2Book", "coin": c.clockCoin()})
	if err != nil {
		return time.Time{}, err
	}
	p := &probe{}
	cost := exchange.Cost{Weight: infoWeight("l2Book"), Priority: exchange.Interactive}
	if err := c.path.Do(ctx, &rest.Request{Method: http.MethodPost, Path: "/info", Body: b, Kind: rest.JSON, Cost: cost, Tag: p}, &book); err != nil {
		return time.Time{}, err
	}
	if book.Time != nil && *book.Time > 0 {
		return time.UnixMilli(*book.Time), nil
	}
	if d, err := http.ParseTime(p.date); err == nil {
		return d.Add(500 * time.Millisecond), nil
	}
	return time.Time{}, errors.New("hyperliquid: l2Book carries no time, and the answer no Date header")
}

// clockCoin is the coin whose book stamps the time: BTC is listed on both
// networks.
func (c *Client) clockCoin() string { return "BTC" }

// resync follows a refused nonce: measure the clock again, and move the
// floor a second past both clocks' milliseconds (another program signed
// as this wallet with a higher nonce).
func (c *Client) resync(ctx context.Context) error {
	err := c.SyncClock(ctx)
	if c.nonces != nil {
		ahead := max(c.now().UnixMilli(), c.clock.ServerNow().UnixMilli()) + time.Second.Milliseconds()
		if ferr := c.nonces.Above(uint64(ahead)); ferr != nil {
			return errors.Join(err, ferr)
		}
	}
	return err
}
