package bybit

import (
	_ "embed"
	"fmt"
	"strconv"
	"time"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange/rest"
)

// signingVectors is the shared vectors file, embedded so the signer checks
// itself in the binary a trader runs, not only in this package's tests.
//
//go:embed testdata/signing.json
var signingVectors []byte

func init() { rest.RegisterVectors(venueName, signingVectors, checkVector) }

// checkVector signs a Bybit vector through the client's own
// request path, as a request is signed and sent.
func checkVector(v rest.SigningVector) (string, string, error) {
	rw, err := strconv.ParseInt(v.Headers[HeaderRecvWindow], 10, 64)
	if err != nil {
		return "", "", fmt.Errorf("recv window %q", v.Headers[HeaderRecvWindow])
	}
	ms, err := strconv.ParseInt(v.Headers[HeaderTimestamp], 10, 64)
	if err != nil {
		return "", "", fmt.Errorf("timestamp %q", v.Headers[HeaderTimestamp])
	}
	sec := crypto.NewSecret([]byte(v.Secret))
	defer sec.Wipe()
	c, err := New(WithBaseURL("https://selftest.invalid"), WithKey(v.KeyID, sec), WithRecvWindow(time.Duration(rw)*time.Millisecond))
	if err != nil {
		return "", "", err
	}
	r := &request{method: v.Method, path: v.Path, query: rest.ParamsOf([]byte(v.QuerySent)), signed: true}
	if v.BodySent != "" {
		r.body = []byte(v.BodySent)
	}
	return rest.CheckBuilt(c.path, c.restRequest(r), time.UnixMilli(ms), v, HeaderSign)
}
