// Package coinbasetest is a fake Coinbase Advanced Trade API (REST and the
// user channel) over exchange/sim, for tests and the demo: the testnet
// Coinbase does not have (its sandbox is a static mock that checks no key).
//
// It checks tokens as Coinbase does, independently of the client in
// exchange/coinbase: a CDP key's JWT (ES256 or EdDSA) in
// Authorization: Bearer, its signature with the key's public key, kid and
// sub naming a known key, nbf not after the fake's clock, exp not before
// it, and for REST a uri that names the request's method, host and path.
// Any of those failing is a bare 401 ("Unauthorized"), as Coinbase
// answers; the log records which (unauthorized:time, :uri, :kid,
// :signature, :claims). A legacy HMAC key's CB-ACCESS-* headers are
// checked too. Private requests are counted per key, 30 a second, with the
// x-ratelimit-* headers on each answer.
//
// Products are spelt BTC-USDT; order ids are the simulated exchange's.
// client_order_id is idempotent: an id seen before returns its order.
//
// Not modelled: portfolios, preview, edit, fills, stop and bracket
// orders, quote-sized orders, the market-data channels and futures.
package coinbasetest

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/sim"
	"github.com/vigil-trade/vigil/exchange/sim/simhttp"
)

// DefaultAccount is the sim account keys trade unless Perms.Account says
// otherwise.
const DefaultAccount = "main"

// WSPath is where the user channel is served.
const WSPath = "/ws/user"

// Prefix is every Advanced Trade path's.
const Prefix = "/api/v3/brokerage"

// Perms are what one key may do.
type Perms struct {
	Account  string // "": DefaultAccount
	ReadOnly bool   // view only: no trade
	Transfer bool   // can_transfer
	// IPs is the allow-list; empty: any address.
	IPs     []string
	Created time.Time
}

type apiKey struct {
	name   string
	scheme exchange.Scheme
	pub    any    // *ecdsa.PublicKey or ed25519.PublicKey
	secret []byte // a legacy key's HMAC secret
	perms  Perms
}

// Option configures a Server.
type Option func(*Server)

// WithSim serves an existing simulated exchange.
func WithSim(x *sim.Exchange) Option { return func(s *Server) { s.sim = x } }

// WithClientIP overrides how the fake learns the caller's IP.
func WithClientIP(fn func(*http.Request) string) Option { return func(s *Server) { s.clientIP = fn } }

// Unlimited lifts the rate limit.
func Unlimited() Option { return func(s *Server) { s.unlimited = true } }

// Server is the fake.
type Server struct {
	simhttp.Fake[string]

	sim       *sim.Exchange
	clientIP  func(*http.Request) string
	unlimited bool
	rolling   simhttp.Rolling
	keys      simhttp.Keys[*apiKey]
}

// New returns a fake that does not listen; mount Handler where needed.
func New(opts ...Option) *Server {
	s := &Server{}
	for _, o := range opts {
		o(s)
	}
	s.Init(simhttp.Config[string]{
		Sim:         s.sim,
		ClientIP:    s.clientIP,
		Serves:      func(op string) bool { _, ok := route(op); return ok },
		NotFound:    notFound,
		Handle:      s.handle,
		ServerError: serverError,
		GarbledCode: "garbled",
		DroppedCode: "dropped",
		GarbleStub:  `{"error":`,
		Symbols:     DefaultSymbols,
		WSPath:      WSPath,
		ServeWS:     s.serveWS,
	})
	s.sim = s.Sim()
	return s
}

// NewServer starts a fake on a loopback port.
func NewServer(opts ...Option) *Server { return simhttp.Listening(New(opts...)) }

// AddKey registers a key under its name: for es256 and ed25519 the
// private key as Coinbase hands it out (its public half is what the fake
// keeps), for hmac the legacy secret.
func (s *Server) AddKey(name string, scheme exchange.Scheme, secret string, perms Perms) error {
	k := &apiKey{name: name, scheme: scheme}
	switch scheme {
	case exchange.SchemeES256:
		block, _ := pem.Decode([]byte(secret))
		if block == nil {
			return errors.New("coinbasetest: an ES256 key is a PEM block")
		}
		ec, err := x509.ParseECPrivateKey(block.Bytes)
		if err != nil {
			pk, err2 := x509.ParsePKCS8PrivateKey(block.Bytes)
			var ok bool
			if ec, ok = pk.(*ecdsa.PrivateKey); err2 != nil || !ok {
				return errors.New("coinbasetest: not an EC private key")
			}
		}
		k.pub = &ec.PublicKey
	case exchange.SchemeEd25519:
		b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(secret))
		if err != nil || (len(b) != ed25519.PrivateKeySize && len(b) != ed25519.SeedSize) {
			return errors.New("coinbasetest: an Ed25519 key is 32 or 64 bytes in base64")
		}
		k.pub = ed25519.NewKeyFromSeed(b[:ed25519.SeedSize]).Public()
	case exchange.SchemeHMAC:
		k.secret = []byte(secret)
	default:
		return fmt.Errorf("coinbasetest: scheme %q", scheme)
	}
	if perms.Account == "" {
		perms.Account = DefaultAccount
	}
	if perms.Created.IsZero() {
		perms.Created = s.sim.Now()
	}
	perms.IPs = append([]string(nil), perms.IPs...)
	k.perms = perms
	s.sim.AddAccount(perms.Account)
	s.keys.Add(name, k)
	return nil
}

