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

func init() { rest.RegisterSelfTest(venueName, selfTestVectors) }

// selfTestVectors signs every Bybit vector through the client's own
// request path, as a request is signed and sent.
func selfTestVectors() ([]rest.SelfVector, error) {
	vs, err := rest.ParseSigningVectors(signingVectors, venueName)
	if err != nil {
		return nil, err
	}
	out := make([]rest.SelfVector, 0, len(vs))
	for _, v := range vs {
		out = append(out, rest.SelfVector{Name: v.Name, Run: func() (string, string, error) {
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
		}})
	}
	return out, nil
}
