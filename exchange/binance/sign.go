// Package binance is the Binance Spot REST client: the signer, the request
// path that charges the local rate budget before sending, error decoding with
// advice, and the exchange.Venue implementation.
//
// Every request is charged to the account's exchange.Budget before it is
// sent and reconciled afterwards with X-MBX-USED-WEIGHT-* and
// X-MBX-ORDER-COUNT-* headers. Place and Cancel charge at Trading priority,
// everything else at Interactive; a poller marks its context with
// exchange.WithPriority(ctx, exchange.Background) so it can never eat the
// reserve kept for orders. A 429 or 418 bans the whole account locally until
// Retry-After.
package binance

import (
	stdcrypto "crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/rest"
)

// params is the one buffer that is both signed and sent: a query string or a
// form body, in the order parameters were added, percent-encoded as Binance
// expects (RFC 3986 unreserved characters as they are, a space as %20).
// Signing it and transmitting it can never disagree because they are the
// same bytes.
type params struct{ rest.Params }

func (p *params) add(key, value string)      { p.Add(key, value) }
func (p *params) addInt(key string, v int64) { p.AddInt(key, v) }
func (p *params) bytes() []byte              { return p.Bytes() }

// SchemeRSA is Binance's third key type (RSASSA-PKCS1-v1_5, SHA-256). The
// venue-neutral schemes in exchange do not list it; only Binance has it.
const SchemeRSA exchange.Scheme = "rsa"

// Signer signs Binance payloads with one key. It is safe for concurrent use.
type Signer struct {
	scheme exchange.Scheme
	mac    *rest.MAC
	ed     ed25519.PrivateKey
	rsa    *rsa.PrivateKey
}

// ErrNoSecret is returned when a signer is built without key material.
var ErrNoSecret = errors.New("binance: no API secret configured")

// NewSigner returns a signer for scheme. For HMAC the secret is the ASCII
// secret key; for Ed25519 it is a PKCS#8 PEM private key. RSA is not
// supported.
func NewSigner(scheme exchange.Scheme, secret crypto.Secret) (*Signer, error) {
	if secret.IsZero() {
		return nil, ErrNoSecret
	}
	s := &Signer{scheme: scheme}
	switch scheme {
	case exchange.SchemeHMAC, "":
		s.scheme = exchange.SchemeHMAC
		if looksLikePEM(secret.Bytes()) {
			return nil, errors.New("binance: the HMAC secret looks like a PEM private key; configure the key's scheme as ed25519")
		}
		mac, err := rest.NewMAC(sha256.New, secret)
		if err != nil {
			return nil, fmt.Errorf("binance: %w", err)
		}
		s.mac = mac
	case exchange.SchemeEd25519:
		key, err := parseEd25519(secret.Bytes())
		if err != nil {
			return nil, err
		}
		s.ed = key
	case SchemeRSA:
		key, err := parseRSA(secret.Bytes())
		if err != nil {
			return nil, err
		}
		s.rsa = key
	default:
		return nil, fmt.Errorf("binance: unsupported key scheme %q (hmac, ed25519 or rsa)", scheme)
	}
	return s, nil
}

func looksLikePEM(b []byte) bool { return strings.Contains(string(b), "-----BEGIN") }

func parsePKCS8(b []byte, what string) (any, error) {
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, fmt.Errorf("binance: the %s secret is not a PEM block (expected -----BEGIN PRIVATE KEY-----)", what)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("binance: %s secret: %w", what, err)
	}
	return k, nil
}

func parseEd25519(b []byte) (ed25519.PrivateKey, error) {
	k, err := parsePKCS8(b, "Ed25519")
	if err != nil {
		return nil, err
	}
	ek, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("binance: the PEM key is %T, not Ed25519", k)
	}
	return ek, nil
}

func parseRSA(b []byte) (*rsa.PrivateKey, error) {
	k, err := parsePKCS8(b, "RSA")
	if err != nil {
		return nil, err
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("binance: the PEM key is %T, not RSA", k)
	}
	if n := rk.N.BitLen(); n < 2048 || n > 4096 {
		return nil, fmt.Errorf("binance: RSA key of %d bits; Binance takes 2048 to 4096", n)
	}
	return rk, nil
}

// Scheme is the key type this signer signs with.
func (s *Signer) Scheme() exchange.Scheme { return s.scheme }

// AppendSignature appends "&signature=<sig>" to dst, where sig signs payload
// (HMAC: lowercase hex; Ed25519: base64, percent-encoded for the wire).
// Called with dst == payload it turns a params buffer into the bytes to send.
func (s *Signer) AppendSignature(dst, payload []byte) []byte {
	const name = "&signature="
	if len(dst) == 0 {
		dst = append(dst, name[1:]...)
	} else {
		dst = append(dst, name...)
	}
	switch s.scheme {
	case exchange.SchemeEd25519:
		var sig [88]byte // base64 of 64 bytes
		return rest.AppendEscaped(dst, s.appendEd25519(sig[:0], payload), "")
	case SchemeRSA:
		return rest.AppendEscaped(dst, s.appendRSA(nil, payload), "")
	}
	return s.mac.AppendSumOf(dst, payload, hex.AppendEncode)
}

func (s *Signer) appendEd25519(dst, payload []byte) []byte {
	sig := ed25519.Sign(s.ed, payload)
	return base64.StdEncoding.AppendEncode(dst, sig)
}

// appendRSA is PKCS#1 v1.5 over SHA-256, deterministic, so vectors pin it.
func (s *Signer) appendRSA(dst, payload []byte) []byte {
	sum := sha256.Sum256(payload)
	sig, err := rsa.SignPKCS1v15(nil, s.rsa, stdcrypto.SHA256, sum[:])
	if err != nil {
		// Only a key too small for SHA-256 fails, and parseRSA refuses those.
		panic("binance: RSA signing: " + err.Error())
	}
	return base64.StdEncoding.AppendEncode(dst, sig)
}

// Sign returns the signature of payload as the venue defines it, before any
// wire encoding: hex for HMAC, standard base64 for Ed25519 and RSA.
func (s *Signer) Sign(payload []byte) string {
	switch s.scheme {
	case exchange.SchemeEd25519:
		return string(s.appendEd25519(nil, payload))
	case SchemeRSA:
		return string(s.appendRSA(nil, payload))
	}
	return string(s.mac.AppendSumOf(nil, payload, hex.AppendEncode))
}

// SignWS signs WebSocket API params: every param but "signature", sorted by
// name, joined as name=value with '&' and no percent-encoding. It returns the
// payload and the signature to put in params["signature"] (a JSON string, so
// Ed25519's base64 is not percent-encoded).
func (s *Signer) SignWS(params map[string]string) (payload, signature string) {
	keys := make([]string, 0, len(params))
	for k := range params {
		if k != "signature" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(params[k])
	}
	payload = b.String()
	return payload, s.Sign([]byte(payload))
}
