// Package binance is the Binance Spot REST client: the signer, the request
// path that charges the local rate budget before sending, error decoding with
// advice, and the exchange.Venue implementation.
package binance

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"hash"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
)

// params is the one buffer that is both signed and sent: a query string or a
// form body, in the order parameters were added, percent-encoded as Binance
// expects. Signing it and transmitting it can never disagree because they are
// the same bytes.
type params struct {
	b []byte
}

// add appends key=value, percent-encoding both.
func (p *params) add(key, value string) {
	if len(p.b) > 0 {
		p.b = append(p.b, '&')
	}
	p.b = appendEscaped(p.b, key)
	p.b = append(p.b, '=')
	p.b = appendEscaped(p.b, value)
}

// addInt appends key=decimal integer without an intermediate string.
func (p *params) addInt(key string, v int64) {
	if len(p.b) > 0 {
		p.b = append(p.b, '&')
	}
	p.b = appendEscaped(p.b, key)
	p.b = append(p.b, '=')
	p.b = strconv.AppendInt(p.b, v, 10)
}

func (p *params) bytes() []byte  { return p.b }
func (p *params) String() string { return string(p.b) }

const upperHex = "0123456789ABCDEF"

// appendEscaped percent-encodes everything but RFC 3986 unreserved
// characters. Spaces become %20, never '+': the server decodes '+' as a plus
// in some paths and a space in others, so the signature would not survive.
func appendEscaped[T string | []byte](dst []byte, s T) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) {
			dst = append(dst, c)
			continue
		}
		dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
	}
	return dst
}

func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~'
}

// Signer signs Binance payloads with one key. It is safe for concurrent use.
type Signer struct {
	scheme exchange.Scheme
	macs   sync.Pool // *macState keyed by this signer's secret
	ed     ed25519.PrivateKey
}

// macState is pooled so a signature costs no allocation: the keyed HMAC is
// built once (hmac.New copies the key into its pads) and the sum has a home
// on the heap already; a stack buffer would escape through hash.Hash.Sum.
type macState struct {
	mac hash.Hash
	sum [sha256.Size]byte
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
		key := secret.Bytes()
		if looksLikePEM(key) {
			return nil, errors.New("binance: the HMAC secret looks like a PEM private key; configure the key's scheme as ed25519")
		}
		s.macs.New = func() any { return &macState{mac: hmac.New(sha256.New, key)} }
		// Build one now so a wiped Secret later cannot leave the pool
		// without a key: hmac.New keeps its own copy of the pads.
		s.macs.Put(s.macs.New())
	case exchange.SchemeEd25519:
		key, err := parseEd25519(secret.Bytes())
		if err != nil {
			return nil, err
		}
		s.ed = key
	default:
		return nil, fmt.Errorf("binance: unsupported key scheme %q (hmac or ed25519)", scheme)
	}
	return s, nil
}

func looksLikePEM(b []byte) bool { return strings.Contains(string(b), "-----BEGIN") }

func parseEd25519(b []byte) (ed25519.PrivateKey, error) {
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, errors.New("binance: the Ed25519 secret is not a PEM block (expected -----BEGIN PRIVATE KEY-----)")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("binance: Ed25519 secret: %w", err)
	}
	ek, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("binance: the PEM key is %T, not Ed25519", k)
	}
	return ek, nil
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
	if s.scheme == exchange.SchemeEd25519 {
		var sig [88]byte // base64 of 64 bytes
		return appendEscaped(dst, s.appendEd25519(sig[:0], payload))
	}
	st := s.macs.Get().(*macState)
	st.mac.Reset()
	st.mac.Write(payload)
	st.mac.Sum(st.sum[:0])
	n := len(dst)
	dst = append(dst, make([]byte, 2*sha256.Size)...)
	hex.Encode(dst[n:], st.sum[:])
	s.macs.Put(st)
	return dst
}

func (s *Signer) appendEd25519(dst, payload []byte) []byte {
	sig := ed25519.Sign(s.ed, payload)
	return base64.StdEncoding.AppendEncode(dst, sig)
}

// Sign returns the signature of payload as the venue defines it, before any
// wire encoding: hex for HMAC, standard base64 for Ed25519.
func (s *Signer) Sign(payload []byte) string {
	if s.scheme == exchange.SchemeEd25519 {
		return string(s.appendEd25519(nil, payload))
	}
	st := s.macs.Get().(*macState)
	defer s.macs.Put(st)
	st.mac.Reset()
	st.mac.Write(payload)
	return hex.EncodeToString(st.mac.Sum(st.sum[:0]))
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
