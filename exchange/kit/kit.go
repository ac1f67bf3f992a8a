// Package kit is what a venue package tells the rest of vigil about itself:
// its networks and the hosts that mean real money, the credentials a key
// needs, how to open a client for an account, and the fake it runs for the
// demo and the tests. Each exchange/<venue> exports one Descriptor; package
// venues lists them. config, `vigil keys`, connect, the demo and `vigil
// check` read descriptors and never a venue's name, so a new venue is one
// package and one line in that list.
package kit

import (
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/rest"
	"github.com/vigil-trade/vigil/exchange/sim"
	"github.com/vigil-trade/vigil/exchange/sim/simhttp"
)

// Descriptor describes one venue.
type Descriptor struct {
	// Name is how a config and the command line spell the venue: lower
	// case letters, e.g. venue = "name".
	Name string
	// Title is the venue as people name it ("Example Spot").
	Title string

	// Networks the venue runs, each with its default endpoints. A venue
	// without a test network lists mainnet only: an account on it can only
	// be a mainnet account.
	Networks []Network
	// MainnetHost reports whether host is one of the venue's production
	// hosts, where orders move real money whatever the client sends:
	// config refuses it under network = "testnet", for any venue, since
	// another venue's production is no testnet either. (A venue whose test
	// network shares its production REST hosts names only the hosts that
	// tell the two apart.)
	MainnetHost func(host string) bool

	// Schemes vigil can sign with, the default first.
	Schemes []Scheme
	// KeyID says what the venue's key id looks like, for prompts.
	KeyID string
	// Fields are credentials beyond the key id and the scheme's signing
	// material (an API passphrase, say), stored by name in the vault.
	Fields []Field

	// ClientID is how order ids this venue accepts are made and checked;
	// the journal keeps each id exactly as sent.
	ClientID exchange.ClientIDPolicy
	// Kinds of instrument the venue trades through vigil.
	Kinds []exchange.InstrumentKind
	// SymbolHint is a symbol in the venue's spelling, for prompts and
	// hints ("BTCUSDT", "BTC-USDT").
	SymbolHint string
	// RateTiers are the tiers an account's rate_tier may name, at a venue
	// whose limits depend on a tier it may not reveal; the first is the
	// default. None: the venue takes no rate_tier.
	RateTiers []string
	// CancelOnDisconnect: the venue can cancel an account's open orders
	// when its private stream drops, and does when the account's
	// cancel_on_disconnect asks (config refuses it for the others).
	CancelOnDisconnect bool

	// Describe, when set, says what a key is before `vigil keys add`
	// stores it, one line each (the address a wallet's key signs as, and
	// whether that key can withdraw); its error refuses the key. It does
	// no I/O. Nil: the key id says enough.
	Describe func(Credentials) ([]string, error)

	// Open builds a client for one account. It does no I/O.
	Open func(Params) (exchange.Venue, error)
	// Fake starts the venue's fake on loopback over a simulated exchange,
	// for the demo and the tests.
	Fake func(FakeConfig) (*Fake, error)
	// Demo lists the keys the demo opens on the fake by default (at least
	// one); extra demo accounts use the first scheme.
	Demo []DemoKey
	// TestKit is the fake as the whole-program tests drive it (the crash
	// tests, the cockpit program test): they run over every listed venue's
	// kit, so a new venue is covered by them from its registration.
	TestKit func() simhttp.Kit
}

// Network is one of a venue's networks with its default endpoints.
type Network struct {
	Network exchange.Network
	// REST is the default REST base URL; "" for a network with no public
	// host (a venue's test network reachable only on request, or through
	// its fake): an account on it must name rest_url, and Note says why.
	REST string
	WS   string // default private WebSocket URL; "" when there is none
	// Note is said where the network is chosen ("demo trading: …").
	Note string
}

// Material is what a scheme signs with, which decides how `vigil keys add`
// reads it.
type Material string

const (
	// HMACSecret is a shared secret the venue showed once.
	HMACSecret Material = "hmac-secret"
	// Ed25519PEM is an Ed25519 private key, PKCS#8 PEM; vigil can make one.
	Ed25519PEM Material = "ed25519-pem"
	// ECPEM is an EC (P-256) or Ed25519 private key in PEM, as a venue issues it.
	ECPEM Material = "ec-pem"
	// Secp256k1Hex is a wallet's private key, 32 bytes in hex.
	Secp256k1Hex Material = "secp256k1-hex"
)

