package coinbasetest

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// tokenClaims are the claims the fake reads.
type tokenClaims struct {
	Iss  string   `json:"iss"`
	Sub  string   `json:"sub"`
	Nbf  *int64   `json:"nbf"`
	Exp  *int64   `json:"exp"`
	URI  string   `json:"uri"`
	URIs []string `json:"uris"`
}

type tokenHeader struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
}

// checkToken verifies a JWT as Coinbase does and returns its key, or why
// not ("time", "uri", "kid", "signature", "claims"). uri is the request's
// ("" for a WebSocket subscribe, whose token names none).
func (s *Server) checkToken(tok string, now time.Time, uri string) (*apiKey, string) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return nil, "claims"
	}
	enc := base64.RawURLEncoding
	hb, err1 := enc.DecodeString(parts[0])
	cb, err2 := enc.DecodeString(parts[1])
	sig, err3 := enc.DecodeString(parts[2])
	var h tokenHeader
	var c tokenClaims
	if err1 != nil || err2 != nil || err3 != nil || json.Unmarshal(hb, &h) != nil || json.Unmarshal(cb, &c) != nil {
		return nil, "claims"
	}
	k, ok := s.keys.Get(h.Kid)
	if !ok || k.pub == nil {
		return nil, "kid"
	}
	input := []byte(parts[0] + "." + parts[1])
	switch pub := k.pub.(type) {
	case *ecdsa.PublicKey:
		sum := sha256.Sum256(input)
		if h.Alg != "ES256" || len(sig) != 64 || !ecdsa.Verify(pub, sum[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
			return nil, "signature"
		}
	case ed25519.PublicKey:
		if h.Alg != "EdDSA" || !ed25519.Verify(pub, input, sig) {
			return nil, "signature"
		}
	}
	if c.Sub != h.Kid || (c.Iss != "cdp" && c.Iss != "coinbase-cloud") || c.Nbf == nil || c.Exp == nil {
		return nil, "claims"
	}
	if t := now.Unix(); *c.Nbf > t || *c.Exp < t {
		return nil, "time"
	}
	if uri != "" && c.URI != uri && !slices.Contains(c.URIs, uri) {
		return nil, "uri"
	}
	return k, ""
}

// legacyWindow is how far a legacy key's timestamp may be from the
// fake's clock (Coinbase's old APIs allowed 30 s).
const legacyWindow = 30 * time.Second

// checkLegacy verifies a legacy HMAC key's headers.
func (s *Server) checkLegacy(r *http.Request, body []byte, now time.Time) (*apiKey, string) {
	k, ok := s.keys.Get(r.Header.Get("CB-ACCESS-KEY"))
	if !ok || k.secret == nil {
		return nil, "kid"
	}
	ts, err := strconv.ParseInt(r.Header.Get("CB-ACCESS-TIMESTAMP"), 10, 64)
	if err != nil {
		return nil, "claims"
	}
	m := hmac.New(sha256.New, k.secret)
	m.Write([]byte(strconv.FormatInt(ts, 10) + r.Method + r.URL.Path))
	m.Write(body)
	if !hmac.Equal([]byte(hex.EncodeToString(m.Sum(nil))), []byte(r.Header.Get("CB-ACCESS-SIGN"))) {
		return nil, "signature"
	}
	if d := now.Sub(time.Unix(ts, 0)); d > legacyWindow || d < -legacyWindow {
		return nil, "time"
	}
	return k, ""
}

// authenticate reads the request's credentials: a bearer token, else a
// legacy key's headers; then the key's address allow-list.
func (s *Server) authenticate(r *http.Request, body []byte, now time.Time, ip string) (*apiKey, string) {
	var (
		k   *apiKey
		why string
	)
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		k, why = s.checkToken(tok, now, r.Method+" "+r.Host+r.URL.Path)
	} else if r.Header.Get("CB-ACCESS-KEY") != "" {
		k, why = s.checkLegacy(r, body, now)
	} else {
		return nil, "missing"
	}
	if k != nil && len(k.perms.IPs) > 0 && !slices.Contains(k.perms.IPs, ip) {
		return nil, "ip"
	}
	return k, why
}
