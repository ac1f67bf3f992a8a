package demo

import (
	"time"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
)

// Account is what another process needs to reach one demo account over
// loopback: where the fake listens and the key it accepts. `vigil demo
// serve` writes these into a config and a vault so a separate `vigil`
// (order, check, the cockpit) talks to the same fakes through the same code
// as against a real venue.
//
// The key is the demo's own, generated at Start; it opens nothing but the
// fake venue it came from, and dies with it.
type Account struct {
	Name    string // the account name, also used as its vault label
	Venue   string // the venue's config name
	Network exchange.Network
	BaseURL string // REST base URL of the fake
	WSURL   string // WebSocket URL of the fake
	Symbols []string
	KeyID   string
	Scheme  exchange.Scheme
	// Secret is what the scheme signs with; Fields the venue's other
	// credentials, by name.
	Secret  crypto.Secret
	Fields  map[string]crypto.Secret
	Created time.Time
}

// Wipe clears the account's secrets.
func (a Account) Wipe() {
	a.Secret.Wipe()
	for _, f := range a.Fields {
		f.Wipe()
	}
}

// Accounts lists every demo account with its credentials, in venue order.
// The secrets are copies: wiping them leaves the demo's own clients working.
func (d *Demo) Accounts() []Account {
	var out []Account
	for _, k := range d.kits {
		for _, a := range k.accounts {
			a.Network = exchange.Testnet
			a.Symbols = []string{k.btc, k.eth}
			a.Secret = crypto.NewSecret(a.Secret.Bytes())
			fields := make(map[string]crypto.Secret, len(a.Fields))
			for name, f := range a.Fields {
				fields[name] = crypto.NewSecret(f.Bytes())
			}
			a.Fields = fields
			out = append(out, a)
		}
	}
	return out
}
