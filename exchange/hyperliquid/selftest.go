package hyperliquid

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"time"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange/rest"
)

// signingVectors is the shared vectors file, embedded so the signer checks
// itself in the binary a trader runs, not only in this package's tests.
//
//go:embed testdata/signing.json
var signingVectors []byte

func init() { rest.RegisterVectors(venueName, signingVectors, selfCheck) }

// vectorFields are a Hyperliquid vector's own fields, beyond rest's.
type vectorFields struct {
	PrivateKey   string          `json:"private_key"`
	Network      string          `json:"network"`
	Action       json.RawMessage `json:"action"`
	Nonce        uint64          `json:"nonce"`
	VaultAddress *string         `json:"vault_address"`
	ExpiresAfter *uint64         `json:"expires_after"`
	ActionHash   string          `json:"action_hash"`
}

// selfCheck signs one vector: one with a body through the client's own
// request path (the bytes it would send, nonce from a clock stopped at
// the vector's), the others through the signer, comparing r, s and v as
// integers (the SDK prints them without leading zeros); an action-hash-only
// vector by its hash.
func selfCheck(v rest.SigningVector) (got, want string, err error) {
	raw, err := vectorJSON(v.Name)
	if err != nil {
		return "", "", err
	}
	var f vectorFields
	if err := json.Unmarshal(raw, &f); err != nil {
		return "", "", err
	}
	var action bytes.Buffer
	if err := json.Compact(&action, f.Action); err != nil {
		return "", "", err
	}
	s := Suffix{Nonce: f.Nonce, ExpiresAfter: f.ExpiresAfter}
	if f.VaultAddress != nil {
		a, err := ParseAddress(*f.VaultAddress)
		if err != nil {
			return "", "", err
		}
		s.Vault = &a
	}
	if f.PrivateKey == "" {
		packed, err := PackAction(action.Bytes())
		if err != nil {
			return "", "", err
		}
		h := ActionHash(packed, s)
		return fmt.Sprintf("0x%x", h), f.ActionHash, nil
	}
	key := crypto.NewSecret([]byte(f.PrivateKey))
	defer key.Wipe()
	if v.BodySent != "" && s.Vault == nil && s.ExpiresAfter == nil {
		return sentBody(v, f, key, action.Bytes())
	}
	w, err := NewWallet(key)
	if err != nil {
		return "", "", err
	}
	l, err := w.SignL1(action.Bytes(), s, f.Network == "mainnet")
	if err != nil {
		return "", "", err
	}
	var e Signature
	if err := json.Unmarshal(v.ExpectedSignature, &e); err != nil {
		return "", "", err
	}
	if v.BodySent != "" {
		return string(l.Body()), v.BodySent, nil
	}
	return sigText(l.Signature), sigText(e), nil
}

// sentBody builds the vector's request on a client whose clock stands at
// the nonce: the body it would send must be the vector's.
func sentBody(v rest.SigningVector, f vectorFields, key crypto.Secret, action []byte) (string, string, error) {
	stamp := time.UnixMilli(int64(f.Nonce))
	network := WithNetwork("testnet")
	if f.Network == "mainnet" {
		network = WithNetwork("mainnet")
	}
	w, err := NewWallet(key)
	if err != nil {
		return "", "", err
	}
	c, err := New(WithBaseURL("https://selftest.invalid"), network, WithWallet(w.Address().String(), key),
		WithNow(func() time.Time { return stamp }))
	if err != nil {
		return "", "", err
	}
	req, err := c.path.Build(context.Background(), &rest.Request{Method: "POST", Path: "/exchange", Body: action, Kind: rest.JSON, Signed: true}, stamp)
	if err != nil {
		return "", "", err
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return "", "", err
	}
	return string(body), v.BodySent, nil
}

// sigText writes r, s and v as integers.
func sigText(s Signature) string {
	r, _ := new(big.Int).SetString(trim0x(s.R), 16)
	ss, _ := new(big.Int).SetString(trim0x(s.S), 16)
	return fmt.Sprintf("r=%x s=%x v=%d", r, ss, s.V)
}

func trim0x(s string) string {
	if len(s) >= 2 && s[:2] == "0x" {
		return s[2:]
	}
	return s
}

// vectorJSON is the named Hyperliquid vector as it stands in the file.
func vectorJSON(name string) (json.RawMessage, error) {
	var f struct {
		Published, Vectors []json.RawMessage
	}
	if err := json.Unmarshal(signingVectors, &f); err != nil {
		return nil, err
	}
	for _, raw := range append(f.Published, f.Vectors...) {
		var head struct{ Venue, Name string }
		if json.Unmarshal(raw, &head) == nil && head.Venue == venueName && head.Name == name {
			return raw, nil
		}
	}
	return nil, fmt.Errorf("no vector %q", name)
}
