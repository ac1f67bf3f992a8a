package kraken

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/kraken/krakentest"
	"github.com/vigil-trade/vigil/exchange/rest"
)

// TestRefusedSignatureExplained: a prehash changed in one byte is
// explained as vigil's signer at fault, at that byte; a private key that
// is not the key's is explained as the secret. (resttest.RefusedSignature
// flips the last character of the secret's text, which for Kraken's base64
// key is no key at all.)
func TestRefusedSignatureExplained(t *testing.T) {
	srv := krakentest.New()
	defer srv.Close()
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	const id = "explainKey"
	if err := srv.AddKey(id, krakentest.KitSecret("explain"), krakentest.TradePerms(krakentest.DefaultAccount)); err != nil {
		t.Fatal(err)
	}
	explain := func(secret string, corrupt bool) *rest.SignatureExplanation {
		t.Helper()
		c, err := New(WithBaseURL(ts.URL), WithNetwork(exchange.Testnet), WithNonceDir(""), WithKey(id, crypto.NewSecret([]byte(secret))))
		if err != nil {
			t.Fatal(err)
		}
		if corrupt {
			defer c.signer.mac.CorruptPrehash(3)()
		}
		_, err = c.Balances(context.Background())
		var se *rest.SignatureError
		if !errors.As(err, &se) || se.Kind != exchange.KindSignature || len(se.Explanation.Causes) == 0 {
			t.Fatalf("balances: %v, want a refused signature explained", err)
		}
		x := se.Explanation
		if strings.Contains(x.Body, secret) || strings.Contains(strings.Join(x.Lines(), "\n"), secret) {
			t.Fatal("the explanation shows the secret")
		}
		return x
	}
	x := explain(krakentest.KitSecret("explain"), true)
	if x.Causes[0].Code != rest.CauseSignerFault || x.FirstDiff != 3 || !strings.HasPrefix(x.Rebuilt, "/0/private/BalanceEx") {
		t.Errorf("corrupted prehash: %+v", x)
	}
	x = explain(krakentest.KitSecret("another key"), false)
	if x.Causes[0].Code != rest.CauseSecret || x.FirstDiff != -1 {
		t.Errorf("wrong secret: %+v", x)
	}
}