// Scheme is one way of signing a venue accepts.
type Scheme struct {
	Scheme   exchange.Scheme
	Material Material
	// Recommended, when set, says why vigil advises this scheme over the
	// venue's others.
	Recommended string
}

// Field is one named credential.
type Field struct {
	Name   string // vault name, lower case: "passphrase"
	Prompt string // "API passphrase"
	// Secret fields are never echoed, shown or logged; others (a wallet
	// address) are shown masked like a key id.
	Secret bool
	// Why the venue needs it: said when it is missing.
	Why string
}

// Credentials are an account's key as the client signs with it.
type Credentials struct {
	KeyID  string
	Scheme exchange.Scheme
	Secret crypto.Secret
	Fields map[string]crypto.Secret
}

// Field returns the named field; a zero Secret when unset.
func (c Credentials) Field(name string) crypto.Secret { return c.Fields[name] }

// Params is what Open gets for one account.
type Params struct {
	// Info is the account as the client reports it; Info.REST and
	// Info.Network say where to send.
	Info  exchange.AccountInfo
	Creds Credentials
	// REST and WS are the endpoints: the config's overrides, else the
	// network's defaults.
	REST, WS   string
	RecvWindow time.Duration // the account's receive window; 0: the venue's default
	RateTier   string        // the account's rate_tier, one of RateTiers; "": the default
	// CancelOnDisconnect is the account's cancel_on_disconnect: the venue
	// (one whose descriptor says it can) is asked to cancel the account's
	// orders when the private stream drops.
	CancelOnDisconnect bool
	// DataDir is the config's data_dir: where a venue keeps what every
	// vigil process using the config must share (a nonce floor per key);
	// "": nothing is shared beyond the process (the demo's own clients).
	DataDir    string
	HTTPClient *http.Client // nil: the client builds its own
	Now        func() time.Time
	Logger     *slog.Logger
	// Observer sees every signed request the client sends (the audit
	// trail); a venue passes it on with rest.WithObserver.
	Observer rest.Observer
}

// Settings are the parameters every client built on the request path
// takes, for rest.WithSettings.
func (p Params) Settings() rest.Settings {
	return rest.Settings{Info: p.Info, BaseURL: p.REST, WSURL: p.WS, HTTP: p.HTTPClient, Now: p.Now, Observer: p.Observer}
}

// FakeConfig configures a fake for the demo.
type FakeConfig struct {
	Seed uint64
}

// Fake is a venue's fake, running.
type Fake struct {
	Sim *sim.Exchange
	// REST and WS are where the fake listens.
	REST, WS string
	// Markets are the fake's two demo markets in the venue's spelling: a
	// BTC one and an ETH one, both quoted in USDT.
	Markets [2]string
	// Skew is the fake's own clock offset, before any the demo adds.
	Skew time.Duration
	// AddKey registers a new key for account on the fake, with permission
	// to read and trade and none to withdraw, and returns its credentials.
	AddKey func(account string, scheme exchange.Scheme, created time.Time) (Credentials, error)
	// Refusals counts the requests the fake refused for their timestamp.
	Refusals func() int
	// DropStreams cuts every private stream; nil when the venue has none.
	DropStreams func()
	Close       func()
}

// DemoKey is one of the demo's default keys on a venue.
type DemoKey struct {
	Suffix string // appended to "demo-<venue>": "" or "-ed"
	Scheme exchange.Scheme
	// LocalClock shifts the client's local clock, so the clock pane shows
	// two offsets for one venue.
	LocalClock time.Duration
	// Age is how long ago the demo pretends the key was made.
	Age time.Duration
}

// Scheme returns the descriptor's scheme s.
func (d *Descriptor) Scheme(s exchange.Scheme) (Scheme, bool) {
	i := slices.IndexFunc(d.Schemes, func(x Scheme) bool { return x.Scheme == s })
	if i < 0 {
		return Scheme{}, false
	}
	return d.Schemes[i], true
}

// DefaultScheme is the first scheme listed.
func (d *Descriptor) DefaultScheme() Scheme { return d.Schemes[0] }

// Recommended is the scheme vigil advises, if any.
func (d *Descriptor) Recommended() (Scheme, bool) {
	for _, s := range d.Schemes {
		if s.Recommended != "" {
			return s, true
		}
	}
	return Scheme{}, false
}

