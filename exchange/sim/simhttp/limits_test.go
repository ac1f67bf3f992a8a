package simhttp

import (
	"sync"
	"testing"
	"time"
)

func TestRollingWindow(t *testing.T) {
	var rl Rolling
	t0 := time.UnixMilli(1_700_000_000_000)
	per := 2 * time.Second
	for i := range 3 {
		ok, left, reset := rl.Take(t0.Add(time.Duration(i)*100*time.Millisecond), 3, per, "a")
		if !ok || left != 2-i || !reset.Equal(t0.Add(time.Duration(i)*100*time.Millisecond)) {
			t.Fatalf("take %d: %v %d %v", i, ok, left, reset)
		}
	}
	// Full: refused until the oldest request leaves the window.
	ok, left, reset := rl.Take(t0.Add(time.Second), 3, per, "a")
	if ok || left != 0 || !reset.Equal(t0.Add(per)) {
		t.Errorf("over the limit: %v %d %v", ok, left, reset)
	}
	// A request exactly per after the oldest no longer counts it.
	if ok, left, _ := rl.Take(t0.Add(per), 3, per, "a"); !ok || left != 0 {
		t.Errorf("at the window's edge: %v %d", ok, left)
	}
	// Buckets are separate.
	if ok, left, _ := rl.Take(t0.Add(time.Second), 3, per, "b"); !ok || left != 2 {
		t.Errorf("other bucket: %v %d", ok, left)
	}
}

func TestRollingStopsAtTheFirstFullBucket(t *testing.T) {
	var rl Rolling
	now := time.UnixMilli(0)
	rl.Take(now, 1, time.Second, "full")
	ok, _, reset := rl.Take(now, 1, time.Second, "x", "full", "y")
	if ok || !reset.Equal(now.Add(time.Second)) {
		t.Fatalf("got %v %v", ok, reset)
	}
	// x was charged before full refused; y was never reached.
	if ok, _, _ := rl.Take(now, 1, time.Second, "x"); ok {
		t.Error("x not charged")
	}
	if ok, _, _ := rl.Take(now, 1, time.Second, "y"); !ok {
		t.Error("y charged after the refusal")
	}
	if ok, left, _ := rl.Take(now, 1, time.Second); !ok || left != 0 {
		t.Error("no buckets refused")
	}
}

func TestRollingConcurrent(t *testing.T) {
	var rl Rolling
	now := time.UnixMilli(0)
	var wg sync.WaitGroup
	var mu sync.Mutex
	taken := 0
	for range 50 {
		wg.Go(func() {
			if ok, _, _ := rl.Take(now, 20, time.Second, "k"); ok {
				mu.Lock()
				taken++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if taken != 20 {
		t.Errorf("took %d, want 20", taken)
	}
}

func TestWindowStartAndRetryAfter(t *testing.T) {
	at := time.UnixMilli(1_700_000_123_456)
	if got := WindowStart(at, time.Minute); got.UnixMilli() != 1_700_000_100_000 {
		t.Errorf("minute window %d", got.UnixMilli())
	}
	if got := WindowStart(at, 24*time.Hour); got.UnixMilli() != 1_699_920_000_000 {
		t.Errorf("day window %d", got.UnixMilli())
	}
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{59 * time.Second, "59"}, {59*time.Second + time.Millisecond, "60"}, {time.Millisecond, "1"},
		{0, "1"}, {-5 * time.Second, "1"}, {2 * time.Hour, "7200"},
	} {
		if got := RetryAfter(at, at.Add(tc.d)); got != tc.want {
			t.Errorf("RetryAfter(+%v) = %s, want %s", tc.d, got, tc.want)
		}
	}
}
