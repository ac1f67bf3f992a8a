package deribit

import (
	"testing"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange/deribit/deribittest"
)

// TestClientSignatureVector is the docs' public/auth example (venues.md
// D1): the signature covers "ts\nnonce\n" and the empty data, with no
// newline after it (the docs' shell one-liner adds one and disagrees with
// their printed output).
func TestClientSignatureVector(t *testing.T) {
	s, err := NewSigner("AAAAAAAAAAA", crypto.NewSecret([]byte("ABCD")))
	if err != nil {
		t.Fatal(err)
	}
	const want = "e20c9cd5639d41f8bbc88f4d699c4baf94a4f0ee320e9a116b72743c449eb994"
	if got := s.SignAuth("1554883365000", "fdbmmz79", ""); got != want {
		t.Fatalf("client_signature %s, want %s", got, want)
	}
	if got := string(AppendAuthPrehash(nil, "1554883365000", "fdbmmz79", "")); got != "1554883365000\nfdbmmz79\n" {
		t.Fatalf("prehash %q", got)
	}
}

// TestSignerAgreesWithTheFake: the fake computes signatures on its own
// (deribittest), from the bytes it receives; both agree on a GET, a POST
// and a login.
func TestSignerAgreesWithTheFake(t *testing.T) {
	secret := "s3cr3t-with+odd=chars"
	s, err := NewSigner("id", crypto.NewSecret([]byte(secret)))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ method, uri, body string }{
		{"GET", "/api/v2/private/get_account_summaries?extended=true", ""},
		{"POST", "/api/v2/private/buy", `{"jsonrpc":"2.0","id":1,"method":"private/buy","params":{"label":"a&b"}}`},
	} {
		if got, want := s.SignHTTP("1700000000000", "n0nce", c.method, c.uri, []byte(c.body)), deribittest.HTTPSignature([]byte(secret), "1700000000000", "n0nce", c.method, c.uri, c.body); got != want {
			t.Errorf("%s %s: %s, the fake %s", c.method, c.uri, got, want)
		}
	}
	if got, want := s.SignAuth("1700000000000", "n0nce", ""), deribittest.AuthSignature([]byte(secret), "1700000000000", "n0nce", ""); got != want {
		t.Errorf("client_signature %s, the fake %s", got, want)
	}
}
