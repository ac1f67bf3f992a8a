package rest

import (
	"crypto/hmac"
	"errors"
	"hash"
	"sync"

	"github.com/vigil-trade/vigil/crypto"
)

// MAC is a keyed HMAC for signers, safe for concurrent use. Its states are
// pooled so a signature costs no allocation: hmac.New copies the key into
// its pads once, and the sum buffer already lives on the heap.
type MAC struct {
	states sync.Pool // *macState
}

type macState struct {
	mac hash.Hash
	sum []byte
	buf []byte // message scratch: one Write, and no string-to-slice escapes
}

// NewMAC keys an HMAC over h with secret. The pool may drop its states at
// any GC and build new ones long after the vault wiped the Secret, so new
// states are cloned from a keyed template rather than keyed from the
// Secret's bytes, which by then are zeros.
func NewMAC(h func() hash.Hash, secret crypto.Secret) (*MAC, error) {
	tmpl, ok := hmac.New(h, secret.Bytes()).(hash.Cloner)
	if !ok {
		return nil, errors.New("HMAC state cannot be cloned")
	}
	m := &MAC{}
	m.states.New = func() any {
		c, err := tmpl.Clone()
		if err != nil {
			panic(err) // an HMAC of a stdlib hash always clones
		}
		return &macState{mac: c, sum: make([]byte, 0, c.Size())}
	}
	return m, nil
}

// AppendSum appends enc(HMAC(msg)) to dst, where msg is what build appends
// to an empty scratch buffer, and enc appends the encoded sum (hex,
// base64) to its first argument.
func (m *MAC) AppendSum(dst []byte, build func([]byte) []byte, enc func(dst, sum []byte) []byte) []byte {
	st := m.states.Get().(*macState)
	st.buf = build(st.buf[:0])
	st.mac.Reset()
	st.mac.Write(st.buf)
	st.sum = st.mac.Sum(st.sum[:0])
	dst = enc(dst, st.sum)
	m.states.Put(st)
	return dst
}

// AppendSumOf is AppendSum of msg itself.
func (m *MAC) AppendSumOf(dst, msg []byte, enc func(dst, sum []byte) []byte) []byte {
	st := m.states.Get().(*macState)
	st.mac.Reset()
	st.mac.Write(msg)
	st.sum = st.mac.Sum(st.sum[:0])
	dst = enc(dst, st.sum)
	m.states.Put(st)
	return dst
}
