package rest

import (
	"crypto/hmac"
	"errors"
	"hash"
	"sync"
	"sync/atomic"

	"github.com/vigil-trade/vigil/crypto"
)

// MAC is a keyed HMAC for signers, safe for concurrent use. Its states are
// pooled so a signature costs no allocation: hmac.New copies the key into
// its pads once, and the sum buffer already lives on the heap.
type MAC struct {
	states sync.Pool // *macState
	// fault is 1 + the index of the byte every sum flips in its message
	// before hashing (0: none); see CorruptPrehash.
	fault atomic.Int64
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
	m.Fault(st.buf)
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
	if m.fault.Load() != 0 || allFault.Load() != 0 {
		st.buf = append(st.buf[:0], msg...)
		m.Fault(st.buf)
		msg = st.buf
	}
	st.mac.Reset()
	st.mac.Write(msg)
	st.sum = st.mac.Sum(st.sum[:0])
	dst = enc(dst, st.sum)
	m.states.Put(st)
	return dst
}

// AppendSumClean is AppendSumOf without any corruption in force: how an
// explanation of a refused signature checks the signature sent against
// the bytes sent.
func (m *MAC) AppendSumClean(dst, msg []byte, enc func(dst, sum []byte) []byte) []byte {
	st := m.states.Get().(*macState)
	st.mac.Reset()
	st.mac.Write(msg)
	st.sum = st.mac.Sum(st.sum[:0])
	dst = enc(dst, st.sum)
	m.states.Put(st)
	return dst
}

// CorruptPrehash makes every following sum hash its message with byte i
// changed (the last byte of a shorter message): a signature made wrong on
// purpose, as a signer that signs other bytes than it sends would make,
// for the tests of refused signatures. restore undoes it.
func (m *MAC) CorruptPrehash(i int) (restore func()) {
	m.fault.Store(int64(i) + 1)
	return func() { m.fault.Store(0) }
}

// Fault changes msg in place as every sum does under CorruptPrehash (no
// change without it): a signer that keeps the prehash it signed, to show
// beside a venue's own, passes it here so the prehash is what was hashed.
func (m *MAC) Fault(msg []byte) {
	f := m.fault.Load()
	if f == 0 {
		f = allFault.Load()
	}
	if f == 0 || len(msg) == 0 {
		return
	}
	msg[min(int(f-1), len(msg)-1)] ^= 1
}

// allFault is CorruptPrehash for every MAC of the process; see
// CorruptPrehashes.
var allFault atomic.Int64

// CorruptPrehashes is CorruptPrehash for every MAC in the process, for
// whole-program tests that cannot reach a client's signer. Run the venues'
// self-tests first (rest.SelfTest): run under it, they fail.
func CorruptPrehashes(i int) (restore func()) {
	allFault.Store(int64(i) + 1)
	return func() { allFault.Store(0) }
}
