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
	"crypto/hmac"
	"crypto/rsa"
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

// SchemeRSA is Binance's third key type (RSASSA-PKCS1-v1_5, SHA-256). The
// venue-neutral schemes in exchange do not list it; only Binance has it.
const SchemeRSA exchange.Scheme = "rsa"

// Signer signs Binance payloads with one key. It is safe for concurrent use.
type Signer struct {
	scheme exchange.Scheme
	macs   sync.Pool // *macState keyed by this signer's secret
	ed     ed25519.PrivateKey
	rsa    *rsa.PrivateKey
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
		if looksLikePEM(secret.Bytes()) {
			return nil, errors.New("binance: the HMAC secret looks like a PEM private key; configure the key's scheme as ed25519")
		}
		// The pool may drop its states at any GC and build new ones long
		// after the vault wiped the Secret, so new states are cloned from a
		// keyed template (hmac.New copies the key into its pads) rather than
		// keyed from the Secret's bytes, which by then are zeros.
		tmpl, ok := hmac.New(sha256.New, secret.Bytes()).(hash.Cloner)
		if !ok {
			return nil, errors.New("binance: HMAC state cannot be cloned")
		}
		s.macs.New = func() any {
			h, err := tmpl.Clone()
			if err != nil {
				panic(err) // HMAC-SHA256 always clones
			}
			return &macState{mac: h}
		}
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
		return appendEscaped(dst, s.appendEd25519(sig[:0], payload))
	case SchemeRSA:
		return appendEscaped(dst, s.appendRSA(nil, payload))
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
