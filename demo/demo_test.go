package demo_test

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/vigil-trade/vigil/demo"
	"github.com/vigil-trade/vigil/exchange"
)

// settle polls until the goroutine count is back to at most base, as goleak
// does: connection goroutines end asynchronously after their sockets close.
func settle(t *testing.T, base int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			n := runtime.Stack(buf, true)
			t.Fatalf("%d goroutines after Close, %d before Start:\n%s", runtime.NumGoroutine(), base, buf[:n])
		}
		<-tick.C
	}
}

func TestStartEveryVenueAnswers(t *testing.T) {
	base := runtime.NumGoroutine()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	d, err := demo.Start(ctx, demo.WithSeed(7), demo.WithStepEvery(20*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	vs := d.Venues()
	if len(vs) < 2 {
		t.Fatalf("%d venues", len(vs))
	}
	schemes := map[exchange.Scheme]bool{}
	for _, v := range vs {
		info := v.Info()
		schemes[info.Scheme] = true
		if !info.Demo || info.Network != exchange.Testnet || info.KeyID == "" || strings.Count(info.KeyID, "…") != 1 {
			t.Errorf("%s: info %+v", info.Name, info)
		}
		if err := v.SyncClock(ctx); err != nil {
			t.Fatalf("%s: SyncClock: %v", info.Name, err)
		}
		cs := v.Clock()
		if !cs.Synced || cs.Danger {
			t.Errorf("%s: clock %+v", info.Name, cs)
		}
		ki, err := v.KeyInfo(ctx)
		if err != nil {
			t.Fatalf("%s: KeyInfo: %v", info.Name, err)
		}
		if ki.Trade != exchange.TriYes || ki.Withdraw == exchange.TriYes {
			t.Errorf("%s: key %+v", info.Name, ki)
		}
		bs, err := v.Balances(ctx)
		if err != nil {
			t.Fatalf("%s: Balances: %v", info.Name, err)
		}
		assets := map[string]bool{}
		for _, b := range bs {
			assets[b.Asset] = true
		}
		for a := range demo.Funding {
			if !assets[a] {
				t.Errorf("%s: no %s in %+v", info.Name, a, bs)
			}
		}
		open, err := v.OpenOrders(ctx, "")
		if err != nil {
			t.Fatalf("%s: OpenOrders: %v", info.Name, err)
		}
		// The far order stays; the near ones may have filled already.
		if len(open) == 0 {
			t.Errorf("%s: blotter empty", info.Name)
		}
		for _, o := range open {
			if o.Status != exchange.StatusNew && o.Status != exchange.StatusPartiallyFilled {
				t.Errorf("%s: open order %+v", info.Name, o)
			}
		}
	}
	names := map[string]bool{}
	for _, v := range vs {
		names[v.Info().Name] = true
	}
	for _, n := range []string{"demo-binance", "demo-binance-ed", "demo-okx", "demo-bybit"} {
		if !names[n] {
			t.Errorf("no demo account %s in %v", n, names)
		}
	}
	if !schemes[exchange.SchemeHMAC] || !schemes[exchange.SchemeEd25519] {
		t.Errorf("schemes %v", schemes)
	}
	d.Close()
	d.Close() // idempotent
	settle(t, base)
}

// The one-account-behind setup shows: two accounts on the same fake venue
// see offsets about 250 ms apart.
func TestClocksDiffer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	d, err := demo.Start(ctx, demo.WithoutOrders())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	off := map[string]time.Duration{}
	for _, v := range d.Venues() {
		if err := v.SyncClock(ctx); err != nil {
			t.Fatal(err)
		}
		off[v.Info().Name] = v.Clock().Offset
	}
	gap := off["demo-binance-ed"] - off["demo-binance"]
	if gap < 200*time.Millisecond || gap > 300*time.Millisecond {
		t.Fatalf("offsets %v: gap %v, want about 250ms", off, gap)
	}
	if h := off["demo-binance"]; h < 20*time.Millisecond || h > 60*time.Millisecond {
		t.Fatalf("binance skew %v, want about +40ms", h)
	}
}

// Resting orders fill as prices walk: with a fast walk, the near orders are
// gone from the book soon, while the far one stays.
func TestOrdersFillAsPricesWalk(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	d, err := demo.Start(ctx, demo.WithSeed(3), demo.WithStepEvery(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	v := d.Venues()[0]
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		open, err := v.OpenOrders(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(open) < 3 {
			bs, err := v.Balances(ctx)
			if err != nil {
				t.Fatal(err)
			}
			changed := false
			for _, b := range bs {
				if f, ok := demo.Funding[b.Asset]; ok && !b.Total().Equal(f) {
					changed = true
				}
			}
			if !changed {
				t.Fatalf("an order left the book but no balance moved: %+v", bs)
			}
			return
		}
		select {
		case <-ctx.Done():
			t.Fatal("no resting order filled")
		case <-tick.C:
		}
	}
}

func TestStartStopsWithContext(t *testing.T) {
	base := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	d, err := demo.Start(ctx, demo.WithFaults(true), demo.WithoutOrders())
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	d.Close()
	settle(t, base)
}
