package feed

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	tea "charm.land/bubbletea/v2"
)

// recorder is a sink that, like Program.Send, blocks the caller: each
// delivery waits until the test's consumer takes it.
type recorder struct {
	mu      sync.Mutex
	got     []Envelope // batches unpacked
	batches int
}

func (r *recorder) sink(delay time.Duration) func(tea.Msg) {
	return func(m tea.Msg) {
		if delay > 0 {
			time.Sleep(delay) // fake time under synctest: a slow Update
		}
		r.mu.Lock()
		switch m := m.(type) {
		case Batch:
			r.got = append(r.got, m...)
			r.batches++
		default:
			r.got = append(r.got, m.(Envelope))
		}
		r.mu.Unlock()
	}
}

func (r *recorder) snapshot() []Envelope {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Envelope(nil), r.got...)
}

func TestBridgeEventsInOrderNeverDroppedUnderSlowConsumer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		var rec recorder
		b := NewBridge(rec.sink(5*time.Millisecond), 0)
		go b.Run(ctx)

		const n = 1000
		start := time.Now()
		for i := range n {
			b.Event("a", 0, i)
		}
		// Producers never waited on the consumer.
		if d := time.Since(start); d != 0 {
			t.Fatalf("enqueueing took %v of fake time; producers must not block", d)
		}
		time.Sleep(n * 6 * time.Millisecond)
		synctest.Wait()
		got := rec.snapshot()
		if len(got) != n {
			t.Fatalf("delivered %d events, want %d", len(got), n)
		}
		for i, e := range got {
			if e.Msg.(int) != i {
				t.Fatalf("event %d is %v: out of order", i, e.Msg)
			}
		}
	})
}

func TestBridgeCoalescesStateLatestWins(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		var rec recorder
		b := NewBridge(rec.sink(0), 100*time.Millisecond)
		go b.Run(ctx)

		// 100 updates over one second for each of two accounts.
		for i := range 100 {
			b.State(KindClock, "a", 0, i)
			b.State(KindClock, "b", 0, 1000+i)
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(time.Second)
		synctest.Wait()
		got := rec.snapshot()
		var a, bb []int
		for _, e := range got {
			switch e.Account {
			case "a":
				a = append(a, e.Msg.(int))
			case "b":
				bb = append(bb, e.Msg.(int))
			}
		}
		// ~10 Hz over ~1 s: about 10 deliveries each, not 100.
		if len(a) > 12 || len(bb) > 12 {
			t.Fatalf("a got %d deliveries, b %d: state was not coalesced", len(a), len(bb))
		}
		if len(a) == 0 || a[len(a)-1] != 99 || bb[len(bb)-1] != 1099 {
			t.Fatalf("last delivered a=%v b=%v; the last update must win", a, bb)
		}
		for i := 1; i < len(a); i++ {
			if a[i] <= a[i-1] {
				t.Fatalf("a went back: %v", a)
			}
		}
	})
}

func TestBridgeBurstOfStateDeliversOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		var rec recorder
		b := NewBridge(rec.sink(0), 100*time.Millisecond)
		go b.Run(ctx)
		synctest.Wait()
		for i := range 100 {
			b.State(KindBudget, "a", 0, i)
		}
		time.Sleep(time.Second)
		synctest.Wait()
		got := rec.snapshot()
		if len(got) > 2 || got[len(got)-1].Msg.(int) != 99 {
			t.Fatalf("got %d deliveries ending in %v; want at most 2 ending in 99", len(got), got[len(got)-1].Msg)
		}
	})
}

func TestBridgeDropsStaleGenerations(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		var rec recorder
		b := NewBridge(rec.sink(0), 100*time.Millisecond)
		// Queue before Run so SetGen finds them pending.
		b.SetGen("a", 1)
		b.Event("a", 1, "old event")
		b.State(KindClock, "a", 1, "old state")
		b.State(KindClock, "b", 1, "b state")
		b.SetGen("a", 2)
		b.Event("a", 1, "late old event")
		b.State(KindBalances, "a", 1, "late old state")
		b.Event("a", 2, "new event")
		b.SetGen("a", 1) // generations never go back
		b.Event("a", 1, "older still")
		go b.Run(ctx)
		time.Sleep(time.Second)
		synctest.Wait()
		var msgs []any
		for _, e := range rec.snapshot() {
			msgs = append(msgs, e.Msg)
		}
		want := []any{"new event", "b state"}
		if len(msgs) != len(want) || msgs[0] != want[0] || msgs[1] != want[1] {
			t.Fatalf("delivered %v, want %v", msgs, want)
		}
	})
}

func TestBridgeStopsWithContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		var rec recorder
		b := NewBridge(rec.sink(0), 0)
		done := make(chan struct{})
		go func() { b.Run(ctx); close(done) }()
		b.State(KindQuote, "a", 0, 1)
		cancel()
		synctest.Wait()
		select {
		case <-done:
		default:
			t.Fatal("Run did not return after ctx ended")
		}
	})
}
