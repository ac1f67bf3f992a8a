// Package kraken is the Kraken Spot REST client: the signer over a nonce
// that strictly increases per key across every vigil process on this
// machine, the request path (a decaying call counter per key and a
// trading counter per pair), Kraken's string errors with advice, the WS v2
// private stream (token from GetWebSocketsToken, executions) and the
// exchange.Venue implementation.
package kraken

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange/rest"
)

// Auth header names, as Kraken spells them.
const (
	HeaderKey  = "API-Key"
	HeaderSign = "API-Sign"
)

// ErrNoSecret is returned when a signer is built without key material.
var ErrNoSecret = errors.New("kraken: no API secret configured")

// Signer signs Kraken Spot REST requests with one key. It is safe for
// concurrent use. It holds no nonce: see Nonces.
type Signer struct {
	keyID string
	mac   *rest.MAC
}

// NewSigner returns a signer for keyID; secret is the private key as
// Kraken shows it, base64 text.
func NewSigner(keyID string, secret crypto.Secret) (*Signer, error) {
	if secret.IsZero() {
		return nil, ErrNoSecret
	}
	raw := make([]byte, base64.StdEncoding.DecodedLen(secret.Len()))
	n, err := base64.StdEncoding.Decode(raw, secret.Bytes())
	if err != nil {
		return nil, fmt.Errorf("kraken: the API secret is not base64 (%v): paste the private key exactly as Kraken showed it", errors.Unwrap(err))
	}
	key := crypto.NewSecret(raw[:n])
	clear(raw)
	// The decoded key lives on only inside the MAC's keyed template.
	defer key.Wipe()
	mac, err := rest.NewMAC(sha512.New, key)
	if err != nil {
		return nil, fmt.Errorf("kraken: %w", err)
	}
	return &Signer{keyID: keyID, mac: mac}, nil
}

// KeyID is the API key the signer signs for.
func (s *Signer) KeyID() string { return s.keyID }

// AppendSign appends API-Sign to dst: base64(HMAC-SHA512(secret, path ‖
// SHA-256(nonce ‖ body))), path being the URI path from "/0/private" and
// body the exact bytes sent, which carry the same nonce.
func (s *Signer) AppendSign(dst []byte, path, nonce string, body []byte) []byte {
	return s.mac.AppendSum(dst, func(b []byte) []byte { return AppendPrehash(b, path, nonce, body) }, base64.StdEncoding.AppendEncode)
}

// AppendPrehash appends what the HMAC signs: path ‖ SHA-256(nonce ‖ body),
// the digest raw.
func AppendPrehash(dst []byte, path, nonce string, body []byte) []byte {
	h := sha256.New()
	h.Write([]byte(nonce))
	h.Write(body)
	dst = append(dst, path...)
	return h.Sum(dst)
}

// ShowPrehash is a prehash as text: the path, then the digest in hex. It
// holds no secret.
func ShowPrehash(prehash []byte) string {
	if len(prehash) < sha256.Size {
		return hex.EncodeToString(prehash)
	}
	cut := len(prehash) - sha256.Size
	return string(prehash[:cut]) + hex.EncodeToString(prehash[cut:])
}

// Sign is AppendSign into a fresh string.
func (s *Signer) Sign(path, nonce string, body []byte) string {
	var buf [88]byte
	return string(s.AppendSign(buf[:0], path, nonce, body))
}

// FormatNonce is a nonce as it goes on the wire.
func FormatNonce(n uint64) string { return strconv.FormatUint(n, 10) }
