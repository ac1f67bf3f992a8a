package hyperliquid

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"
	"testing"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange/rest/resttest"
)

// hlVector is a Hyperliquid case of signing.json.
type hlVector struct {
	Venue         string          `json:"venue"`
	Name          string          `json:"name"`
	PrivateKey    string          `json:"private_key"`
	SignerAddress string          `json:"signer_address"`
	Network       string          `json:"network"`
	Action        json.RawMessage `json:"action"`
	Nonce         uint64          `json:"nonce"`
	VaultAddress  *string         `json:"vault_address"`
	ExpiresAfter  *uint64         `json:"expires_after"`
	ActionHash    string          `json:"action_hash"`
	L1Digest      string          `json:"l1_digest"`
	BodySent      string          `json:"body_sent"`
	Expected      json.RawMessage `json:"expected_signature"`
}

func loadVectors(t *testing.T) []hlVector {
	t.Helper()
	resttest.Load(t) // the copy equals the shared file
	raw, err := os.ReadFile(filepath.Join("testdata", "signing.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct{ Published, Vectors []json.RawMessage }
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	var out []hlVector
	for _, r := range append(f.Published, f.Vectors...) {
		var v hlVector
		if json.Unmarshal(r, &v) == nil && v.Venue == venueName {
			var c bytes.Buffer
			if err := json.Compact(&c, v.Action); err != nil {
				t.Fatal(err)
			}
			v.Action = c.Bytes()
			out = append(out, v)
		}
	}
	if len(out) < 8 {
		t.Fatalf("%d hyperliquid vectors, want at least 8", len(out))
	}
	return out
}

func (v hlVector) suffix(t *testing.T) Suffix {
	s := Suffix{Nonce: v.Nonce, ExpiresAfter: v.ExpiresAfter}
	if v.VaultAddress != nil {
		a, err := ParseAddress(*v.VaultAddress)
		if err != nil {
			t.Fatal(err)
		}
		s.Vault = &a
	}
	return s
}

// sameInt compares r or s as integers: the SDK prints them without leading
// zero nibbles.
func sameInt(a, b string) bool {
	x, ok1 := new(big.Int).SetString(a[2:], 16)
	y, ok2 := new(big.Int).SetString(b[2:], 16)
	return ok1 && ok2 && x.Cmp(y) == 0
}

// TestVectors: every provided vector's action hash, digest, signature,
// signer address and body are reproduced byte for byte.
func TestVectors(t *testing.T) {
	for _, v := range loadVectors(t) {
		t.Run(v.Name, func(t *testing.T) {
			packed, err := PackAction(v.Action)
			if err != nil {
				t.Fatal(err)
			}
			h := ActionHash(packed, v.suffix(t))
			if v.ActionHash != "" && "0x"+hex.EncodeToString(h[:]) != v.ActionHash {
				t.Fatalf("action hash 0x%x, want %s (msgpack %x)", h, v.ActionHash, packed)
			}
			if v.PrivateKey == "" {
				return
			}
			w, err := NewWallet(crypto.NewSecret([]byte(v.PrivateKey)))
			if err != nil {
				t.Fatal(err)
			}
			if got := w.Address().String(); got != v.SignerAddress {
				t.Errorf("signer %s, want %s", got, v.SignerAddress)
			}
			l, err := w.SignL1(v.Action, v.suffix(t), v.Network == "mainnet")
			if err != nil {
				t.Fatal(err)
			}
			if v.L1Digest != "" && "0x"+hex.EncodeToString(l.Digest[:]) != v.L1Digest {
				t.Errorf("digest 0x%x, want %s", l.Digest, v.L1Digest)
			}
			var e Signature
			if err := json.Unmarshal(v.Expected, &e); err != nil {
				t.Fatal(err)
			}
			if !sameInt(l.Signature.R, e.R) || !sameInt(l.Signature.S, e.S) || l.Signature.V != e.V {
				t.Errorf("signature %+v, want %+v", l.Signature, e)
			}
			if v.BodySent != "" && string(l.Body()) != v.BodySent {
				t.Errorf("body\n%s\nwant\n%s", l.Body(), v.BodySent)
			}
			if a, err := Recover(l.Digest, e); err != nil || a != w.Address() {
				t.Errorf("recovered %s (%v), want %s", a, err, w.Address())
			}
		})
	}
}

// TestSDKVectors: the SDK's other signing tests (venues.md §7.7 H1, H5–H9),
// which the shared file does not carry.
func TestSDKVectors(t *testing.T) {
	const key = "0x0123456789012345678901234567890123456789012345678901234567890123"
	w, err := NewWallet(crypto.NewSecret([]byte(key)))
	if err != nil {
		t.Fatal(err)
	}
	if w.Address().String() != "0x14791697260e4c9a71f18484c9f997b308e59325" {
		t.Fatalf("address %s", w.Address())
	}
	packed, err := PackAction([]byte(`{"type":"order","orders":[{"a":4,"b":true,"p":"1670.1","s":"0.0147","r":false,"t":{"limit":{"tif":"Ioc"}}}],"grouping":"na"}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := "83a474797065a56f72646572a66f72646572739186a16104a162c3a170a6313637302e31a173a6302e30313437a172c2a17481a56c696d697481a3746966a3496f63a867726f7570696e67a26e61"; hex.EncodeToString(packed) != want {
		t.Errorf("msgpack %x, want %s", packed, want)
	}
	type sig struct {
		r, s string
		v    int
	}
	cases := []struct {
		name, action string
		main, test   sig
	}{
		{"cloid", `{"type":"order","orders":[{"a":1,"b":true,"p":"100","s":"100","r":false,"t":{"limit":{"tif":"Gtc"}},"c":"0x00000000000000000000000000000001"}],"grouping":"na"}`,
			sig{"0x41ae18e8239a56cacbc5dad94d45d0b747e5da11ad564077fcac71277a946e3", "0x3c61f667e747404fe7eea8f90ab0e76cc12ce60270438b2058324681a00116da", 27},
			sig{"0xeba0664bed2676fc4e5a743bf89e5c7501aa6d870bdb9446e122c9466c5cd16d", "0x7f3e74825c9114bc59086f1eebea2928c190fdfbfde144827cb02b85bbe90988", 28}},
		{"trigger", `{"type":"order","orders":[{"a":1,"b":true,"p":"100","s":"100","r":false,"t":{"trigger":{"isMarket":true,"triggerPx":"103","tpsl":"sl"}}}],"grouping":"na"}`,
			sig{"0x98343f2b5ae8e26bb2587daad3863bc70d8792b09af1841b6fdd530a2065a3f9", "0x6b5bb6bb0633b710aa22b721dd9dee6d083646a5f8e581a20b545be6c1feb405", 27},
			sig{"0x971c554d917c44e0e1b6cc45d8f9404f32172a9d3b3566262347d0302896a2e4", "0x206257b104788f80450f8e786c329daa589aa0b32ba96948201ae556d5637eac", 28}},
		{"create-subaccount", `{"type":"createSubAccount","name":"example"}`,
			sig{"0x51096fe3239421d16b671e192f574ae24ae14329099b6db28e479b86cdd6caa7", "0xb71f7d293af92d3772572afb8b102d167a7cef7473388286bc01f52a5c5b423", 27},
			sig{"0xa699e3ed5c2b89628c746d3298b5dc1cca604694c2c855da8bb8250ec8014a5b", "0x53f1b8153a301c72ecc655b1c315d64e1dcea3ee58921fd7507e35818fcc1584", 28}},
		{"subaccount-transfer", `{"type":"subAccountTransfer","subAccountUser":"0x1d9470d4b963f552e6f671a81619d395877bf409","isDeposit":true,"usd":10}`,
			sig{"0x43592d7c6c7d816ece2e206f174be61249d651944932b13343f4d13f306ae602", "0x71a926cb5c9a7c01c3359ec4c4c34c16ff8107d610994d4de0e6430e5cc0f4c9", 28},
			sig{"0xe26574013395ad55ee2f4e0575310f003c5bb3351b5425482e2969fa51543927", "0xefb08999196366871f919fd0e138b3a7f30ee33e678df7cfaf203e25f0a4278", 28}},
		{"schedule-cancel", `{"type":"scheduleCancel"}`,
			sig{"0x6cdfb286702f5917e76cd9b3b8bf678fcc49aec194c02a73e6d4f16891195df9", "0x6557ac307fa05d25b8d61f21fb8a938e703b3d9bf575f6717ba21ec61261b2a0", 27},
			sig{"0xc75bb195c3f6a4e06b7d395acc20bbb224f6d23ccff7c6a26d327304e6efaeed", "0x342f8ede109a29f2c0723bd5efb9e9100e3bbb493f8fb5164ee3d385908233df", 28}},
		{"schedule-cancel-time", `{"type":"scheduleCancel","time":123456789}`,
			sig{"0x609cb20c737945d070716dcc696ba030e9976fcf5edad87afa7d877493109d55", "0x16c685d63b5c7a04512d73f183b3d7a00da5406ff1f8aad33f8ae2163bab758b", 28},
			sig{"0x4e4f2dbd4107c69783e251b7e1057d9f2b9d11cee213441ccfa2be63516dc5bc", "0x706c656b23428c8ba356d68db207e11139ede1670481a9e01ae2dfcdb0e1a678", 27}},
	}
	for _, c := range cases {
		for _, n := range []struct {
			mainnet bool
			want    sig
		}{{true, c.main}, {false, c.test}} {
			l, err := w.SignL1([]byte(c.action), Suffix{}, n.mainnet)
			if err != nil {
				t.Fatal(err)
			}
			if !sameInt(l.Signature.R, n.want.r) || !sameInt(l.Signature.S, n.want.s) || l.Signature.V != n.want.v {
				t.Errorf("%s mainnet=%v: %+v, want %+v", c.name, n.mainnet, l.Signature, n.want)
			}
		}
	}
}

// TestPackActionRefusesFloats: a float would hash differently from the
// venue's string, so it never reaches a signature.
func TestPackActionRefusesFloats(t *testing.T) {
	if _, err := PackAction([]byte(`{"p":1.5}`)); err == nil {
		t.Fatal("a float packed")
	}
}
