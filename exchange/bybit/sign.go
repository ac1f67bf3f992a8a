// Package bybit is the Bybit v5 spot REST client: the signer, the request
// path that charges the local rate budget before sending and reads the
// venue's per-endpoint usage headers back, error decoding with advice, the
// private order stream, and the exchange.Venue implementation.
package bybit

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange/rest"
)

// Auth header names, as Bybit spells them.
const (
	HeaderKey        = "X-BAPI-API-KEY"
	HeaderTimestamp  = "X-BAPI-TIMESTAMP"
	HeaderSign       = "X-BAPI-SIGN"
	HeaderRecvWindow = "X-BAPI-RECV-WINDOW"
	// HeaderSignType 2 is HMAC-SHA256; pybit sends it, the guide does not
	// require it.
	HeaderSignType = "X-BAPI-SIGN-TYPE"
)

// ErrNoSecret is returned when a signer is built without key material.
var ErrNoSecret = errors.New("bybit: no API secret configured")

// Signer signs Bybit requests with one HMAC key. It is safe for concurrent
// use.
type Signer struct {
	keyID string
	mac   *rest.MAC
}

// NewSigner returns a signer for keyID (system-generated HMAC keys; RSA keys
// are not supported).
func NewSigner(keyID string, secret crypto.Secret) (*Signer, error) {
	if secret.IsZero() {
		return nil, ErrNoSecret
	}
	mac, err := rest.NewMAC(sha256.New, secret)
	if err != nil {
		return nil, fmt.Errorf("bybit: %w", err)
	}
	return &Signer{keyID: keyID, mac: mac}, nil
}

// KeyID is the API key the signer signs for.
func (s *Signer) KeyID() string { return s.keyID }

// AppendPrehash appends what Bybit signs: timestamp + apiKey + recvWindow +
// payload, where payload is the query string exactly as sent (no '?') for
// GET and the exact JSON body for POST. It holds no secret, so it may be
// shown (Bybit echoes its own on 10004).
func (s *Signer) AppendPrehash(dst []byte, ts, recvWindow string, payload []byte) []byte {
	dst = append(dst, ts...)
	dst = append(dst, s.keyID...)
	dst = append(dst, recvWindow...)
	return append(dst, payload...)
}

// AppendSign appends the lowercase hex HMAC-SHA256 of the prehash to dst.
func (s *Signer) AppendSign(dst []byte, ts, recvWindow string, payload []byte) []byte {
	return s.mac.AppendSum(dst, func(b []byte) []byte { return s.AppendPrehash(b, ts, recvWindow, payload) }, hex.AppendEncode)
}

// Sign is AppendSign into a fresh string.
func (s *Signer) Sign(ts, recvWindow string, payload []byte) string {
	var buf [64]byte
	return string(s.AppendSign(buf[:0], ts, recvWindow, payload))
}

// SignWS signs a private WebSocket auth that expires at expiresMs (a future
// Unix ms): hex(HMAC(secret, "GET/realtime" + expires)).
func (s *Signer) SignWS(expiresMs int64) (expires, sign string) {
	expires = strconv.FormatInt(expiresMs, 10)
	var buf [64]byte
	return expires, string(s.mac.AppendSum(buf[:0], func(b []byte) []byte {
		return append(append(b, "GET/realtime"...), expires...)
	}, hex.AppendEncode))
}
