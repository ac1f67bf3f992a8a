package hyperliquidtest

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
	"golang.org/x/crypto/sha3"
)

// The fake verifies signatures as Hyperliquid does, and written apart from
// the client (exchange/hyperliquid) so the two check each other: its own
// msgpack writer over the action's JSON in key order, the action hash, the
// phantom agent's EIP-712 digest, and the address recovered from {r, s, v}.
// A signature over any other bytes recovers some other address, which the
// fake names in "User or API Wallet 0x… does not exist." as the venue does.

func keccak(parts ...[]byte) []byte {
	h := sha3.NewLegacyKeccak256()
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum(nil)
}

// Address is the address of a 64-hex-digit private key (0x optional):
// what a test registers on the fake for a key it holds.
func Address(privHex string) string {
	raw, err := hex.DecodeString(strings.TrimPrefix(privHex, "0x"))
	if err != nil || len(raw) != 32 {
		panic("hyperliquidtest: a private key is 32 bytes of hex")
	}
	return addressOf(secp256k1.PrivKeyFromBytes(raw).PubKey())
}

func addressOf(pub *secp256k1.PublicKey) string {
	u := pub.SerializeUncompressed()
	return "0x" + hex.EncodeToString(keccak(u[1:])[12:])
}

// msgpack writes what Python's msgpack.packb writes for the value the JSON
// holds: maps in key order, the smallest integer forms, str8 from 32 bytes.
type packer struct{ b bytes.Buffer }

func (p *packer) value(dec *json.Decoder) error {
	t, err := dec.Token()
	if err != nil {
		return err
	}
	switch v := t.(type) {
	case json.Delim:
		var inner packer
		n := 0
		for dec.More() {
			if v == '{' {
				k, err := dec.Token()
				if err != nil {
					return err
				}
				ks, ok := k.(string)
				if !ok {
					return errors.New("key is not a string")
				}
				inner.str(ks)
			}
			if err := inner.value(dec); err != nil {
				return err
			}
			n++
		}
		if _, err := dec.Token(); err != nil {
			return err
		}
		if v == '{' {
			p.head(n, 0x80, 0xde, 0xdf)
		} else {
			p.head(n, 0x90, 0xdc, 0xdd)
		}
		p.b.Write(inner.b.Bytes())
	case string:
		p.str(v)
	case bool:
		if v {
			p.b.WriteByte(0xc3)
		} else {
			p.b.WriteByte(0xc2)
		}
	case nil:
		p.b.WriteByte(0xc0)
	case json.Number:
		if strings.ContainsAny(string(v), ".eE") {
			return fmt.Errorf("float %s in an action", v)
		}
		if strings.HasPrefix(string(v), "-") {
			i, err := v.Int64()
			if err != nil {
				return err
			}
			p.int(i)
			return nil
		}
		u, err := strconv.ParseUint(string(v), 10, 64)
		if err != nil {
			return err
		}
		p.uint(u)
	}
	return nil
}

// head writes a map or array header: fix form under 16, else 16 or 32 bits.
func (p *packer) head(n int, fix, b16, b32 byte) {
	switch {
	case n < 16:
		p.b.WriteByte(fix | byte(n))
	case n <= math.MaxUint16:
		p.b.WriteByte(b16)
		p.b.Write(binary.BigEndian.AppendUint16(nil, uint16(n)))
	default:
		p.b.WriteByte(b32)
		p.b.Write(binary.BigEndian.AppendUint32(nil, uint32(n)))
	}
}

func (p *packer) str(s string) {
	n := len(s)
	switch {
	case n < 32:
		p.b.WriteByte(0xa0 | byte(n))
	case n <= math.MaxUint8:
		p.b.Write([]byte{0xd9, byte(n)})
	case n <= math.MaxUint16:
		p.b.WriteByte(0xda)
		p.b.Write(binary.BigEndian.AppendUint16(nil, uint16(n)))
	default:
		p.b.WriteByte(0xdb)
		p.b.Write(binary.BigEndian.AppendUint32(nil, uint32(n)))
	}
	p.b.WriteString(s)
}

func (p *packer) uint(u uint64) {
	switch {
	case u < 128:
		p.b.WriteByte(byte(u))
	case u <= math.MaxUint8:
		p.b.Write([]byte{0xcc, byte(u)})
	case u <= math.MaxUint16:
		p.b.WriteByte(0xcd)
		p.b.Write(binary.BigEndian.AppendUint16(nil, uint16(u)))
	case u <= math.MaxUint32:
		p.b.WriteByte(0xce)
		p.b.Write(binary.BigEndian.AppendUint32(nil, uint32(u)))
	default:
		p.b.WriteByte(0xcf)
		p.b.Write(binary.BigEndian.AppendUint64(nil, u))
	}
}

