package demo

import (
	"context"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/vigil-trade/vigil/exchange/kit"
	"github.com/vigil-trade/vigil/exchange/sim"
)

// The schedule hits reads now and then and never orders.
func TestScheduleFaults(t *testing.T) {
	k := &fakeVenue{Fake: &kit.Fake{Sim: sim.New(sim.WithSeed(5))}}
	scheduleFaults(k)
	f := k.Sim.Faults()
	for range 2000 {
		if _, ok := f.Take("POST /api/v3/order"); ok {
			t.Fatal("an order drew a fault")
		}
		f.Take("GET /api/v3/account")
	}
	slow, bad := f.Taken(sim.FaultSlow), f.Taken(sim.Fault5xx)
	// 3% and about 1.5% of 2000 reads, give or take.
	if slow < 25 || slow > 100 || bad < 10 || bad > 60 {
		t.Fatalf("slow %d, 5xx %d of 2000 reads", slow, bad)
	}
}

// Streams drop every two to five minutes until the context ends.
func TestDropStreams(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var drops atomic.Int32
		k := &fakeVenue{Fake: &kit.Fake{DropStreams: func() { drops.Add(1) }}}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() {
			dropStreams(ctx, k, rand.New(rand.NewPCG(1, 2)))
			close(done)
		}()
		time.Sleep(119 * time.Second)
		synctest.Wait()
		if n := drops.Load(); n != 0 {
			t.Fatalf("%d drops within two minutes", n)
		}
		time.Sleep(30 * time.Minute)
		synctest.Wait()
		if n := drops.Load(); n < 6 || n > 15 {
			t.Fatalf("%d drops in 32 minutes, want 6..15", n)
		}
		cancel()
		<-done
	})
}
