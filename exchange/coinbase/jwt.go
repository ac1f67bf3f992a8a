package coinbase

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"
	"time"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
)

// TokenLife is how long a token is valid after its nbf: Coinbase's SDK
// and docs use two minutes.
const TokenLife = 120 * time.Second

// Issuer is the iss claim Coinbase's docs and SDK send for CDP keys.
const Issuer = "cdp"

// Header is a JWT's header. The fields are in the order of the shared
// vectors, so a token built from a vector's header is byte for byte its.
type Header struct {
	Alg   string `json:"alg"`
	Typ   string `json:"typ,omitempty"`
	Kid   string `json:"kid"`
	Nonce string `json:"nonce,omitempty"`
}

// Claims are a JWT's claims as Coinbase reads them. vigil sends iss, nbf,
// exp, sub and, for REST, uri (the docs' and the SDK's set); aud, iat and
// uris are what other clients send (ccxt, the shared vectors), kept so a
// vector's claims marshal back to its bytes.
type Claims struct {
	Aud  []string `json:"aud,omitempty"`
	Iss  string   `json:"iss"`
	Nbf  int64    `json:"nbf"`
	Exp  int64    `json:"exp"`
	Sub  string   `json:"sub"`
	Iat  int64    `json:"iat,omitempty"`
	URI  string   `json:"uri,omitempty"`
	URIs []string `json:"uris,omitempty"`
}

// URIOf is the uri claim of a REST request: method, one space, host and
// path, without scheme or query.
func URIOf(method, host, path string) string { return method + " " + host + path }

// ClaimsAt are the claims vigil signs for key at stamp; uri is "" for a
// WebSocket subscribe, whose token names none.
func ClaimsAt(key string, stamp time.Time, uri string) Claims {
	nbf := stamp.Unix()
	return Claims{Iss: Issuer, Nbf: nbf, Exp: nbf + int64(TokenLife/time.Second), Sub: key, URI: uri}
}

// Key is a CDP API key ready to sign: its name (kid and sub) and the
// private key parsed once. It is safe for concurrent use.
type Key struct {
	name   string
	scheme exchange.Scheme
	ec     *ecdsa.PrivateKey
	ed     ed25519.PrivateKey
	// rand is where ES256 signatures and nonces draw from.
	rand io.Reader
}

// ErrNoKey is returned when a key is built without its private key.
var ErrNoKey = errors.New("coinbase: no private key configured")

// ParseKey reads a CDP key's private key as Coinbase hands it out: for
// ES256 an EC P-256 key in PEM (SEC 1 "EC PRIVATE KEY" or PKCS#8); for
// Ed25519 the base64 text the portal shows (64 bytes: seed then public
// key, or the 32-byte seed) or a PKCS#8 PEM. Newlines written as the two
// characters \n (a key pasted from JSON) are read as newlines.
func ParseKey(name string, scheme exchange.Scheme, secret crypto.Secret) (*Key, error) {
	if secret.IsZero() {
		return nil, ErrNoKey
	}
	raw := []byte(strings.ReplaceAll(strings.TrimSpace(string(secret.Bytes())), `\n`, "\n"))
	defer clear(raw)
	k := &Key{name: name, scheme: scheme, rand: rand.Reader}
	switch scheme {
	case exchange.SchemeES256:
		priv, err := parsePEM(raw)
		if err != nil {
			return nil, err
		}
		ec, ok := priv.(*ecdsa.PrivateKey)
		if !ok || ec.Curve != elliptic.P256() {
			return nil, errors.New("coinbase: an ES256 key is an EC P-256 private key (-----BEGIN EC PRIVATE KEY-----); this PEM holds another kind: an Ed25519 key signs with scheme ed25519")
		}
		k.ec = ec
	case exchange.SchemeEd25519:
		if strings.HasPrefix(string(raw), "-----BEGIN") {
			priv, err := parsePEM(raw)
			if err != nil {
				return nil, err
			}
			ed, ok := priv.(ed25519.PrivateKey)
			if !ok {
				return nil, errors.New("coinbase: this PEM holds no Ed25519 key: an EC key signs with scheme es256")
			}
			k.ed = ed
			break
		}
		b, err := base64.StdEncoding.DecodeString(string(raw))
		if err != nil {
			return nil, errors.New("coinbase: an Ed25519 key is the base64 text Coinbase showed (or a PKCS#8 PEM): this is neither")
		}
		defer clear(b)
		switch len(b) {
		case ed25519.SeedSize:
			k.ed = ed25519.NewKeyFromSeed(b)
		case ed25519.PrivateKeySize:
			k.ed = ed25519.NewKeyFromSeed(b[:ed25519.SeedSize])
			if !strings.EqualFold(hex.EncodeToString(k.ed[ed25519.SeedSize:]), hex.EncodeToString(b[ed25519.SeedSize:])) {
				return nil, errors.New("coinbase: the Ed25519 key's second half is not the public key of its first: a damaged paste")
			}
		default:
			return nil, fmt.Errorf("coinbase: an Ed25519 key is 32 or 64 bytes; this base64 holds %d", len(b))
		}
	default:
		return nil, fmt.Errorf("coinbase: key scheme %q is not a CDP key (es256, ed25519)", scheme)
	}
	return k, nil
}

