package kraken

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
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

func vectorNonce(v rest.SigningVector) (string, error) {
	var s string
	if json.Unmarshal(v.Nonce, &s) == nil && s != "" {
		return s, nil
	}
	if len(v.Nonce) > 0 && string(v.Nonce) != "null" {
		return string(v.Nonce), nil
	}
	if strings.HasPrefix(v.BodySent, "{") {
		var m struct {
			Nonce string `json:"nonce"`
		}
		if err := json.Unmarshal([]byte(v.BodySent), &m); err != nil {
			return "", err
		}
		return m.Nonce, nil
	}
	for _, kv := range strings.Split(v.BodySent, "&") {
		if n, ok := strings.CutPrefix(kv, "nonce="); ok {
			return n, nil
		}
	}
	return "", fmt.Errorf("no nonce in %q", v.BodySent)
}

// selfCheck checks a Kraken vector: a form body goes through
// the client's own request path (the nonce put first, as sent), and the
// JSON-bodied one through the signer alone, since vigil sends forms.
func selfCheck(v rest.SigningVector) (got, want string, err error) {
	nonce, err := vectorNonce(v)
	if err != nil {
		return "", "", err
	}
	want = v.Text()
	if want == "" {
		want = v.Headers[HeaderSign]
	}
	sec := crypto.NewSecret([]byte(v.Secret))
	defer sec.Wipe()
	// The form vectors put the nonce first, as vigil sends it; what follows
	// is the request's own body.
	params, sent := strings.CutPrefix(v.BodySent, "nonce="+nonce+"&")
	if v.BodySent == "nonce="+nonce {
		params, sent = "", true
	}
	if !sent || v.KeyID == "" {
		s, err := NewSigner(v.KeyID, sec)
		if err != nil {
			return "", "", err
		}
		return s.Sign(v.Path, nonce, []byte(v.BodySent)), want, nil
	}
	n, err := strconv.ParseInt(nonce, 10, 64)
	if err != nil {
		return "", "", err
	}
	// The nonce comes from the local clock: stopped at the vector's.
	stamp := time.UnixMilli(n)
	c, err := New(WithBaseURL("https://selftest.invalid"), WithKey(v.KeyID, sec), WithNonceDir(""),
		WithNow(func() time.Time { return stamp }))
	if err != nil {
		return "", "", err
	}
	r := private(v.Path)
	if params != "" {
		r.params = restParams(params)
	}
	req, err := c.path.Build(context.Background(), c.restRequest(r), stamp)
	c.nonces.Release() // built, never sent
	if err != nil {
		return "", "", err
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return "", "", err
	}
	switch {
	case string(body) != v.BodySent:
		return string(body), v.BodySent, nil
	case req.Header.Get(HeaderKey) != v.KeyID:
		return HeaderKey + ": " + req.Header.Get(HeaderKey), HeaderKey + ": " + v.KeyID, nil
	case req.Method != http.MethodPost:
		return req.Method, http.MethodPost, nil
	}
	return req.Header.Get(HeaderSign), want, nil
}
