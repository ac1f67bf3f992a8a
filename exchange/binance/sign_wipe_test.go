package binance

import (
	"context"
	"runtime"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/binance/binancetest"
	"github.com/vigil-trade/vigil/exchange/rest"
)

// TestSignerSurvivesWipe: the vault may wipe the Secret after the client is
// built; signing must not silently switch to an all-zero key once the pool
// builds a fresh MAC state.
func TestSignerSurvivesWipe(t *testing.T) {
	payload := []byte("symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559")
	const want = "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71" // venues.md §1.7 B1
	for _, scheme := range []exchange.Scheme{exchange.SchemeHMAC, exchange.SchemeEd25519} {
		t.Run(string(scheme), func(t *testing.T) {
			key := docSecret
			if scheme == exchange.SchemeEd25519 {
				key = rfcEdPEM
			}
			sec := crypto.NewSecret([]byte(key))
			s, err := NewSigner(scheme, sec)
			if err != nil {
				t.Fatal(err)
			}
			before := s.Sign(payload)
			if scheme == exchange.SchemeHMAC && before != want {
				t.Fatalf("before Wipe: %s, want %s", before, want)
			}
			sec.Wipe()
			for round := range 3 {
				// Two collections empty a sync.Pool (primary and victim
				// caches), so the next signature needs a fresh MAC state.
				runtime.GC()
				runtime.GC()
				if after := s.Sign(payload); after != before {
					t.Fatalf("round %d: Sign changed after Wipe: %s vs %s", round, after, before)
				}
				runtime.GC()
				runtime.GC()
				got := s.AppendSignature(append([]byte(nil), payload...), payload)
				if string(got) != string(payload)+"&signature="+string(rest.AppendEscaped(nil, before, "")) {
					t.Fatalf("round %d: AppendSignature changed after Wipe: %s", round, got[len(payload):])
				}
			}
		})
	}
}

// The same through the client against the fake, which verifies every
// signature: a wiped Secret must not turn into -1022 later on.
func TestClientSignsAfterSecretWiped(t *testing.T) {
	srv := binancetest.NewServer()
	defer srv.Close()
	srv.AddHMACKey(docAPIKey, docSecret, binancetest.TradePerms("wipe"))
	if err := srv.Sim().Deposit("wipe", "BTC", decimal.RequireFromString("1.5")); err != nil {
		t.Fatal(err)
	}
	sec := crypto.NewSecret([]byte(docSecret))
	c, err := New(WithBaseURL(srv.URL), WithAPIKey(docAPIKey), WithSecret(sec))
	if err != nil {
		t.Fatal(err)
	}
	sec.Wipe()
	ctx := context.Background()
	for range 3 {
		runtime.GC()
		runtime.GC()
		b, err := c.Balances(ctx)
		if err != nil {
			t.Fatalf("after Wipe: %v", err)
		}
		if len(b) != 1 || b[0].Asset != "BTC" || !b[0].Free.Equal(decimal.RequireFromString("1.5")) {
			t.Fatalf("balances %v", b)
		}
	}
}
