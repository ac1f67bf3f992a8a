package feed

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/kit"
	"github.com/vigil-trade/vigil/exchange/rest"
	"github.com/vigil-trade/vigil/exchange/venues"
	"github.com/vigil-trade/vigil/views"
)

// TestRefusedSignatureReachesEvents: on each venue's fake, a signature made
// wrong on purpose (one byte of the prehash) reaches Events once, as an
// error whose advice explains it: what vigil signed and that its signer,
// not the key, is at fault.
func TestRefusedSignatureReachesEvents(t *testing.T) {
	names := []string{"binance", "okx", "bybit"} // the venues with an explanation
	var vs []exchange.Venue
	for _, name := range names {
		d, ok := venues.Lookup(name)
		if !ok {
			t.Fatalf("no venue %s", name)
		}
		f, err := d.Fake(kit.FakeConfig{Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(f.Close)
		creds, err := f.AddKey(name, d.DefaultScheme().Scheme, time.Now().Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		v, err := d.Open(kit.Params{Info: exchange.AccountInfo{Name: name, Venue: name, Network: d.Networks[0].Network, ClientID: d.ClientID},
			Creds: creds, REST: f.REST, WS: f.WS})
		if err != nil {
			t.Fatal(err)
		}
		// Under the corruption below a first self-test would fail instead.
		if rep := rest.SelfTest(name); rep.Err != nil {
			t.Fatal(rep.Err)
		}
		vs = append(vs, v)
	}
	defer rest.CorruptPrehashes(3)()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var rec recorder
	f := Start(ctx, vs, rec.sink(0), Options{NoStream: true, BalancesEvery: 50 * time.Millisecond, Timeout: 10 * time.Second})
	defer f.Wait()
	defer cancel()

	logged := func() map[string][]views.LogMsg {
		out := map[string][]views.LogMsg{}
		for _, e := range rec.snapshot() {
			if m, ok := e.Msg.(views.LogMsg); ok && strings.HasPrefix(m.Text, "signature refused") {
				out[m.Account] = append(out[m.Account], m)
			}
		}
		return out
	}
	deadline := time.Now().Add(30 * time.Second)
	for len(logged()) < len(names) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond) // waiting on the feed's goroutines, not timing them
	}
	// Several balance polls later, still once per account.
	time.Sleep(200 * time.Millisecond)
	got := logged()
	for _, name := range names {
		ms := got[name]
		if len(ms) != 1 {
			t.Errorf("%s: %d signature lines in Events, want 1: %+v", name, len(ms), ms)
			continue
		}
		if m := ms[0]; m.Level != views.LevelError || !strings.Contains(m.Advice, "vigil signed") || !strings.Contains(m.Advice, "a fault in vigil") {
			t.Errorf("%s: Events line %+v: want the explanation naming vigil's signer", name, m)
		}
	}
}
