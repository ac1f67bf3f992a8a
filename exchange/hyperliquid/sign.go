package hyperliquid

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
	"github.com/vmihailenco/msgpack/v5"
	"golang.org/x/crypto/sha3"

	"github.com/vigil-trade/vigil/crypto"
)

// Address is a 20-byte wallet address.
type Address [20]byte

// String is the address as Hyperliquid spells it: 0x and lower-case hex
// (an address in a hashed action must be lower case).
func (a Address) String() string { return "0x" + hex.EncodeToString(a[:]) }

// ParseAddress reads 0x and 40 hex digits, any case.
func ParseAddress(s string) (Address, error) {
	var a Address
	h, ok := strings.CutPrefix(strings.TrimSpace(s), "0x")
	if !ok || len(h) != 40 {
		return a, fmt.Errorf("hyperliquid: address %q: want 0x and 40 hex digits", s)
	}
	if _, err := hex.Decode(a[:], []byte(h)); err != nil {
		return a, fmt.Errorf("hyperliquid: address %q: %w", s, err)
	}
	return a, nil
}

// Keccak256 is Ethereum's hash (the pre-standard Keccak, not SHA3-256).
func Keccak256(parts ...[]byte) [32]byte {
	h := sha3.NewLegacyKeccak256()
	for _, p := range parts {
		h.Write(p)
	}
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// AddressOf is the address of a public key: the last 20 bytes of the
// Keccak-256 of its uncompressed X ‖ Y.
func AddressOf(pub *secp256k1.PublicKey) Address {
	u := pub.SerializeUncompressed() // 0x04 ‖ X ‖ Y
	sum := Keccak256(u[1:])
	var a Address
	copy(a[:], sum[12:])
	return a
}

// PackAction is the msgpack of an action given as its JSON, keys in the
// order the JSON has them: the bytes the venue hashes are Python's
// msgpack.packb of the action dict, which keeps insertion order, so the
// JSON sent and the bytes hashed come from one text. Integers pack in
// their smallest form; a fraction or exponent is refused, since the venue
// hashes prices and sizes as strings and any float would hash otherwise.
func PackAction(action []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(action))
	dec.UseNumber()
	var buf bytes.Buffer
	enc := msgpack.NewEncoder(&buf)
	enc.UseCompactInts(true)
	if err := packValue(dec, enc); err != nil {
		return nil, fmt.Errorf("hyperliquid: packing action: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("hyperliquid: packing action: trailing data")
	}
	return buf.Bytes(), nil
}

// node is one JSON value read in order: a map's length must be known
// before its msgpack header is written.
type node struct {
	tok  json.Token
	keys []string
	kids []*node
	obj  bool
	arr  bool
}

func readNode(dec *json.Decoder) (*node, error) {
	t, err := dec.Token()
	if err != nil {
		return nil, err
	}
	d, ok := t.(json.Delim)
	if !ok {
		return &node{tok: t}, nil
	}
	n := &node{obj: d == '{', arr: d == '['}
	if !n.obj && !n.arr {
		return nil, fmt.Errorf("unexpected %v", d)
	}
	for dec.More() {
		if n.obj {
			kt, err := dec.Token()
			if err != nil {
				return nil, err
			}
			k, ok := kt.(string)
			if !ok {
				return nil, fmt.Errorf("key %v", kt)
			}
			n.keys = append(n.keys, k)
		}
		kid, err := readNode(dec)
		if err != nil {
			return nil, err
		}
		n.kids = append(n.kids, kid)
	}
	if _, err := dec.Token(); err != nil { // the closing delimiter
		return nil, err
	}
	return n, nil
}

func packValue(dec *json.Decoder, enc *msgpack.Encoder) error {
	n, err := readNode(dec)
	if err != nil {
		return err
	}
	return packNode(n, enc)
}

func packNode(n *node, enc *msgpack.Encoder) error {
	switch {
	case n.obj:
		if err := enc.EncodeMapLen(len(n.kids)); err != nil {
			return err
		}
		for i, k := range n.keys {
			if err := enc.EncodeString(k); err != nil {
				return err
			}
			if err := packNode(n.kids[i], enc); err != nil {
				return err
			}
		}
		return nil
	case n.arr:
		if err := enc.EncodeArrayLen(len(n.kids)); err != nil {
			return err
		}
		for _, k := range n.kids {
			if err := packNode(k, enc); err != nil {
				return err
			}
		}
		return nil
	}
	switch v := n.tok.(type) {
	case nil:
		return enc.EncodeNil()
	case bool:
		return enc.EncodeBool(v)
	case string:
		return enc.EncodeString(v)
	case json.Number:
		s := v.String()
		if strings.ContainsAny(s, ".eE") {
			return fmt.Errorf("number %s is not an integer", s)
		}
		if strings.HasPrefix(s, "-") {
			i, err := v.Int64()
			if err != nil {
				return err
			}
			return enc.EncodeInt(i)
		}
		var u uint64
		if _, err := fmt.Sscan(s, &u); err != nil {
			return fmt.Errorf("number %s: %w", s, err)
		}
		return enc.EncodeUint(u)
	}
	return fmt.Errorf("unexpected %T", n.tok)
}

// Suffix is what follows the packed action in the hashed bytes.
type Suffix struct {
	Nonce uint64
	Vault *Address // acting for a vault or subaccount; nil: the signer's own account
	// ExpiresAfter (ms), when set, makes the action invalid after it.
	ExpiresAfter *uint64
}

// ActionHash is the connection id of an L1 action: keccak256(packed ‖
// nonce (8 bytes, big-endian) ‖ 0x00 | 0x01 ‖ vault ‖ [0x00 ‖ expiresAfter]).
func ActionHash(packed []byte, s Suffix) [32]byte {
	b := make([]byte, 0, len(packed)+8+21+9)
	b = append(b, packed...)
	b = binary.BigEndian.AppendUint64(b, s.Nonce)
	if s.Vault == nil {
		b = append(b, 0)
	} else {
		b = append(append(b, 1), s.Vault[:]...)
	}
	if s.ExpiresAfter != nil {
		b = binary.BigEndian.AppendUint64(append(b, 0), *s.ExpiresAfter)
	}
	return Keccak256(b)
}

// Source is the phantom agent's source: "a" on mainnet, "b" on testnet.
// It is the only input that tells the networks apart (chainId is 1337 on
// both).
func Source(mainnet bool) string {
	if mainnet {
		return "a"
	}
	return "b"
}

var (
	domainType = Keccak256([]byte("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"))
	agentType  = Keccak256([]byte("Agent(string source,bytes32 connectionId)"))
	// exchangeDomain is the L1 domain: name "Exchange", version "1",
	// chainId 1337, verifyingContract the zero address.
	exchangeDomain = func() [32]byte {
		name, version := Keccak256([]byte("Exchange")), Keccak256([]byte("1"))
		var chain, contract [32]byte
		binary.BigEndian.PutUint64(chain[24:], 1337)
		return Keccak256(domainType[:], name[:], version[:], chain[:], contract[:])
	}()
)

// L1Digest is the EIP-712 digest of the phantom agent {source,
// connectionId}: what an L1 action's signature signs.
func L1Digest(connectionID [32]byte, source string) [32]byte {
	src := Keccak256([]byte(source))
	structHash := Keccak256(agentType[:], src[:], connectionID[:])
	return Keccak256([]byte{0x19, 0x01}, exchangeDomain[:], structHash[:])
}

// Signature is r, s and v (27 or 28) as the venue takes them.
type Signature struct {
	R string `json:"r"`
	S string `json:"s"`
	V int    `json:"v"`
}

// Wallet signs with one secp256k1 key: the account's own or an agent's.
type Wallet struct {
	key  *secp256k1.PrivateKey
	addr Address
}

// NewWallet reads a private key given as 64 hex digits (0x optional); the
// secret stays in its crypto.Secret, the parsed key in this Wallet only.
func NewWallet(secret crypto.Secret) (*Wallet, error) {
	h := bytes.TrimPrefix(bytes.TrimSpace(secret.Bytes()), []byte("0x"))
	if len(h) != 64 {
		return nil, errors.New("hyperliquid: the private key must be 64 hex digits (32 bytes), optionally after 0x")
	}
	var raw [32]byte
	defer clear(raw[:])
	if _, err := hex.Decode(raw[:], h); err != nil {
		return nil, errors.New("hyperliquid: the private key is not hex")
	}
	var sc secp256k1.ModNScalar
	if overflow := sc.SetByteSlice(raw[:]); overflow || sc.IsZero() {
		return nil, errors.New("hyperliquid: the private key is zero or not below the curve order")
	}
	k := secp256k1.NewPrivateKey(&sc)
	return &Wallet{key: k, addr: AddressOf(k.PubKey())}, nil
}

// Address is the signer's address: what the venue recovers from a good
// signature.
func (w *Wallet) Address() Address { return w.addr }

// Sign signs a 32-byte digest: RFC 6979 deterministic k, low s, v = 27 +
// the recovery id.
func (w *Wallet) Sign(digest [32]byte) Signature {
	sig := ecdsa.SignCompact(w.key, digest[:], false) // [27+recid] ‖ r ‖ s
	return Signature{R: "0x" + hex.EncodeToString(sig[1:33]), S: "0x" + hex.EncodeToString(sig[33:65]), V: int(sig[0])}
}

// Recover is the address that signed digest with sig, as the venue
// computes it: a signature over another digest recovers another address.
func Recover(digest [32]byte, sig Signature) (Address, error) {
	r, err1 := hex32(sig.R)
	s, err2 := hex32(sig.S)
	if err := errors.Join(err1, err2); err != nil {
		return Address{}, err
	}
	if sig.V != 27 && sig.V != 28 {
		return Address{}, fmt.Errorf("hyperliquid: v %d: want 27 or 28", sig.V)
	}
	compact := make([]byte, 0, 65)
	compact = append(compact, byte(sig.V))
	compact = append(append(compact, r[:]...), s[:]...)
	pub, _, err := ecdsa.RecoverCompact(compact, digest[:])
	if err != nil {
		return Address{}, err
	}
	return AddressOf(pub), nil
}

// hex32 reads a 0x-prefixed value of at most 32 bytes, left-padded (the
// SDK prints r and s without leading zero nibbles).
func hex32(s string) ([32]byte, error) {
	var out [32]byte
	h, ok := strings.CutPrefix(s, "0x")
	if !ok || len(h) == 0 || len(h) > 64 {
		return out, fmt.Errorf("hyperliquid: %q is not a 32-byte hex value", s)
	}
	if len(h)%2 == 1 {
		h = "0" + h
	}
	b, err := hex.DecodeString(h)
	if err != nil {
		return out, fmt.Errorf("hyperliquid: %q: %w", s, err)
	}
	copy(out[32-len(b):], b)
	return out, nil
}

// L1 is one L1 action signed: the inputs of its hash and what they give,
// none of it secret.
type L1 struct {
	Action       json.RawMessage
	Suffix       Suffix
	Source       string
	ConnectionID [32]byte
	Digest       [32]byte
	Signature    Signature
}

// SignL1 hashes and signs an action given as its JSON.
func (w *Wallet) SignL1(action []byte, s Suffix, mainnet bool) (L1, error) {
	packed, err := PackAction(action)
	if err != nil {
		return L1{}, err
	}
	l := L1{Action: action, Suffix: s, Source: Source(mainnet)}
	l.ConnectionID = ActionHash(packed, s)
	l.Digest = L1Digest(l.ConnectionID, l.Source)
	l.Signature = w.Sign(l.Digest)
	return l, nil
}

// Body is the JSON posted to /exchange: action, nonce, signature, then
// vaultAddress and expiresAfter only when set, in the order the shared
// vectors send them.
func (l L1) Body() []byte {
	b := make([]byte, 0, len(l.Action)+200)
	b = append(b, `{"action":`...)
	b = append(b, l.Action...)
	b = append(b, `,"nonce":`...)
	b = fmt.Appendf(b, "%d", l.Suffix.Nonce)
	b = fmt.Appendf(b, `,"signature":{"r":%q,"s":%q,"v":%d}`, l.Signature.R, l.Signature.S, l.Signature.V)
	if l.Suffix.Vault != nil {
		b = fmt.Appendf(b, `,"vaultAddress":%q`, l.Suffix.Vault.String())
	}
	if l.Suffix.ExpiresAfter != nil {
		b = fmt.Appendf(b, `,"expiresAfter":%d`, *l.Suffix.ExpiresAfter)
	}
	return append(b, '}')
}
