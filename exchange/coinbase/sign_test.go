package coinbase

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/coinbase/coinbasetest"
	"github.com/vigil-trade/vigil/exchange/rest/resttest"
	"github.com/vigil-trade/vigil/exchange/venuetest"
)

// jwtVectors are the file's Coinbase JWT vectors with what resttest does
// not read.
func jwtVectors(t *testing.T) map[string]jwtVector {
	t.Helper()
	resttest.Load(t) // the copy equals the published file
	out := map[string]jwtVector{}
	for _, v := range resttest.Load(t).Of(t, venueName, 4) {
		jv, err := jwtVectorOf(v.Name)
		if err != nil {
			t.Fatal(err)
		}
		out[v.Name] = jv
	}
	return out
}

func vectorKey(t *testing.T, name string) (*Key, resttest.Vector) {
	t.Helper()
	for _, v := range resttest.Load(t).Of(t, venueName, 4) {
		if v.Name == name {
			sc, _ := schemeOfVector(v.Scheme)
			k, err := ParseKey(v.KeyID, sc, crypto.NewSecret([]byte(v.Secret)))
			if err != nil {
				t.Fatal(err)
			}
			return k, v
		}
	}
	t.Fatalf("no vector %s", name)
	return nil, resttest.Vector{}
}

func compact(t *testing.T, raw json.RawMessage) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestEdDSAVectorByteForByte: the vector's header and claims, marshalled
// through vigil's Header and Claims (whose field order the token's bytes
// depend on) and signed with the vector's key, are its token.
func TestEdDSAVectorByteForByte(t *testing.T) {
	jv := jwtVectors(t)["cdp-ed25519-post-order"]
	k, _ := vectorKey(t, "cdp-ed25519-post-order")
	var h Header
	var c Claims
	if err := errors.Join(json.Unmarshal(jv.JWTHeader, &h), json.Unmarshal(jv.JWTClaims, &c)); err != nil {
		t.Fatal(err)
	}
	tok, err := k.Sign(h, c)
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.TrimPrefix(jv.Authorization, "Bearer "); tok != want {
		t.Fatalf("token\n%s\nwant\n%s", tok, want)
	}
}

// TestES256Vector: ES256 is randomised, so two signatures of the vector's
// header and claims differ, yet each, and the vector's own, verifies, and
// the signed header and claims are the vector's bytes.
func TestES256Vector(t *testing.T) {
	jv := jwtVectors(t)["cdp-es256-get-accounts"]
	k, _ := vectorKey(t, "cdp-es256-get-accounts")
	h, c := compact(t, jv.JWTHeader), compact(t, jv.JWTClaims)
	a, err := k.SignRaw(h, c)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := k.SignRaw(h, c)
	if a == b {
		t.Fatal("two ES256 signatures are equal: not randomised")
	}
	for _, tok := range []string{a, b, strings.TrimPrefix(jv.Authorization, "Bearer ")} {
		pt, err := ParseToken(tok)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(pt.RawHeader, h) || !bytes.Equal(pt.RawClaims, c) {
			t.Fatalf("header %s claims %s, want the vector's", pt.RawHeader, pt.RawClaims)
		}
		if err := pt.Verify(k.Public()); err != nil {
			t.Fatal(err)
		}
	}
	// A signature over other claims does not verify as this token's.
	pt, _ := ParseToken(a)
	pt.input = strings.Replace(pt.input, ".", ".x", 1)
	if pt.Verify(k.Public()) == nil {
		t.Fatal("a signature verified over other bytes")
	}
}

