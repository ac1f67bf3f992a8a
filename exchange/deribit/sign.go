// Package deribit is the Deribit client: JSON-RPC methods over HTTP
// (/api/v2/<method>, each request signed with the deri-hmac-sha256
// Authorization header), the private stream over WebSocket (public/auth
// with client_signature, public/set_heartbeat answered with public/test,
// user.orders and user.portfolio), the credit pools Deribit counts
// requests in, its JSON-RPC errors with advice, instruments with their
// contract size and settlement currency, positions, and the
// exchange.Venue implementation. Deribit is the first derivatives venue:
// quantities are in the instrument's unit (USD for inverse contracts, the
// coin for linear ones).
package deribit

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange/rest"
)

// AuthScheme is the Authorization scheme of a signed HTTP request.
const AuthScheme = "deri-hmac-sha256"

// ErrNoSecret is returned when a signer is built without a client secret.
var ErrNoSecret = errors.New("deribit: no client secret configured")

// Signer signs with one API key (client id and client secret). Safe for
// concurrent use.
type Signer struct {
	clientID string
	mac      *rest.MAC
}

// NewSigner keys a signer; secret is the client secret as Deribit showed
// it (text, used as the HMAC key byte for byte).
func NewSigner(clientID string, secret crypto.Secret) (*Signer, error) {
	if secret.IsZero() {
		return nil, ErrNoSecret
	}
	mac, err := rest.NewMAC(sha256.New, secret)
	if err != nil {
		return nil, err
	}
	return &Signer{clientID: clientID, mac: mac}, nil
}

// ClientID is the key the signer signs for.
func (s *Signer) ClientID() string { return s.clientID }

// AppendHTTPPrehash appends what an HTTP request's signature covers:
// timestamp, nonce, the upper-case method, the URI (path and ?query) and
// the body, each followed by a newline (a GET's empty body too).
func AppendHTTPPrehash(dst []byte, ts, nonce, method, uri string, body []byte) []byte {
	dst = append(append(dst, ts...), '\n')
	dst = append(append(dst, nonce...), '\n')
	dst = append(append(dst, method...), '\n')
	dst = append(append(dst, uri...), '\n')
	dst = append(append(dst, body...), '\n')
	return dst
}

// AppendAuthPrehash appends what a client_signature covers: timestamp,
// nonce and data, newline-separated, no newline after data (the docs'
// printed example; their shell one-liner adds one and disagrees with it).
func AppendAuthPrehash(dst []byte, ts, nonce, data string) []byte {
	dst = append(append(dst, ts...), '\n')
	dst = append(append(dst, nonce...), '\n')
	return append(dst, data...)
}

// SignHTTP is the lower-case hex HMAC-SHA256 of the HTTP prehash.
func (s *Signer) SignHTTP(ts, nonce, method, uri string, body []byte) string {
	var buf [64]byte
	return string(s.mac.AppendSum(buf[:0], func(b []byte) []byte { return AppendHTTPPrehash(b, ts, nonce, method, uri, body) }, hex.AppendEncode))
}

// SignAuth is public/auth's client_signature over ts, nonce and data.
func (s *Signer) SignAuth(ts, nonce, data string) string {
	var buf [64]byte
	return string(s.mac.AppendSum(buf[:0], func(b []byte) []byte { return AppendAuthPrehash(b, ts, nonce, data) }, hex.AppendEncode))
}

// Authorization is the header value of a signed HTTP request.
func (s *Signer) Authorization(ts, nonce, sig string) string {
	return AuthScheme + " id=" + s.clientID + ",ts=" + ts + ",sig=" + sig + ",nonce=" + nonce
}

// MAC is the signer's keyed HMAC (the signature explainer's tests corrupt
// it).
func (s *Signer) MAC() *rest.MAC { return s.mac }

// NewNonce is a random nonce: Deribit asks for any random string and
// orders nothing by it.
func NewNonce() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	var b [12]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b[:])
}

func formatMs(ms int64) string { return strconv.FormatInt(ms, 10) }
