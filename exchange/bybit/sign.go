// Package bybit is the Bybit v5 spot REST client: the signer, the request
// path that charges the local rate budget before sending and reads the
// venue's per-endpoint usage headers back, error decoding with advice, the
// private order stream, and the exchange.Venue implementation.
package bybit

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"strconv"
	"sync"

	"github.com/vigil-trade/vigil/crypto"
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
	macs  sync.Pool // *macState
}

// macState is pooled so a signature costs no allocation: hmac.New copies the
// key into its pads once, and the sum buffer already lives on the heap.
type macState struct {
	mac hash.Hash
	sum [sha256.Size]byte
	buf []byte
}

// NewSigner returns a signer for keyID (system-generated HMAC keys; RSA keys
// are not supported).
func NewSigner(keyID string, secret crypto.Secret) (*Signer, error) {
	if secret.IsZero() {
		return nil, ErrNoSecret
	}
	// The pool may drop its states at any GC and build new ones long after
	// the vault wiped the Secret, so new states are cloned from a keyed
	// template rather than keyed from the Secret's bytes.
	tmpl, ok := hmac.New(sha256.New, secret.Bytes()).(hash.Cloner)
	if !ok {
		return nil, errors.New("bybit: HMAC state cannot be cloned")
	}
	s := &Signer{keyID: keyID}
	s.macs.New = func() any {
		h, err := tmpl.Clone()
		if err != nil {
			panic(err) // HMAC-SHA256 always clones
		}
		return &macState{mac: h}
	}
	return s, nil
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
	st := s.macs.Get().(*macState)
	st.buf = s.AppendPrehash(st.buf[:0], ts, recvWindow, payload)
	dst = s.appendMAC(dst, st, st.buf)
	s.macs.Put(st)
	return dst
}

func (s *Signer) appendMAC(dst []byte, st *macState, msg []byte) []byte {
	st.mac.Reset()
	st.mac.Write(msg)
	st.mac.Sum(st.sum[:0])
	return hex.AppendEncode(dst, st.sum[:])
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
	st := s.macs.Get().(*macState)
	st.buf = append(append(st.buf[:0], "GET/realtime"...), expires...)
	var buf [64]byte
	sign = string(s.appendMAC(buf[:0], st, st.buf))
	s.macs.Put(st)
	return expires, sign
}
