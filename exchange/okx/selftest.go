package okx

import (
	_ "embed"
	"time"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/rest"
)

// signingVectors is the shared vectors file, embedded so the signer checks
// itself in the binary a trader runs, not only in this package's tests.
//
//go:embed testdata/signing.json
var signingVectors []byte

func init() { rest.RegisterVectors(venueName, signingVectors, checkVector) }

// checkVector signs an OKX vector through the client's own request
// path, as a request is signed and sent.
func checkVector(v rest.SigningVector) (string, string, error) {
	stamp, err := time.Parse(time.RFC3339Nano, v.Headers[HeaderTimestamp])
	if err != nil {
		return "", "", err
	}
	sec, pass := crypto.NewSecret([]byte(v.Secret)), crypto.NewSecret([]byte(v.APIPassphrase))
	defer sec.Wipe()
	defer pass.Wipe()
	c, err := New(WithBaseURL("https://selftest.invalid"), WithNetwork(exchange.Mainnet), WithKey(v.KeyID, sec, pass))
	if err != nil {
		return "", "", err
	}
	r := &request{method: v.Method, path: v.Path, query: rest.ParamsOf([]byte(v.QuerySent)), signed: true}
	if v.BodySent != "" {
		r.body = []byte(v.BodySent)
	}
	return rest.CheckBuilt(c.path, c.restRequest(r), stamp, v, HeaderSign)
}