// RemoveKey deletes a key, as a user would in the CDP portal.
func (s *Server) RemoveKey(name string) { s.keys.Remove(name) }

// NewKey makes a fresh key of scheme, registers it and returns its name
// and private key as Coinbase shows them.
func (s *Server) NewKey(account string, scheme exchange.Scheme, perms Perms) (name, secret string, err error) {
	seed := make([]byte, 32)
	_, _ = rand.Read(seed)
	name, secret, err = KeyFor(hex.EncodeToString(seed), scheme)
	if err != nil {
		return "", "", err
	}
	perms.Account = account
	return name, secret, s.AddKey(name, scheme, secret, perms)
}

// KeyFor is a key derived from seed, the same on every run (not a
// secret): a CDP key name and an EC P-256 PEM or an Ed25519 base64 key,
// or a legacy key id and secret.
func KeyFor(seed string, scheme exchange.Scheme) (name, secret string, err error) {
	sum := sha256.Sum256([]byte(seed))
	id := func(b []byte) string {
		h := hex.EncodeToString(b)
		return h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-8" + h[17:20] + "-" + h[20:32]
	}
	org := sha256.Sum256([]byte("org " + seed))
	name = "organizations/" + id(org[:16]) + "/apiKeys/" + id(sum[16:])
	switch scheme {
	case exchange.SchemeES256:
		scalar := sum
		for {
			k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), scalar[:])
			if err == nil {
				der, err := x509.MarshalECPrivateKey(k)
				if err != nil {
					return "", "", err
				}
				return name, string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})), nil
			}
			scalar = sha256.Sum256(scalar[:])
		}
	case exchange.SchemeEd25519:
		priv := ed25519.NewKeyFromSeed(sum[:])
		// An Ed25519 key is named by its id alone.
		return id(sum[16:]), base64.StdEncoding.EncodeToString(priv), nil
	case exchange.SchemeHMAC:
		return hex.EncodeToString(sum[:8]), base64.StdEncoding.EncodeToString(sum[:]), nil
	}
	return "", "", fmt.Errorf("coinbasetest: scheme %q", scheme)
}

// Request is one request the fake saw.
type Request struct {
	Time     time.Time
	Method   string
	Path     string
	IP       string
	Status   int
	Code     string // "unauthorized:time", "NOT_FOUND", "INVALID_PRICE_PRECISION", …; "" when none
	Accepted bool
	Fault    sim.FaultKind
}

// Requests is every REST request seen so far, oldest first.
func (s *Server) Requests() []Request {
	log := s.Log()
	out := make([]Request, len(log))
	for i, r := range log {
		out[i] = Request{Time: r.Time, Method: r.Method, Path: r.Path, IP: r.IP, Status: r.Status,
			Code: r.Code, Accepted: r.Status == http.StatusOK && r.Code == "", Fault: r.Fault}
	}
	return out
}

// CodeTime is what the log records for a token refused for its time.
const CodeTime = "unauthorized:time"

// TimeRefusals counts tokens refused for their time (nbf ahead of the
// fake's clock, or exp behind it).
func (s *Server) TimeRefusals() int {
	return s.CountLog(func(r simhttp.Record[string]) bool { return r.Code == CodeTime })
}

func notFound() *simhttp.Reply[string] {
	rp := simhttp.Text[string](http.StatusNotFound, "text/plain; charset=utf-8", "404 page not found\n")
	rp.Code = "404"
	return rp
}

// serverError is Coinbase's edge failing: a short HTML page.
func serverError(status int, _ *simhttp.Reply[string]) *simhttp.Reply[string] {
	if status == 0 {
		status = http.StatusInternalServerError
	}
	rp := simhttp.EdgePage[string](status)
	rp.Code = "edge"
	return rp
}
