// Package okx is the OKX v5 spot REST client: the signer, the request path
// that charges the local rate budget before sending, error decoding with
// advice, the private order stream, and the exchange.Venue implementation.
// Demo trading (our testnet) is the live host plus `x-simulated-trading: 1`.
package okx

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange/rest"
)

// Auth header names, as OKX spells them.
const (
	HeaderKey        = "OK-ACCESS-KEY"
	HeaderSign       = "OK-ACCESS-SIGN"
	HeaderTimestamp  = "OK-ACCESS-TIMESTAMP"
	HeaderPassphrase = "OK-ACCESS-PASSPHRASE"
	HeaderSimulated  = "x-simulated-trading"
)

// wsVerifyPath is what the WebSocket login signs in place of a request path.
const wsVerifyPath = "/users/self/verify"

// ErrNoSecret is returned when a signer is built without key material.
var ErrNoSecret = errors.New("okx: no API secret configured")

// ErrNoPassphrase is returned when a signer is built without the API
// passphrase, which OKX requires on every private request.
var ErrNoPassphrase = errors.New("okx: no API passphrase configured (OKX keys have a passphrase chosen at creation)")

// Signer signs OKX requests with one key. It is safe for concurrent use.
type Signer struct {
	keyID      string
	passphrase crypto.Secret
	mac        *rest.MAC
}

// NewSigner returns a signer for keyID. The secret is used as text (OKX does
// not decode it); the passphrase is sent as-is in OK-ACCESS-PASSPHRASE.
func NewSigner(keyID string, secret, passphrase crypto.Secret) (*Signer, error) {
	if secret.IsZero() {
		return nil, ErrNoSecret
	}
	if passphrase.IsZero() {
		return nil, ErrNoPassphrase
	}
	mac, err := rest.NewMAC(sha256.New, secret)
	if err != nil {
		return nil, fmt.Errorf("okx: %w", err)
	}
	return &Signer{keyID: keyID, passphrase: passphrase, mac: mac}, nil
}

// KeyID is the API key the signer signs for.
func (s *Signer) KeyID() string { return s.keyID }

// AppendSign appends base64(HMAC-SHA256(secret, ts+method+requestPath+body))
// to dst. requestPath is the path with its query exactly as sent
// ("/api/v5/account/balance?ccy=BTC%2CETH"); body is the exact JSON sent,
// empty for GET.
func (s *Signer) AppendSign(dst []byte, ts, method, requestPath string, body []byte) []byte {
	return s.mac.AppendSum(dst, func(b []byte) []byte {
		b = append(b, ts...)
		b = append(b, method...)
		b = append(b, requestPath...)
		return append(b, body...)
	}, base64.StdEncoding.AppendEncode)
}

// Sign is AppendSign into a fresh string.
func (s *Signer) Sign(ts, method, requestPath string, body []byte) string {
	var buf [44]byte // base64 of 32 bytes
	return string(s.AppendSign(buf[:0], ts, method, requestPath, body))
}

// SignWSLogin signs a WebSocket login at unixSeconds (seconds, not the ISO
// stamp REST uses): base64(HMAC(secret, ts + "GET" + "/users/self/verify")).
func (s *Signer) SignWSLogin(unixSeconds int64) (ts, sign string) {
	ts = strconv.FormatInt(unixSeconds, 10)
	return ts, s.Sign(ts, "GET", wsVerifyPath, nil)
}

// Timestamp formats t as OKX wants it: ISO-8601 UTC with milliseconds,
// e.g. 2020-12-08T09:08:57.715Z.
func Timestamp(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}
