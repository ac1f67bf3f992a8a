// Package connect turns configuration into live venue clients: one
// exchange.Venue per [[accounts]] entry, with its key taken from the
// unlocked vault, each built by its venue's descriptor (package venues).
package connect

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/vigil-trade/vigil/config"
	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/kit"
	restpath "github.com/vigil-trade/vigil/exchange/rest"
	"github.com/vigil-trade/vigil/exchange/venues"
)

// Option configures Open.
type Option func(*options)

type options struct {
	hc   *http.Client
	now  func() time.Time
	log  *slog.Logger
	only map[string]bool
	obs  func(exchange.AccountInfo) restpath.Observer
	data string // the config's data_dir, for kit.Params.DataDir
}

// WithHTTPClient makes every client use hc (tests, proxies). Without it each
// client builds its own pooled transport.
func WithHTTPClient(hc *http.Client) Option { return func(o *options) { o.hc = hc } }

// WithNow sets the local clock the clients stamp and estimate with.
func WithNow(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithLogger sets the logger of the clients that take one.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// WithObserver gives each account's client the observer obs returns for
// it (nil: none): how the audit trail sees every signed request.
func WithObserver(obs func(exchange.AccountInfo) restpath.Observer) Option {
	return func(o *options) { o.obs = obs }
}

// WithAccounts builds only the named accounts; a name the config does not
// have is an error.
func WithAccounts(names ...string) Option {
	return func(o *options) {
		if o.only == nil {
			o.only = map[string]bool{}
		}
		for _, n := range names {
			o.only[n] = true
		}
	}
}

// Error is a problem with one account: what is wrong and how to fix it.
type Error struct {
	Account string
	Line    int // the account's [[accounts]] line in the config, 0 if unknown
	Err     error
	Fix     string
}

func (e *Error) Error() string { return "account " + e.Account + ": " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Advice is the command or edit that fixes the problem.
func (e *Error) Advice() string { return e.Fix }

// Open builds a client for every account in cfg (or those WithAccounts
// names), in config order. Every account is checked before anything is
// returned: the error joins one *Error per bad account, and no client is
// left open.
//
// The clients share key material with vault: wipe the vault only after the
// venues are done with, or they will sign with empty secrets.
func Open(ctx context.Context, cfg *config.Config, vault *crypto.Vault, opts ...Option) ([]exchange.Venue, error) {
	o := options{data: cfg.DataDir}
	for _, opt := range opts {
		opt(&o)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for name := range o.only {
		if _, ok := cfg.Account(name); !ok {
			return nil, &Error{Account: name, Err: errors.New("not in the config"),
				Fix: "accounts in " + cfg.Path + ": " + accountNames(cfg)}
		}
	}
	var (
		venues []exchange.Venue
		errs   []error
	)
	for _, a := range cfg.Accounts {
		if o.only != nil && !o.only[a.Name] {
			continue
		}
		v, err := account(a, vault, &o)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		venues = append(venues, v)
	}
	if len(errs) > 0 {
		Close(venues)
		return nil, errors.Join(errs...)
	}
	return venues, nil
}

// Close closes every venue that holds connections.
func Close(venues []exchange.Venue) {
	for _, v := range venues {
		if c, ok := v.(exchange.Closer); ok {
			_ = c.Close()
		}
	}
}

func accountNames(cfg *config.Config) string {
	s := ""
	for i, a := range cfg.Accounts {
		if i > 0 {
			s += ", "
		}
		s += a.Name
	}
	if s == "" {
		return "(none)"
	}
	return s
}

// RecommendedScheme is the key type vigil advises for venue, and why; ""
// when the venue offers no better choice than what it has.
func RecommendedScheme(venue string) (exchange.Scheme, string) {
	d, ok := venues.Lookup(venue)
	if !ok {
		return "", ""
	}
	s, ok := d.Recommended()
	if !ok {
		return "", ""
	}
	return s.Scheme, s.Recommended
}

func account(a config.Account, vault *crypto.Vault, o *options) (exchange.Venue, error) {
	fail := func(fix, format string, args ...any) error {
		return &Error{Account: a.Name, Line: a.Line, Err: fmt.Errorf(format, args...), Fix: fix}
	}
	d, ok := venues.Lookup(a.Venue)
	if !ok {
		return nil, fail("venue = one of "+strings.Join(venues.Names(), ", "), "venue %q is not supported", a.Venue)
	}
	k, ok := vault.Get(a.Key)
	if !ok {
		return nil, fail(fmt.Sprintf("`vigil keys add --venue %s --label %s …`, or set key = to a label `vigil keys list` shows", a.Venue, a.Key),
			"key label %q not in the vault", a.Key)
	}
	if k.Venue != a.Venue {
		return nil, fail(fmt.Sprintf("point the account at a %s key, or add one: `vigil keys add --venue %s --label …`", a.Venue, a.Venue),
			"key %q is a %s key but the account is on %s", a.Key, k.Venue, a.Venue)
	}
	if k.Secret.IsZero() {
		return nil, fail(fmt.Sprintf("`vigil keys rotate %s`", a.Key), "key %q has no secret", a.Key)
	}
	if k.KeyID == "" {
		return nil, fail(fmt.Sprintf("`vigil keys set-id %s KEY_ID`", a.Key), "key %q has no API key id", a.Key)
	}
	scheme := exchange.Scheme(k.Scheme)
	if scheme == "" {
		scheme = d.DefaultScheme().Scheme
	}
	if _, ok := d.Scheme(scheme); !ok {
		return nil, fail(fmt.Sprintf("`vigil keys rotate %s --scheme %s`", a.Key, d.DefaultScheme().Scheme),
			"key %q is a %s key; %s signs with %s", a.Key, scheme, d.Title, strings.Join(d.SchemeNames(), " or "))
	}
	creds := kit.Credentials{KeyID: k.KeyID, Scheme: scheme, Secret: k.Secret, Fields: k.Fields}
	if f, missing := d.MissingField(creds); missing {
		return nil, fail(fmt.Sprintf("%s: `vigil keys rotate %s` asks for it (with --secret-stdin: the secret on line 1, then one line per field)", f.Why, a.Key),
			"%s key %q has no %s", d.Title, a.Key, f.Prompt)
	}
	network, _ := d.Network(a.Network)
	rest, ws := a.RESTURL, a.WSURL
	if rest == "" {
		rest = network.REST
	}
	// Without a ws_url the client picks its stream: the network's default,
	// or (a venue that can) one derived from an overridden rest_url, so a
	// rest_url alone never pairs a fake or regional REST host with the
	// default stream host.
	if ws == "" && a.RESTURL == "" {
		ws = network.WS
	}
	recv := a.RecvWindow()
	if recv <= 0 {
		recv = time.Duration(config.DefaultRecvWindowMS) * time.Millisecond
	}
	info := exchange.AccountInfo{
		Name:             a.Name,
		Venue:            a.Venue,
		Network:          a.Network,
		Scheme:           scheme,
		KeyID:            crypto.MaskID(k.KeyID),
		MaxOrderNotional: a.MaxOrderNotional,
		AllowMainnet:     a.AllowMainnetOrders,
		ClientID:         d.ClientID,
		// The venue issued a new key at the last rotation, so the current
		// key is as old as its material, not as the label.
		KeyCreated: k.LastChanged(),
	}
	params := kit.Params{
		Info: info, Creds: creds, REST: rest, WS: ws, RecvWindow: recv, RateTier: a.RateTier, CancelOnDisconnect: a.CancelOnDisconnect, DataDir: o.data,
		HTTPClient: o.hc, Now: o.now, Logger: o.log,
	}
	if o.obs != nil {
		params.Observer = o.obs(info)
	}
	v, err := d.Open(params)
	if err != nil {
		return nil, fail(fmt.Sprintf("check the key with `vigil keys list`; replace it with `vigil keys rotate %s`", a.Key), "%v", err)
	}
	return v, nil
}