func (p *packer) int(i int64) {
	switch {
	case i >= -32:
		p.b.WriteByte(byte(int8(i)))
	case i >= math.MinInt8:
		p.b.Write([]byte{0xd0, byte(int8(i))})
	case i >= math.MinInt16:
		p.b.WriteByte(0xd1)
		p.b.Write(binary.BigEndian.AppendUint16(nil, uint16(int16(i))))
	case i >= math.MinInt32:
		p.b.WriteByte(0xd2)
		p.b.Write(binary.BigEndian.AppendUint32(nil, uint32(int32(i))))
	default:
		p.b.WriteByte(0xd3)
		p.b.Write(binary.BigEndian.AppendUint64(nil, uint64(i)))
	}
}

func pack(action []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(action))
	dec.UseNumber()
	var p packer
	if err := p.value(dec); err != nil {
		return nil, err
	}
	return p.b.Bytes(), nil
}

// signed is an /exchange request body.
type signed struct {
	Action    json.RawMessage `json:"action"`
	Nonce     uint64          `json:"nonce"`
	Signature struct {
		R string `json:"r"`
		S string `json:"s"`
		V int    `json:"v"`
	} `json:"signature"`
	VaultAddress *string `json:"vaultAddress"`
	ExpiresAfter *uint64 `json:"expiresAfter"`
}

// recoverSigner is the address the venue recovers from a request, with the
// phantom agent's source ("a" mainnet, "b" testnet).
func recoverSigner(req *signed, source string) (string, error) {
	packed, err := pack(req.Action)
	if err != nil {
		return "", err
	}
	data := binary.BigEndian.AppendUint64(packed, req.Nonce)
	if req.VaultAddress == nil {
		data = append(data, 0)
	} else {
		v, err := hex.DecodeString(strings.TrimPrefix(*req.VaultAddress, "0x"))
		if err != nil || len(v) != 20 {
			return "", errors.New("bad vaultAddress")
		}
		data = append(append(data, 1), v...)
	}
	if req.ExpiresAfter != nil {
		data = binary.BigEndian.AppendUint64(append(data, 0), *req.ExpiresAfter)
	}
	connectionID := keccak(data)
	chain := make([]byte, 32)
	chain[30], chain[31] = 0x05, 0x39 // 1337
	domain := keccak(keccak([]byte("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")),
		keccak([]byte("Exchange")), keccak([]byte("1")), chain, make([]byte, 32))
	agent := keccak(keccak([]byte("Agent(string source,bytes32 connectionId)")), keccak([]byte(source)), connectionID)
	digest := keccak([]byte{0x19, 0x01}, domain, agent)
	r, err1 := word(req.Signature.R)
	s, err2 := word(req.Signature.S)
	if err := errors.Join(err1, err2); err != nil {
		return "", err
	}
	if req.Signature.V != 27 && req.Signature.V != 28 {
		return "", errors.New("bad v")
	}
	pub, _, err := ecdsa.RecoverCompact(append(append([]byte{byte(req.Signature.V)}, r...), s...), digest)
	if err != nil {
		return "", err
	}
	return addressOf(pub), nil
}

func word(s string) ([]byte, error) {
	h := strings.TrimPrefix(s, "0x")
	if len(h)%2 == 1 {
		h = "0" + h
	}
	b, err := hex.DecodeString(h)
	if err != nil || len(b) > 32 {
		return nil, fmt.Errorf("bad signature word %q", s)
	}
	return append(make([]byte, 32-len(b)), b...), nil
}

// nonceSet is one signer's highest nonces, as the venue keeps them: a new
// one must be above the smallest kept once the set is full, and never used.
type nonceSet struct {
	mu   sync.Mutex
	kept []uint64 // ascending
}

// maxNonces is the set's size: the stricter of the gitbook's two texts,
// "the 20 highest" (one more per 1M USDC of volume, up to 100) against an
// older "100 highest".
const maxNonces = 20

// take checks n at server time now: within a day of it (the stricter text;
// the older one says (T − 2 days, T + 1 day)), not used, above the
// smallest kept when full.
func (ns *nonceSet) take(n uint64, now time.Time) string {
	ms := uint64(now.UnixMilli())
	day := uint64(24 * time.Hour / time.Millisecond)
	if n+day <= ms || n >= ms+day {
		return fmt.Sprintf("Invalid nonce: nonce %d is outside the allowed window", n)
	}
	ns.mu.Lock()
	defer ns.mu.Unlock()
	i := sort.Search(len(ns.kept), func(i int) bool { return ns.kept[i] >= n })
	if i < len(ns.kept) && ns.kept[i] == n {
		return fmt.Sprintf("Invalid nonce: duplicate nonce %d", n)
	}
	if len(ns.kept) >= maxNonces {
		if i == 0 {
			return fmt.Sprintf("Invalid nonce: nonce %d is below the lowest of the last %d", n, maxNonces)
		}
		ns.kept = ns.kept[1:]
		i--
	}
	ns.kept = append(ns.kept, 0)
	copy(ns.kept[i+1:], ns.kept[i:])
	ns.kept[i] = n
	return ""
}
