package binance

import (
	_ "embed"
	"fmt"
	"net/url"

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

// checkVector signs a Binance vector, published and provided, with
// the signer the client signs with, and compares the bytes sent: the
// parameters with "&signature=" and the signature, percent-encoded.
// Binance signs the parameters exactly as sent, so the vector's payload is
// the query and body as they went out.
func checkVector(v rest.SigningVector) (string, string, error) {
	var scheme exchange.Scheme
	switch v.Scheme {
	case "hmac-sha256":
		scheme = exchange.SchemeHMAC
	case "ed25519":
		scheme = exchange.SchemeEd25519
	default:
		return "", "", fmt.Errorf("scheme %q", v.Scheme)
	}
	sec := crypto.NewSecret([]byte(v.Secret))
	defer sec.Wipe()
	s, err := NewSigner(scheme, sec)
	if err != nil {
		return "", "", err
	}
	q, body := v.QuerySent, v.BodySent
	if v.Method == "" { // published: the payload is all there is
		q = v.SignedPayload
	}
	payload := q + body
	if payload != v.SignedPayload {
		return payload, v.SignedPayload, nil
	}
	wire := body
	if wire == "" {
		wire = q
	}
	got := s.AppendSignature([]byte(wire), []byte(payload))
	return string(got), wire + "&signature=" + url.QueryEscape(v.Text()), nil
}