// SchemeNames lists the schemes, default first.
func (d *Descriptor) SchemeNames() []string {
	out := make([]string, len(d.Schemes))
	for i, s := range d.Schemes {
		out[i] = string(s.Scheme)
	}
	return out
}

// Network returns the venue's network n.
func (d *Descriptor) Network(n exchange.Network) (Network, bool) {
	i := slices.IndexFunc(d.Networks, func(x Network) bool { return x.Network == n })
	if i < 0 {
		return Network{}, false
	}
	return d.Networks[i], true
}

// Check reports what is wrong with a descriptor, so a venue package's own
// test (and the list's) catches a half-filled one before a user does.
func (d *Descriptor) Check() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if d.Name == "" || strings.ToLower(d.Name) != d.Name || strings.ContainsAny(d.Name, " \t-_.") {
		bad("name %q: want lower-case letters and digits", d.Name)
	}
	if d.Title == "" {
		bad("no title")
	}
	if len(d.Networks) == 0 {
		bad("no networks")
	}
	for _, n := range d.Networks {
		if n.Network != exchange.Testnet && n.Network != exchange.Mainnet {
			bad("network %q", n.Network)
		}
		if n.REST == "" && n.Note == "" {
			bad("%s: no REST URL, and no Note saying where an account finds one", n.Network)
		}
	}
	if d.MainnetHost == nil {
		bad("no MainnetHost")
	}
	if len(d.Schemes) == 0 {
		bad("no schemes")
	}
	for _, f := range d.Fields {
		if f.Name == "" || strings.ToLower(f.Name) != f.Name || f.Prompt == "" {
			bad("field %q: want a lower-case name and a prompt", f.Name)
		}
	}
	if len(d.Kinds) == 0 {
		bad("no instrument kinds")
	}
	if d.SymbolHint == "" {
		bad("no symbol hint")
	}
	if d.Open == nil {
		bad("no Open")
	}
	if d.Fake == nil {
		bad("no Fake")
	}
	if len(d.Demo) == 0 {
		bad("no demo keys")
	}
	for _, k := range d.Demo {
		if _, ok := d.Scheme(k.Scheme); !ok {
			bad("demo key %q: scheme %q not listed", k.Suffix, k.Scheme)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("venue descriptor %q: %w", d.Name, err)
	}
	return nil
}

// MissingField returns the first field creds lack, if any.
func (d *Descriptor) MissingField(creds Credentials) (Field, bool) {
	for _, f := range d.Fields {
		if creds.Field(f.Name).IsZero() {
			return f, true
		}
	}
	return Field{}, false
}

// AddMarkets lists on x the specs named, in that order, out of a fake's
// default symbols: the demo trades two markets, whatever else a fake
// lists.
func AddMarkets(x *sim.Exchange, specs []sim.SymbolSpec, names ...string) error {
	for _, n := range names {
		i := slices.IndexFunc(specs, func(s sim.SymbolSpec) bool { return s.Rules.Symbol == n })
		if i < 0 {
			return fmt.Errorf("fake lists no symbol %q", n)
		}
		if err := x.AddSymbol(specs[i]); err != nil {
			return err
		}
	}
	return nil
}

// RandomID is n characters of [A-Za-z0-9], for fake key ids and secrets.
func RandomID(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// SimSpec is how a venue's fake for the demo sets up its simulated
// exchange: the two demo markets out of the fake's symbols, a clock off by
// Skew (and drifting by Drift an hour), and a latency each way.
type SimSpec struct {
	Symbols           []sim.SymbolSpec
	Markets           [2]string
	Skew, Drift       time.Duration
	Request, Response sim.Leg
}

// NewSim builds the simulated exchange spec describes, seeded by cfg.
func NewSim(cfg FakeConfig, spec SimSpec) (*sim.Exchange, error) {
	x := sim.New(sim.WithSeed(cfg.Seed))
	if err := AddMarkets(x, spec.Symbols, spec.Markets[:]...); err != nil {
		return nil, err
	}
	x.SetSkew(spec.Skew)
	if spec.Drift != 0 {
		x.SetDrift(spec.Drift)
	}
	x.SetLatency(sim.LatencyConfig{Request: spec.Request, Response: spec.Response})
	return x, nil
}