// TestRequestToken: what reaches the wire for a signed GET with a query and
// a POST with a body carries a fresh token per request: alg and kid of the
// key, sub the key name, iss "cdp", exp two minutes after nbf (the clock's
// stamp), uri the method, host and path without the query, a nonce that
// differs each time, and a signature that verifies.
func TestRequestToken(t *testing.T) {
	for _, sc := range []exchange.Scheme{exchange.SchemeES256, exchange.SchemeEd25519} {
		t.Run(string(sc), func(t *testing.T) {
			name, secret, err := coinbasetest.KeyFor("token", sc)
			if err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			var got []*http.Request
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				got = append(got, r.Clone(context.Background()))
				mu.Unlock()
				switch r.URL.Path {
				case Prefix + "/time":
					now := time.Now()
					_, _ = w.Write([]byte(`{"epochMillis":"` + itoa(now.UnixMilli()) + `"}`))
				case Prefix + "/accounts":
					_, _ = w.Write([]byte(`{"accounts":[],"has_next":false}`))
				default:
					_, _ = w.Write([]byte(`{"success":true,"success_response":{"order_id":"7"}}`))
				}
			}))
			defer srv.Close()
			c, err := New(WithBaseURL(srv.URL), WithNetwork(exchange.Testnet), WithAccount(exchange.AccountInfo{Name: "a", Scheme: sc}),
				WithKey(name, crypto.NewSecret([]byte(secret))))
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			for range 2 {
				if _, err := c.Balances(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := c.Place(ctx, venuetest.LimitBuy(coinbasetest.BTC, dec("50000"))); err != nil {
				t.Fatal(err)
			}
			host := strings.TrimPrefix(srv.URL, "http://")
			nonces := map[string]bool{}
			signed := 0
			for _, r := range got {
				auth := r.Header.Get("Authorization")
				if r.URL.Path == Prefix+"/time" {
					if auth != "" {
						t.Error("the public time request carries a token")
					}
					continue
				}
				signed++
				pt, err := ParseToken(strings.TrimPrefix(auth, "Bearer "))
				if err != nil {
					t.Fatal(err)
				}
				if err := pt.Verify(c.Key().Public()); err != nil {
					t.Fatal(err)
				}
				cl := pt.Claims
				if want := r.Method + " " + host + r.URL.Path; cl.URI != want || strings.Contains(cl.URI, "?") {
					t.Errorf("uri %q, want %q", cl.URI, want)
				}
				if pt.Header.Kid != name || cl.Sub != name || cl.Iss != "cdp" || cl.Exp-cl.Nbf != 120 || pt.Header.Alg != c.Key().Alg() {
					t.Errorf("header %+v claims %+v", pt.Header, cl)
				}
				if d := time.Since(time.Unix(cl.Nbf, 0)); d < 0 || d > 5*time.Second {
					t.Errorf("nbf %v from now", -d)
				}
				if len(pt.Header.Nonce) != 32 || nonces[pt.Header.Nonce] {
					t.Errorf("nonce %q: missing or repeated", pt.Header.Nonce)
				}
				nonces[pt.Header.Nonce] = true
				if len(cl.Aud) != 0 || cl.Iat != 0 || len(cl.URIs) != 0 {
					t.Errorf("claims beyond the docs': %s", pt.RawClaims)
				}
			}
			if signed != 3 {
				t.Fatalf("%d signed requests, want 3", signed)
			}
		})
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestParseKeyForms: an ES256 key as SEC 1 or PKCS#8 PEM, also pasted
// with literal \n; an Ed25519 key as 64 bytes, its 32-byte seed, and
// refusals that say what is wrong without the key.
func TestParseKeyForms(t *testing.T) {
	_, pemKey, _ := coinbasetest.KeyFor("forms", exchange.SchemeES256)
	for _, s := range []string{pemKey, strings.ReplaceAll(pemKey, "\n", `\n`), "  " + pemKey + "\n\n"} {
		k, err := ParseKey("k", exchange.SchemeES256, crypto.NewSecret([]byte(s)))
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := k.Public().(*ecdsa.PublicKey); !ok || k.Alg() != "ES256" {
			t.Fatalf("%T %s", k.Public(), k.Alg())
		}
	}
	_, edKey, _ := coinbasetest.KeyFor("forms", exchange.SchemeEd25519)
	k, err := ParseKey("k", exchange.SchemeEd25519, crypto.NewSecret([]byte(edKey)))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := k.Public().(ed25519.PublicKey); !ok || k.Alg() != "EdDSA" {
		t.Fatalf("%T %s", k.Public(), k.Alg())
	}
	for _, bad := range []struct {
		sc     exchange.Scheme
		secret string
		says   string
	}{
		{exchange.SchemeES256, edKey, "PEM"},
		{exchange.SchemeEd25519, pemKey, "Ed25519"},
		{exchange.SchemeES256, pemKey[:60], "PEM"},
		{exchange.SchemeEd25519, "AAAA", "32 or 64"},
		{exchange.SchemeEd25519, edKey[:40] + "AAAA" + edKey[44:], "second half"},
	} {
		_, err := ParseKey("k", bad.sc, crypto.NewSecret([]byte(bad.secret)))
		if err == nil || !strings.Contains(err.Error(), bad.says) {
			t.Errorf("%s %q…: %v, want a refusal saying %q", bad.sc, bad.secret[:min(10, len(bad.secret))], err, bad.says)
		}
		if err != nil && len(bad.secret) > 20 && strings.Contains(err.Error(), bad.secret[10:20]) {
			t.Errorf("the refusal shows the key: %v", err)
		}
	}
}

// TestClientIDRule: vigil's ids are UUIDs; what Coinbase takes is not
// documented, so the rule is letters, digits, - and _ up to 64.
func TestClientIDRule(t *testing.T) {
	rule := regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	venuetest.ClientIDRule(t, ClientIDPolicy, rule, "client_order_id",
		[]string{"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "cap1", "ccxt-853bb1f7", strings.Repeat("a", 64)},
		[]string{"", "a b", "x/y", strings.Repeat("a", 65)})
}
