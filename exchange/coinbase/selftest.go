package coinbase

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
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

func init() { rest.RegisterVectors(venueName, signingVectors, selfCheck) }

// jwtVector is what a JWT vector adds to rest.SigningVector.
type jwtVector struct {
	Name          string          `json:"name"`
	TimestampMS   int64           `json:"timestamp_ms"`
	JWTHeader     json.RawMessage `json:"jwt_header"`
	JWTClaims     json.RawMessage `json:"jwt_claims"`
	Authorization string          `json:"expected_authorization"`
}

func jwtVectorOf(name string) (jwtVector, error) {
	var f struct {
		Published []jwtVector `json:"published"`
		Vectors   []jwtVector `json:"vectors"`
	}
	if err := json.Unmarshal(signingVectors, &f); err != nil {
		return jwtVector{}, err
	}
	for _, v := range append(f.Published, f.Vectors...) {
		if v.Name == name {
			return v, nil
		}
	}
	return jwtVector{}, fmt.Errorf("no vector %q", name)
}

// schemeOfVector is the key scheme a vector's scheme names.
func schemeOfVector(s string) (exchange.Scheme, bool) {
	switch s {
	case "jwt-es256":
		return exchange.SchemeES256, true
	case "jwt-eddsa":
		return exchange.SchemeEd25519, true
	case "hmac-sha256-legacy":
		return exchange.SchemeHMAC, true
	}
	return "", false
}

// selfCheck checks one Coinbase vector. A legacy HMAC vector goes through
// the client's request path. A JWT vector is checked twice: its header and
// claims, signed by vigil's signer, give its token (EdDSA byte for byte;
// ES256, randomised, its header and claims with a signature that verifies,
// and the vector's own signature verifies with the key); and the request
// path signs the vector's request at its time with the claims Coinbase's
// docs name, whose uri, key and times must be the vector's.
func selfCheck(v rest.SigningVector) (got, want string, err error) {
	sc, ok := schemeOfVector(v.Scheme)
	if !ok {
		return "", "", fmt.Errorf("scheme %q", v.Scheme)
	}
	sec := crypto.NewSecret([]byte(v.Secret))
	defer sec.Wipe()
	jv, err := jwtVectorOf(v.Name)
	if err != nil {
		return "", "", err
	}
	stamp := time.UnixMilli(jv.TimestampMS)
	c, err := New(WithBaseURL(MainnetURL), WithAccount(exchange.AccountInfo{Name: "selftest", Scheme: sc}), WithKey(v.KeyID, sec),
		WithNow(func() time.Time { return stamp }))
	if err != nil {
		return "", "", err
	}
	r := &request{method: v.Method, path: strings.TrimPrefix(v.Path, Prefix), signed: true}
	if v.QuerySent != "" {
		r.query = rest.ParamsOf([]byte(v.QuerySent))
	}
	if v.BodySent != "" {
		r.body = []byte(v.BodySent)
	}
	if sc == exchange.SchemeHMAC {
		return rest.CheckBuilt(c.path, c.restRequest(r), stamp, v, HeaderSign)
	}
	if got, want, err := vectorToken(c.key, jv); err != nil || got != want {
		return got, want, err
	}
	req, err := c.path.Build(context.Background(), c.restRequest(r), stamp)
	if err != nil {
		return "", "", err
	}
	return pathToken(req, c.key, v, jv)
}

// vectorToken signs the vector's header and claims (their bytes as the
// vector orders them) and compares.
func vectorToken(k *Key, jv jwtVector) (got, want string, err error) {
	var h, cl bytes.Buffer
	if err := json.Compact(&h, jv.JWTHeader); err != nil {
		return "", "", err
	}
	if err := json.Compact(&cl, jv.JWTClaims); err != nil {
		return "", "", err
	}
	tok, err := k.SignRaw(h.Bytes(), cl.Bytes())
	if err != nil {
		return "", "", err
	}
	want = strings.TrimPrefix(jv.Authorization, "Bearer ")
	if k.Alg() == "EdDSA" {
		return tok, want, nil
	}
	// ES256: the signing input must be the vector's; both signatures must
	// verify.
	head := func(s string) string { return s[:strings.LastIndexByte(s, '.')] }
	if head(tok) != head(want) {
		return head(tok), head(want), nil
	}
	for _, t := range []string{tok, want} {
		pt, err := ParseToken(t)
		if err != nil {
			return "", "", err
		}
		if err := pt.Verify(k.Public()); err != nil {
			return err.Error(), "a signature that verifies", nil
		}
	}
	return want, want, nil
}

// pathToken reads the token the request path put on req.
func pathToken(req *http.Request, k *Key, v rest.SigningVector, jv jwtVector) (got, want string, err error) {
	if req.URL.RawQuery != v.QuerySent {
		return req.URL.RawQuery, v.QuerySent, nil
	}
	var body []byte
	if req.GetBody != nil {
		rc, err := req.GetBody()
		if err != nil {
			return "", "", err
		}
		var b bytes.Buffer
		_, _ = b.ReadFrom(rc)
		body = b.Bytes()
	}
	if string(body) != v.BodySent {
		return string(body), v.BodySent, nil
	}
	tok, ok := strings.CutPrefix(req.Header.Get(HeaderAuthorization), "Bearer ")
	if !ok {
		return req.Header.Get(HeaderAuthorization), "Bearer <token>", nil
	}
	pt, err := ParseToken(tok)
	if err != nil {
		return "", "", err
	}
	if err := pt.Verify(k.Public()); err != nil {
		return "", "", err
	}
	var vc Claims
	var vh Header
	if err := errors.Join(json.Unmarshal(jv.JWTClaims, &vc), json.Unmarshal(jv.JWTHeader, &vh)); err != nil {
		return "", "", err
	}
	uri := vc.URI
	if uri == "" && len(vc.URIs) > 0 {
		uri = vc.URIs[0]
	}
	gotS := fmt.Sprintf("alg=%s kid=%s sub=%s iss=%s nbf=%d exp=%d uri=%s", pt.Header.Alg, pt.Header.Kid, pt.Claims.Sub, pt.Claims.Iss, pt.Claims.Nbf, pt.Claims.Exp, pt.Claims.URI)
	wantS := fmt.Sprintf("alg=%s kid=%s sub=%s iss=%s nbf=%d exp=%d uri=%s", vh.Alg, vh.Kid, vc.Sub, Issuer, vc.Nbf, vc.Exp, uri)
	return gotS, wantS, nil
}
