package coinbase_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/coinbase"
	"github.com/vigil-trade/vigil/exchange/coinbase/coinbasetest"
	"github.com/vigil-trade/vigil/exchange/rest"
)

// TestRefusedTokenExplained: a key name whose private key in the vault is
// another key's is refused with a bare 401 twice (the first taken for the
// clock). The error then says what vigil signed (the token's header and
// claims, the key name masked), that the uri matches the request sent and
// the token was in its window, and names the key as the cause first.
func TestRefusedTokenExplained(t *testing.T) {
	srv := coinbasetest.New()
	ts := httptest.NewServer(srv)
	defer ts.Close()
	defer srv.Close()
	name, secret := keys[exchange.SchemeES256][0], keys[exchange.SchemeES256][1]
	if err := srv.AddKey(name, exchange.SchemeES256, secret, coinbasetest.Perms{}); err != nil {
		t.Fatal(err)
	}
	_, otherPEM, _ := coinbasetest.KeyFor("a different key", exchange.SchemeES256)
	c, err := coinbase.New(coinbase.WithBaseURL(ts.URL), coinbase.WithNetwork(exchange.Testnet),
		coinbase.WithKey(name, crypto.NewSecret([]byte(otherPEM))))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Balances(context.Background())
	var se *rest.SignatureError
	if !errors.As(err, &se) {
		t.Fatalf("want a refused signature explained, got %T: %v", err, err)
	}
	x := se.Explanation
	if se.Kind != exchange.KindSignature || x.Venue != "coinbase" || x.Code != coinbase.ErrUnauthenticated {
		t.Errorf("explanation of %s/%s, kind %v", x.Venue, x.Code, se.Kind)
	}
	host := strings.TrimPrefix(ts.URL, "http://")
	for _, want := range []string{`"alg":"ES256"`, `"kid":"` + crypto.MaskID(name) + `"`, `"uri":"GET ` + host + coinbasetest.Prefix + `/accounts"`, `"exp":`} {
		if !strings.Contains(x.Prehash, want) {
			t.Errorf("what was signed lacks %s: %s", want, x.Prehash)
		}
	}
	if strings.Contains(x.Prehash, name) || strings.Contains(err.Error(), otherPEM[40:80]) {
		t.Errorf("the key name or the private key shown: %s", x.Prehash)
	}
	if x.FirstDiff != -1 {
		t.Errorf("the token's uri and the request sent differ at %d: %+v", x.FirstDiff, x)
	}
	if len(x.Causes) == 0 || x.Causes[0].Code != rest.CauseSecret {
		t.Fatalf("causes %+v, want the key first", x.Causes)
	}
	if !strings.Contains(se.Advice(), "private key in the vault") || !strings.Contains(se.Advice(), "bytes sent: identical") {
		t.Errorf("the advice does not carry the explanation: %s", se.Advice())
	}
	refused := 0
	for _, r := range srv.Requests() {
		if !r.Accepted {
			refused++
		}
	}
	if refused != 2 {
		t.Errorf("%d refusals, want the first (taken for the clock) and the one explained", refused)
	}
}
