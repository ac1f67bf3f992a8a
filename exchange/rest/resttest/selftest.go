package resttest

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/kit"
	"github.com/vigil-trade/vigil/exchange/rest"
)

// SelfTest is every venue's signer self-test check: the self-test runs
// every vector of the venue in testdata/signing.json and passes; with one
// vector corrupted it fails naming that vector, and a client opened on the
// venue's fake then signs nothing: its signed call fails with a
// *rest.SelfTestError and nothing signed is sent.
func SelfTest(t *testing.T, venue string, d *kit.Descriptor) {
	f := Load(t)
	want := 0
	for _, v := range append(f.Published, f.Vectors...) {
		if v.Venue == venue {
			want++
		}
	}
	rep := rest.SelfTest(venue)
	if !rep.Registered || rep.Err != nil || rep.Ran != want || want == 0 {
		t.Fatalf("self-test: %+v, want %d vectors passed", rep, want)
	}

	restore := rest.CorruptSelfTestVector(venue, "")
	defer restore()
	rep = rest.SelfTest(venue)
	var ste *rest.SelfTestError
	if !errors.As(rep.Err, &ste) || ste.Vector == "" || ste.Venue != venue || rep.Ran != 1 {
		t.Fatalf("corrupted self-test: %+v, want a failure naming the first vector", rep)
	}

	fake, err := d.Fake(kit.FakeConfig{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	creds, err := fake.AddKey("selftest", d.DefaultScheme().Scheme, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var sent atomic.Int32
	v, err := d.Open(kit.Params{
		Info:  exchange.AccountInfo{Name: "selftest", Venue: venue, Network: d.Networks[0].Network, ClientID: d.ClientID},
		Creds: creds, REST: fake.REST, WS: fake.WS,
		Observer: func(*rest.Sent) { sent.Add(1) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := v.(interface{ Close() error }); ok {
		defer c.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = v.Balances(ctx)
	if !errors.As(err, &ste) || ste.Vector != rep.Err.(*rest.SelfTestError).Vector {
		t.Fatalf("signed call with a failed self-test: %v, want the *rest.SelfTestError", err)
	}
	if n := sent.Load(); n != 0 {
		t.Fatalf("%d signed requests sent after the self-test failed", n)
	}
	// A stream logs in with the same signer: it is refused too.
	if s, ok := v.(exchange.Streamer); ok {
		st, err := s.Stream(ctx)
		if err == nil {
			st.Close()
		}
		if !errors.As(err, &ste) {
			t.Fatalf("stream with a failed self-test: %v, want the *rest.SelfTestError", err)
		}
	}

	restore()
	if _, err := v.Balances(ctx); err != nil {
		t.Fatalf("after restoring the vector: %v", err)
	}
	if sent.Load() == 0 {
		t.Fatal("no signed request observed once the self-test passed")
	}
}
