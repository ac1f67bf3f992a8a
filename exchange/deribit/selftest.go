package deribit

import (
	"context"
	_ "embed"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange/rest"
)

// signingVectors is the shared vectors file, embedded so the signer checks
// itself in the binary a trader runs, not only in this package's tests.
//
//go:embed testdata/signing.json
var signingVectors []byte

func init() { rest.RegisterVectors(venueName, signingVectors, selfCheck) }

// selfCheck builds a vector's request through the client's own request
// path, its timestamp and nonce frozen at the vector's (the first two
// lines of what it signs), and returns the Authorization header built.
func selfCheck(v rest.SigningVector) (got, want string, err error) {
	lines := strings.SplitN(v.SignedPayload, "\n", 3)
	if len(lines) < 3 {
		return "", "", fmt.Errorf("vector %s: signed_payload has no timestamp and nonce", v.Name)
	}
	ms, err := strconv.ParseInt(lines[0], 10, 64)
	if err != nil {
		return "", "", fmt.Errorf("vector %s: timestamp: %w", v.Name, err)
	}
	nonce := lines[1]
	sec := crypto.NewSecret([]byte(v.Secret))
	defer sec.Wipe()
	stamp := time.UnixMilli(ms)
	c, err := New(WithBaseURL("https://selftest.invalid"), WithKey(v.KeyID, sec), WithNow(func() time.Time { return stamp }),
		withNonces(func() string { return nonce }))
	if err != nil {
		return "", "", err
	}
	method, ok := strings.CutPrefix(v.Path, APIPath)
	if !ok {
		return "", "", fmt.Errorf("vector %s: path %s is not a method", v.Name, v.Path)
	}
	r := call(method)
	if v.QuerySent != "" {
		r.params = rest.ParamsOf([]byte(v.QuerySent))
	}
	rr, err := c.restRequest(r)
	if err != nil {
		return "", "", err
	}
	req, err := c.path.Build(context.Background(), rr, stamp)
	if err != nil {
		return "", "", err
	}
	if req.URL.RawQuery != v.QuerySent {
		return req.URL.RawQuery, v.QuerySent, nil
	}
	if req.Method != v.Method {
		return req.Method, v.Method, nil
	}
	return req.Header.Get("Authorization"), v.Headers["Authorization"], nil
}
