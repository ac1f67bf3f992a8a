package rest

import (
	"net/http"
	"time"

	"github.com/vigil-trade/vigil/exchange"
)

// Settings are what every venue client is configured with. A venue's
// config embeds them, and its With* options for them are these helpers
// instantiated for that config, so the options are written once.
type Settings struct {
	Info    exchange.AccountInfo // the account served: name, network, guards
	BaseURL string               // REST base URL ("": the network's default)
	WSURL   string               // private stream URL ("": the network's default)
	HTTP    *http.Client         // nil: NewHTTPClient
	Now     func() time.Time     // the local clock (tests)
	// Observer sees every signed request sent (an audit trail); a venue
	// passes it on as its rest.Config's Observer.
	Observer Observer
}

// Base is how the helpers reach the Settings of a config that embeds them.
func (s *Settings) Base() *Settings { return s }

// Option configures a venue's config C.
type Option[C any] func(*C)

// Configurable is a pointer to a venue's config embedding Settings.
type Configurable[C any] interface {
	*C
	Base() *Settings
}

// WithAccount sets the account the client serves; its venue is the
// client's whatever info says.
func WithAccount[C any, P Configurable[C]](info exchange.AccountInfo) Option[C] {
	return func(c *C) { P(c).Base().Info = info }
}

// WithNetwork selects mainnet or the venue's test environment.
func WithNetwork[C any, P Configurable[C]](n exchange.Network) Option[C] {
	return func(c *C) { P(c).Base().Info.Network = n }
}

// WithBaseURL overrides the REST base URL: a fake, a regional host.
func WithBaseURL[C any, P Configurable[C]](u string) Option[C] {
	return func(c *C) { P(c).Base().BaseURL = u }
}

// WithWSURL overrides the private stream URL.
func WithWSURL[C any, P Configurable[C]](u string) Option[C] {
	return func(c *C) { P(c).Base().WSURL = u }
}

// WithHTTPClient sets the HTTP client (timeouts, transport); whatever it
// is, no redirect is followed.
func WithHTTPClient[C any, P Configurable[C]](hc *http.Client) Option[C] {
	return func(c *C) { P(c).Base().HTTP = hc }
}

// WithNow sets the local clock (tests).
func WithNow[C any, P Configurable[C]](now func() time.Time) Option[C] {
	return func(c *C) { P(c).Base().Now = now }
}

// WithObserver sets the observer of every signed request (see Sent).
func WithObserver[C any, P Configurable[C]](o Observer) Option[C] {
	return func(c *C) { P(c).Base().Observer = o }
}

// WithSettings sets what s gives in one option: the account always, and
// every other field that is set (an empty URL, a nil client or clock keep
// the venue's default). It is how a venue's descriptor hands over an
// account's parameters (kit.Params.Settings) without writing each out.
func WithSettings[C any, P Configurable[C]](s Settings) Option[C] {
	return func(c *C) {
		b := P(c).Base()
		b.Info = s.Info
		if s.BaseURL != "" {
			b.BaseURL = s.BaseURL
		}
		if s.WSURL != "" {
			b.WSURL = s.WSURL
		}
		if s.HTTP != nil {
			b.HTTP = s.HTTP
		}
		if s.Now != nil {
			b.Now = s.Now
		}
		if s.Observer != nil {
			b.Observer = s.Observer
		}
	}
}
