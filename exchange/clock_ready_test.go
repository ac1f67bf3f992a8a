package exchange

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// serverProbe answers like a venue whose clock is offset ahead of time.Now,
// after rtt, counting the calls.
func serverProbe(offset, rtt time.Duration, calls *atomic.Int32) func(context.Context) (time.Time, error) {
	return func(ctx context.Context) (time.Time, error) {
		calls.Add(1)
		select {
		case <-time.After(rtt / 2):
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		}
		at := time.Now().Add(offset)
		time.Sleep(rtt / 2)
		return at, nil
	}
}

// TestClockReadyProbesBeforeFirstStamp: a clock without a sample is not
// ready; Ready takes one probe, after which a stamp carries the venue's
// offset, and a ready clock answers without probing.
func TestClockReadyProbesBeforeFirstStamp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const offset = 12 * time.Second
		c := NewClock(ClockConfig{Account: "a"})
		if c.usable.Load() {
			t.Fatal("a new clock says it is ready")
		}
		var calls atomic.Int32
		probe := serverProbe(offset, 20*time.Millisecond, &calls)
		if err := c.Ready(t.Context(), probe); err != nil {
			t.Fatal(err)
		}
		if n := calls.Load(); n != 1 {
			t.Fatalf("%d probes, want 1", n)
		}
		server := time.Now().Add(offset)
		if d := server.Sub(c.Stamp()); d < 0 || d > time.Second {
			t.Fatalf("stamp %v behind the server after Ready, want within (0, 1s]", d)
		}
		if err := c.Ready(t.Context(), probe); err != nil {
			t.Fatal(err)
		}
		if n := calls.Load(); n != 1 {
			t.Fatalf("a ready clock probed again (%d probes)", n)
		}
	})
}

// TestClockReadySharesOneProbe: callers arriving together wait for one
// probe instead of sending one each.
func TestClockReadySharesOneProbe(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := NewClock(ClockConfig{Account: "a"})
		var calls atomic.Int32
		probe := serverProbe(-1800*time.Millisecond, 40*time.Millisecond, &calls)
		var wg sync.WaitGroup
		errs := make(chan error, 16)
		for range 16 {
			wg.Go(func() { errs <- c.Ready(t.Context(), probe) })
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if n := calls.Load(); n != 1 {
			t.Fatalf("%d probes for 16 concurrent callers, want 1", n)
		}
	})
}

// TestClockReadyAfterInvalidate: the samples behind a refused stamp do
// not make the clock ready; the next Ready probes, and that sample does.
func TestClockReadyAfterInvalidate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := NewClock(ClockConfig{Account: "a"})
		var calls atomic.Int32
		probe := serverProbe(35*time.Second, 10*time.Millisecond, &calls)
		if err := c.Sync(t.Context(), 4, probe); err != nil {
			t.Fatal(err)
		}
		if err := c.Ready(t.Context(), probe); err != nil || calls.Load() != 4 {
			t.Fatalf("after Sync: err %v, %d probes, want none beyond Sync's 4", err, calls.Load())
		}
		c.Invalidate("test refusal")
		if err := c.Ready(t.Context(), probe); err != nil {
			t.Fatal(err)
		}
		if n := calls.Load(); n != 5 {
			t.Fatalf("%d probes, want one more after Invalidate", n)
		}
		if !c.NeedsSync() {
			t.Fatal("one quick probe after a refusal stands in for the full sync")
		}
	})
}

// TestClockReadyProbeFails: a failed probe is the caller's error and is
// shown in the snapshot; the clock stays not ready and the next caller
// probes again.
func TestClockReadyProbeFails(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := NewClock(ClockConfig{Account: "a"})
		boom := errors.New("connection refused")
		var calls atomic.Int32
		failing := func(context.Context) (time.Time, error) { calls.Add(1); return time.Time{}, boom }
		if err := c.Ready(t.Context(), failing); !errors.Is(err, boom) {
			t.Fatalf("err %v, want the probe's", err)
		}
		if s := c.Snapshot(); s.Synced || !strings.Contains(s.Err, "connection refused") {
			t.Fatalf("snapshot %+v after a failed probe", s)
		}
		if err := c.Ready(t.Context(), failing); !errors.Is(err, boom) || calls.Load() != 2 {
			t.Fatalf("second Ready: err %v, %d probes", err, calls.Load())
		}
		ue := &ClockUnknownError{Venue: "binance", Err: boom}
		if ue.Error() != "clock of binance unknown: connection refused" || !errors.Is(ue, boom) {
			t.Fatalf("ClockUnknownError reads %q", ue.Error())
		}
	})
}

// TestClockReadyAbandonedProbe: when the caller that started the probe
// gives up, a waiter with time left probes itself instead of taking the
// other caller's cancellation as the venue's answer.
func TestClockReadyAbandonedProbe(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := NewClock(ClockConfig{Account: "a"})
		var calls atomic.Int32
		probe := serverProbe(time.Second, 100*time.Millisecond, &calls)
		short, cancel := context.WithTimeout(t.Context(), 10*time.Millisecond)
		defer cancel()
		first := make(chan error, 1)
		go func() { first <- c.Ready(short, probe) }()
		synctest.Wait() // the first caller's probe is in flight
		second := make(chan error, 1)
		go func() { second <- c.Ready(t.Context(), probe) }()
		if err := <-first; !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("first caller: %v, want its own deadline", err)
		}
		if err := <-second; err != nil {
			t.Fatalf("second caller: %v", err)
		}
		if n := calls.Load(); n != 2 {
			t.Fatalf("%d probes, want the abandoned one and the waiter's", n)
		}
	})
}
