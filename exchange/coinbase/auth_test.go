package coinbase_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/coinbase"
	"github.com/vigil-trade/vigil/exchange/coinbase/coinbasetest"
)

// TestFakeChecksTokensAsCoinbase: a token not yet valid, expired, for
// another uri, of an unknown key or signed by another key is a bare 401
// (the log says which); the same token made right is served. The fake's
// clock is 30 s off ours, and the tokens are stamped by its clock.
func TestFakeChecksTokensAsCoinbase(t *testing.T) {
	srv := coinbasetest.NewServer()
	defer srv.Close()
	srv.Sim().SetSkew(30 * time.Second)
	name, secret := keys[exchange.SchemeES256][0], keys[exchange.SchemeES256][1]
	if err := srv.AddKey(name, exchange.SchemeES256, secret, coinbasetest.Perms{}); err != nil {
		t.Fatal(err)
	}
	key, err := coinbase.ParseKey(name, exchange.SchemeES256, crypto.NewSecret([]byte(secret)))
	if err != nil {
		t.Fatal(err)
	}
	_, otherPEM, _ := coinbasetest.KeyFor("someone else", exchange.SchemeES256)
	other, _ := coinbase.ParseKey(name, exchange.SchemeES256, crypto.NewSecret([]byte(otherPEM)))
	unknown, _ := coinbase.ParseKey("organizations/x/apiKeys/unknown", exchange.SchemeES256, crypto.NewSecret([]byte(secret)))

	host := strings.TrimPrefix(srv.URL, "http://")
	path := coinbasetest.Prefix + "/accounts"
	uri := coinbase.URIOf(http.MethodGet, host, path)
	now := srv.Sim().Now()
	for _, c := range []struct {
		name   string
		key    *coinbase.Key
		claims coinbase.Claims
		code   string
	}{
		{"valid", key, coinbase.ClaimsAt(name, now, uri), ""},
		{"valid by ccxt's claims", key, coinbase.Claims{Aud: []string{"retail_rest_api_proxy"}, Iss: "coinbase-cloud", Nbf: now.Unix(), Exp: now.Unix() + 120, Sub: name, Iat: now.Unix(), URI: uri}, ""},
		{"not yet valid", key, coinbase.ClaimsAt(name, now.Add(2*time.Second), uri), coinbasetest.CodeTime},
		{"stamped by our clock, 30 s behind the fake's: not expired", key, coinbase.ClaimsAt(name, time.Now(), uri), ""},
		{"expired", key, coinbase.ClaimsAt(name, now.Add(-121*time.Second), uri), coinbasetest.CodeTime},
		{"uri with the query", key, coinbase.ClaimsAt(name, now, uri+"?limit=250"), "unauthorized:uri"},
		{"uri of another host", key, coinbase.ClaimsAt(name, now, coinbase.URIOf(http.MethodGet, "api.coinbase.com", path)), "unauthorized:uri"},
		{"uri of another method", key, coinbase.ClaimsAt(name, now, coinbase.URIOf(http.MethodPost, host, path)), "unauthorized:uri"},
		{"unknown key", unknown, coinbase.ClaimsAt(unknown.Name(), now, uri), "unauthorized:kid"},
		{"another key's signature", other, coinbase.ClaimsAt(name, now, uri), "unauthorized:signature"},
		{"sub not the kid", key, coinbase.ClaimsAt("organizations/x/apiKeys/y", now, uri), "unauthorized:claims"},
	} {
		t.Run(c.name, func(t *testing.T) {
			tok, err := c.key.Token(c.claims)
			if err != nil {
				t.Fatal(err)
			}
			req, _ := http.NewRequest(http.MethodGet, srv.URL+path+"?limit=250", nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			reqs := srv.Requests()
			last := reqs[len(reqs)-1]
			switch {
			case c.code == "" && resp.StatusCode != http.StatusOK:
				t.Fatalf("HTTP %d (%s), want served", resp.StatusCode, last.Code)
			case c.code != "" && (resp.StatusCode != http.StatusUnauthorized || last.Code != c.code):
				t.Fatalf("HTTP %d (%s), want 401 (%s)", resp.StatusCode, last.Code, c.code)
			}
		})
	}
}

// TestUnauthorizedTwiceIsTheKey: Coinbase's 401 says not why. The first is
// taken for the clock: the client measures it and sends once more with a
// fresh token; refused again, the key is wrong, said as an auth error
// naming the key, never as a clock error. A key whose token is refused
// only for its time recovers with the one retry.
func TestUnauthorizedTwiceIsTheKey(t *testing.T) {
	srv := coinbasetest.New()
	ts := httptest.NewServer(srv)
	defer ts.Close()
	defer srv.Close()
	name := keys[exchange.SchemeES256][0]
	_, wrongPEM, _ := coinbasetest.KeyFor("not this key", exchange.SchemeES256)
	if err := srv.AddKey(name, exchange.SchemeES256, wrongPEM, coinbasetest.Perms{}); err != nil {
		t.Fatal(err)
	}
	c, err := coinbase.New(coinbase.WithBaseURL(ts.URL), coinbase.WithNetwork(exchange.Testnet),
		coinbase.WithKey(name, crypto.NewSecret([]byte(keys[exchange.SchemeES256][1]))))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	_, err = c.Balances(ctx)
	var ce *exchange.ClockError
	// A refused signature (explained: TestRefusedTokenExplained).
	if exchange.KindOf(err) != exchange.KindSignature || errors.As(err, &ce) || !strings.Contains(exchange.AdviceOf(err), "key name") {
		t.Fatalf("a wrong key: %v (kind %v, advice %q), want a refused signature", err, exchange.KindOf(err), exchange.AdviceOf(err))
	}
	var balances, times int
	for _, r := range srv.Requests() {
		switch r.Path {
		case coinbasetest.Prefix + "/accounts":
			balances++
		case coinbasetest.Prefix + "/time":
			times++
		}
	}
	if balances != 2 || times < 2 {
		t.Fatalf("%d balance requests and %d time probes, want the refused one, a re-measure and one retry", balances, times)
	}
	if strings.Contains(err.Error(), keys[exchange.SchemeES256][1][40:80]) {
		t.Fatal("the error shows the private key")
	}
}

// TestLegacyHMACKey: a legacy key (deprecated) signs its REST requests
// with CB-ACCESS-* headers the fake checks, its audit says it is legacy,
// and it has no stream, which says why.
func TestLegacyHMACKey(t *testing.T) {
	srv := coinbasetest.New()
	ts := httptest.NewServer(srv)
	defer ts.Close()
	defer srv.Close()
	id, secret := keys[exchange.SchemeHMAC][0], keys[exchange.SchemeHMAC][1]
	if err := srv.AddKey(id, exchange.SchemeHMAC, secret, coinbasetest.Perms{}); err != nil {
		t.Fatal(err)
	}
	c, err := coinbase.New(coinbase.WithBaseURL(ts.URL), coinbase.WithNetwork(exchange.Testnet),
		coinbase.WithAccount(exchange.AccountInfo{Name: "legacy", Scheme: exchange.SchemeHMAC}), coinbase.WithKey(id, crypto.NewSecret([]byte(secret))))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.Balances(ctx); err != nil {
		t.Fatal(err)
	}
	ki, err := c.KeyInfo(ctx)
	if err != nil || !strings.Contains(strings.Join(ki.Notes, ";"), "legacy") {
		t.Fatalf("audit %+v %v, want a note that the key is legacy", ki, err)
	}
	if _, err := c.Stream(ctx); err == nil || !strings.Contains(err.Error(), "CDP key") {
		t.Fatalf("stream with a legacy key: %v", err)
	}
	for _, r := range srv.Requests() {
		if !r.Accepted {
			t.Errorf("the fake refused %s %s: %s", r.Method, r.Path, r.Code)
		}
	}
}

// TestClockHeadroomIsTheTokenWindow: the clock pane's limits are the
// token's: a second ahead (nbf, whole seconds) and two minutes behind
// (exp). This machine 20 s ahead of Coinbase is a danger (a token stamped
// by its clock would not be valid yet), 20 s behind is not (it would still
// be); either way the offset is measured and no token is refused.
func TestClockHeadroomIsTheTokenWindow(t *testing.T) {
	for _, skew := range []time.Duration{-20 * time.Second, 20 * time.Second} {
		srv := coinbasetest.New()
		ts := httptest.NewServer(srv)
		srv.Sim().SetSkew(skew)
		name, secret := keys[exchange.SchemeES256][0], keys[exchange.SchemeES256][1]
		if err := srv.AddKey(name, exchange.SchemeES256, secret, coinbasetest.Perms{}); err != nil {
			t.Fatal(err)
		}
		c, err := coinbase.New(coinbase.WithBaseURL(ts.URL), coinbase.WithNetwork(exchange.Testnet), coinbase.WithKey(name, crypto.NewSecret([]byte(secret))))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Balances(context.Background()); err != nil {
			t.Fatal(err)
		}
		s := c.Clock()
		if !s.Synced || s.AheadLimit != time.Second || s.BehindLimit != coinbase.TokenLife || (s.Offset-skew).Abs() > time.Second {
			t.Fatalf("fake %v: clock %+v", skew, s)
		}
		if s.HeadroomBehind < 100*time.Second || s.HeadroomAhead <= 0 || s.Danger != (skew < 0) {
			t.Fatalf("fake %v: headroom ahead %v behind %v danger %v", skew, s.HeadroomAhead, s.HeadroomBehind, s.Danger)
		}
		if n := srv.TimeRefusals(); n != 0 {
			t.Fatalf("fake %v: %d tokens refused for their time", skew, n)
		}
		ts.Close()
		srv.Close()
	}
}
