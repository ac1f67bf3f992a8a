package simhttp

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/sim"
)

// Kit is what a venue-neutral test (the crash test, the whole-program
// test) needs to trade through a venue's real client against its fake:
// each exchange/<venue>/<venue>test exports one, and such a test ranges
// over them, so it names no venue's paths or wire format.
type Kit struct {
	// Venue is the venue as a config names it.
	Venue string
	// Symbol is BTC against USDT in the venue's spelling.
	Symbol string
	// Place and Cancel are the operations ("METHOD /path") that place and
	// cancel one order: where a test holds, kills or counts.
	Place, Cancel string
	// Start runs a fake that does not listen: mount its Handler.
	Start func(KitConfig) *KitFake
}

// KitConfig configures a Kit's fake.
type KitConfig struct {
	// Sim is the exchange served; nil: a fresh one listing the venue's
	// default symbols.
	Sim *sim.Exchange
	// ClientIP says who is calling; nil: RemoteIP.
	ClientIP func(*http.Request) string
	// Unlimited lifts the venue's rate limits, for tests about something
	// else that send more than a trader would.
	Unlimited bool
}

// KitFake is a running fake, seen venue-neutrally.
type KitFake struct {
	// Handler serves REST and the private WebSocket at WSPath.
	Handler http.Handler
	WSPath  string
	Sim     *sim.Exchange
	// AddKey registers a key that reads and trades on account (testnet or
	// demo, any IP) and returns what a vault holds for it: the key id, the
	// HMAC secret and the venue's other credentials by their vault names.
	AddKey func(account string) (id, secret string, fields map[string]string)
	// Accepted counts the requests to op (as Kit.Place) the venue took.
	Accepted func(op string) int
	// Orders is every order of account as the venue reports it: the sim's
	// statuses through the venue's wire (a venue without EXPIRED says
	// CANCELED), what a journal kept by its client must agree with.
	Orders func(account string) []exchange.Order
	// Close ends hanging requests and WebSockets.
	Close func()
}

// CountAccepted counts the logged requests to op that accepted reports
// taken: a venue's Accepted over its log.
func (f *Fake[C]) CountAccepted(op string, accepted func(Record[C]) bool) int {
	return f.CountLog(func(r Record[C]) bool { return r.Method+" "+r.Path == op && accepted(r) })
}

// KitKey is n hex characters (n ≤ 64) derived from seed: key ids and
// secrets for Kit fakes, the same on every run, not a secret.
func KitKey(seed string, n int) string {
	sum := sha256.Sum256([]byte(seed))
	return hex.EncodeToString(sum[:])[:n]
}

// Reported is x's orders of account with each status as report says the
// venue's wire shows it.
func Reported(x *sim.Exchange, account string, report func(exchange.Order) exchange.OrderStatus) []exchange.Order {
	os := x.Orders(account)
	for i := range os {
		os[i].Status = report(os[i])
	}
	return os
}
