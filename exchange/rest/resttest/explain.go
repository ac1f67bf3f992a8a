package resttest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/kit"
	"github.com/vigil-trade/vigil/exchange/rest"
)

// RefusedSignature is every venue's check of the explanation of a refused
// signature, on the venue's fake: a signature made wrong on purpose (one
// byte of the prehash, through mac, the client's signing MAC) is explained
// as vigil's signer signing other bytes than it sent, with the differing
// byte marked where the explanation compares two strings; a secret that
// does not belong to the key is explained as that. The explanation is in
// the error's advice (what Events show) and holds no secret and no whole
// key id.
func RefusedSignature(t *testing.T, d *kit.Descriptor, mac func(exchange.Venue) *rest.MAC) {
	fake, err := d.Fake(kit.FakeConfig{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	creds, err := fake.AddKey("explain", d.DefaultScheme().Scheme, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	open := func(c kit.Credentials) exchange.Venue {
		v, err := d.Open(kit.Params{
			Info:  exchange.AccountInfo{Name: "explain", Venue: d.Name, Network: d.Networks[0].Network, ClientID: d.ClientID, KeyID: rest.MaskKey(c.KeyID)},
			Creds: c, REST: fake.REST, WS: fake.WS,
		})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	explain := func(v exchange.Venue) *rest.SignatureExplanation {
		t.Helper()
		_, err := v.Balances(ctx)
		var se *rest.SignatureError
		if !errors.As(err, &se) || se.Kind != exchange.KindSignature {
			t.Fatalf("balances: %v, want a refused signature explained", err)
		}
		x := se.Explanation
		if len(x.Causes) == 0 || !strings.Contains(exchange.AdviceOf(err), x.Causes[0].Text) {
			t.Fatalf("advice %q does not carry the explanation %+v", exchange.AdviceOf(err), x)
		}
		b, _ := json.Marshal(x)
		for _, s := range append([][]byte{creds.Secret.Bytes(), []byte(creds.KeyID)}, fieldBytes(creds)...) {
			if len(s) >= 4 && bytes.Contains(b, s) {
				t.Fatalf("the explanation shows a secret or a whole key id: %s", b)
			}
		}
		if x.Prehash == "" || x.Method == "" || x.Path == "" || (x.Query == "" && x.Body == "" && x.Method != "GET") {
			t.Fatalf("explanation lacks what was signed and sent: %+v", x)
		}
		return x
	}

	v := open(creds)
	const at = 3
	restore := mac(v).CorruptPrehash(at)
	x := explain(v)
	if x.Causes[0].Code != rest.CauseSignerFault {
		t.Fatalf("one byte of the prehash changed: causes %+v, want %s first", x.Causes, rest.CauseSignerFault)
	}
	if x.Compared[0] != "" && x.FirstDiff != at {
		t.Fatalf("%s vs %s: first difference at %d, want %d\n%s", x.Compared[0], x.Compared[1], x.FirstDiff, at, strings.Join(x.Lines(), "\n"))
	}
	t.Logf("explanation:\n%s", strings.Join(x.Lines(), "\n"))
	restore()
	if _, err := v.Balances(ctx); err != nil {
		t.Fatalf("signer restored: %v", err)
	}

	wrong := creds
	wrong.Secret = crypto.NewSecret(append(bytes.Clone(creds.Secret.Bytes()[:len(creds.Secret.Bytes())-1]), 'x'^creds.Secret.Bytes()[len(creds.Secret.Bytes())-1]))
	if d.DefaultScheme().Material != kit.HMACSecret {
		return // a changed private key does not parse; the HMAC case covers the secret
	}
	x = explain(open(wrong))
	if x.Causes[0].Code != rest.CauseSecret {
		t.Fatalf("wrong secret: causes %+v, want %s first", x.Causes, rest.CauseSecret)
	}
}

func fieldBytes(c kit.Credentials) [][]byte {
	var out [][]byte
	for _, f := range c.Fields {
		out = append(out, f.Bytes())
	}
	return out
}
