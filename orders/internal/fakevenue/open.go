package fakevenue

import (
	"fmt"
	"net/http"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/kit"
	"github.com/vigil-trade/vigil/exchange/venues"
)

// Key is an HMAC key on a venue's fake: its id, secret and the venue's
// other credentials by their vault names.
type Key struct {
	ID, Secret string
	Fields     map[string]string
}

// OpenVenue opens the real client of the venue named (as a config names
// it) for a testnet account, sending to base: the crash tests trade
// through it against the venue's fake. hc nil: the client's own. dataDir
// is the vigil data directory the processes on one key share, as theirs
// would (a venue whose nonces must rise across processes keeps its floor
// there); "" shares nothing.
func OpenVenue(name, base, account string, key Key, hc *http.Client, dataDir string) (exchange.Venue, error) {
	d, ok := venues.Lookup(name)
	if !ok {
		return nil, fmt.Errorf("no venue %q (known: %v)", name, venues.Names())
	}
	// The fake's key is for the venue's first scheme (an HMAC secret, a
	// PEM key or a wallet key, as the venue signs).
	scheme := d.DefaultScheme().Scheme
	creds := kit.Credentials{KeyID: key.ID, Scheme: scheme, Secret: crypto.NewSecret([]byte(key.Secret))}
	for n, v := range key.Fields {
		if creds.Fields == nil {
			creds.Fields = map[string]crypto.Secret{}
		}
		creds.Fields[n] = crypto.NewSecret([]byte(v))
	}
	info := exchange.AccountInfo{Name: account, Venue: name, Network: exchange.Testnet,
		Scheme: scheme, KeyID: crypto.MaskID(key.ID), ClientID: d.ClientID}
	return d.Open(kit.Params{Info: info, Creds: creds, REST: base, HTTPClient: hc, DataDir: dataDir})
}