func parsePEM(raw []byte) (any, error) {
	block, _ := pem.Decode(raw)
	if block == nil {
		return nil, errors.New("coinbase: the private key holds no PEM block: paste it whole, from -----BEGIN to -----END")
	}
	defer clear(block.Bytes)
	if ec, err := x509.ParseECPrivateKey(block.Bytes); err == nil {
		return ec, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, errors.New("coinbase: the PEM block is neither an EC (SEC 1) nor a PKCS#8 private key")
	}
	return k, nil
}

// Name is the key's name, as kid and sub carry it.
func (k *Key) Name() string { return k.name }

// Scheme is what the key signs with.
func (k *Key) Scheme() exchange.Scheme { return k.scheme }

// Alg is the JWT alg of the key.
func (k *Key) Alg() string {
	if k.ed != nil {
		return "EdDSA"
	}
	return "ES256"
}

// Public is the key's public half, for tests and fakes.
func (k *Key) Public() any {
	if k.ed != nil {
		return k.ed.Public()
	}
	return &k.ec.PublicKey
}

// Nonce is a fresh random nonce for a header: 16 bytes in hex.
func (k *Key) Nonce() string {
	var b [16]byte
	_, _ = io.ReadFull(k.rand, b[:])
	return hex.EncodeToString(b[:])
}

// Token signs claims for this key with a fresh nonce.
func (k *Key) Token(c Claims) (string, error) {
	return k.Sign(Header{Alg: k.Alg(), Typ: "JWT", Kid: k.name, Nonce: k.Nonce()}, c)
}

// Sign builds the compact JWS of header and claims: what a token is, and
// how a vector's header and claims are signed back to its bytes.
func (k *Key) Sign(h Header, c Claims) (string, error) {
	hb, err := json.Marshal(h)
	if err != nil {
		return "", err
	}
	cb, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	return k.SignRaw(hb, cb)
}

// SignRaw signs header and claims given as JSON bytes.
func (k *Key) SignRaw(header, claims []byte) (string, error) {
	enc := base64.RawURLEncoding
	buf := make([]byte, 0, enc.EncodedLen(len(header))+enc.EncodedLen(len(claims))+90)
	buf = enc.AppendEncode(buf, header)
	buf = append(buf, '.')
	buf = enc.AppendEncode(buf, claims)
	sig, err := k.signature(buf)
	if err != nil {
		return "", err
	}
	buf = append(buf, '.')
	buf = enc.AppendEncode(buf, sig)
	return string(buf), nil
}

// signature is EdDSA over the signing input, or ES256 as JWS wants it:
// r and s, 32 bytes each, not DER.
func (k *Key) signature(input []byte) ([]byte, error) {
	if k.ed != nil {
		return ed25519.Sign(k.ed, input), nil
	}
	sum := sha256.Sum256(input)
	r, s, err := ecdsa.Sign(k.rand, k.ec, sum[:])
	if err != nil {
		return nil, fmt.Errorf("coinbase: ES256: %w", err)
	}
	out := make([]byte, 64)
	r.FillBytes(out[:32])
	s.FillBytes(out[32:])
	return out, nil
}

// Token is a JWT read back: its parts decoded, the signature unchecked
// until Verify.
type Token struct {
	Header    Header
	Claims    Claims
	RawHeader []byte
	RawClaims []byte
	input     string
	sig       []byte
}

// ParseToken splits and decodes a compact JWS.
func ParseToken(tok string) (*Token, error) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return nil, errors.New("jwt: not three dot-separated parts")
	}
	enc := base64.RawURLEncoding
	t := &Token{input: parts[0] + "." + parts[1]}
	var err error
	if t.RawHeader, err = enc.DecodeString(parts[0]); err != nil {
		return nil, fmt.Errorf("jwt: header: %w", err)
	}
	if t.RawClaims, err = enc.DecodeString(parts[1]); err != nil {
		return nil, fmt.Errorf("jwt: claims: %w", err)
	}
	if t.sig, err = enc.DecodeString(parts[2]); err != nil {
		return nil, fmt.Errorf("jwt: signature: %w", err)
	}
	if err := json.Unmarshal(t.RawHeader, &t.Header); err != nil {
		return nil, fmt.Errorf("jwt: header: %w", err)
	}
	if err := json.Unmarshal(t.RawClaims, &t.Claims); err != nil {
		return nil, fmt.Errorf("jwt: claims: %w", err)
	}
	return t, nil
}

// Verify checks the signature with pub (*ecdsa.PublicKey for ES256,
// ed25519.PublicKey for EdDSA), the header's alg deciding which.
func (t *Token) Verify(pub any) error {
	switch p := pub.(type) {
	case *ecdsa.PublicKey:
		if t.Header.Alg != "ES256" || len(t.sig) != 64 {
			return errors.New("jwt: not an ES256 signature")
		}
		sum := sha256.Sum256([]byte(t.input))
		r, s := new(big.Int).SetBytes(t.sig[:32]), new(big.Int).SetBytes(t.sig[32:])
		if !ecdsa.Verify(p, sum[:], r, s) {
			return errors.New("jwt: ES256 signature does not verify")
		}
	case ed25519.PublicKey:
		if t.Header.Alg != "EdDSA" || !ed25519.Verify(p, []byte(t.input), t.sig) {
			return errors.New("jwt: EdDSA signature does not verify")
		}
	default:
		return fmt.Errorf("jwt: public key %T", pub)
	}
	return nil
}
