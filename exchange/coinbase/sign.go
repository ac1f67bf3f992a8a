// Package coinbase is the Coinbase Advanced Trade client: CDP keys that
// sign a short-lived JWT per request and per WebSocket subscribe (ES256
// or EdDSA), legacy HMAC keys (deprecated), the request path with the
// x-ratelimit-* headers, Coinbase's errors with advice, the user channel
// (orders only: balances are polled) and the exchange.Venue
// implementation.
package coinbase

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange/rest"
)

// Header names.
const (
	HeaderAuthorization = "Authorization"
	// Legacy HMAC keys (created on coinbase.com before CDP keys).
	HeaderKey       = "CB-ACCESS-KEY"
	HeaderSign      = "CB-ACCESS-SIGN"
	HeaderTimestamp = "CB-ACCESS-TIMESTAMP"
)

// jwtSigner puts a fresh token in every signed request: its uri names the
// host and path the request goes to (no query), its nbf the stamp.
type jwtSigner struct {
	key      *Key
	basePath string // the base URL's path, which the uri carries too
}

func (s jwtSigner) Sign(w *rest.Wire) error {
	c := ClaimsAt(s.key.name, w.Stamp, URIOf(w.Method, w.Host, s.basePath+w.Path))
	tok, err := s.key.Token(c)
	if err != nil {
		return err
	}
	// The claims hold no secret: a refusal shows what was signed.
	w.Prehash = []byte(c.URI + " nbf=" + strconv.FormatInt(c.Nbf, 10) + " exp=" + strconv.FormatInt(c.Exp, 10))
	w.SetHeader(HeaderAuthorization, "Bearer "+tok)
	return nil
}

// hmacSigner signs as legacy Advanced Trade keys did:
// hex(HMAC-SHA256(secret, timestamp ‖ METHOD ‖ path ‖ body)), the
// timestamp in seconds and the path without its query.
//
// Deprecated: Coinbase stopped issuing these keys in 2024 and no longer
// documents the scheme; use a CDP key (ES256).
type hmacSigner struct {
	keyID    string
	mac      *rest.MAC
	basePath string
}

func newHMACSigner(keyID string, secret crypto.Secret, basePath string) (*hmacSigner, error) {
	if secret.IsZero() {
		return nil, errors.New("coinbase: no API secret configured")
	}
	mac, err := rest.NewMAC(sha256.New, secret)
	if err != nil {
		return nil, err
	}
	return &hmacSigner{keyID: keyID, mac: mac, basePath: basePath}, nil
}

// HMACPayload is what a legacy key signs.
func HMACPayload(ts int64, method, path string, body []byte) []byte {
	b := strconv.AppendInt(nil, ts, 10)
	b = append(b, method...)
	b = append(b, path...)
	return append(b, body...)
}

func (s *hmacSigner) Sign(w *rest.Wire) error {
	ts := w.Stamp.Unix()
	msg := HMACPayload(ts, w.Method, s.basePath+w.Path, w.Body)
	s.mac.Fault(msg)
	w.Prehash = msg
	w.SetHeader(HeaderKey, s.keyID)
	w.SetHeader(HeaderTimestamp, strconv.FormatInt(ts, 10))
	w.SetHeader(HeaderSign, string(s.mac.AppendSumClean(nil, msg, hex.AppendEncode)))
	return nil
}
