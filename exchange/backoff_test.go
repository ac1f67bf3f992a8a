package exchange

import (
	"math/rand/v2"
	"testing"
	"testing/synctest"
	"time"
)

func seeded(seed uint64) func() float64 {
	return rand.New(rand.NewPCG(seed, 1)).Float64
}

func TestBackoffGrowsJittersCaps(t *testing.T) {
	b := &Backoff{Base: 500 * time.Millisecond, Cap: 30 * time.Second, Rand: seeded(1)}
	wantCeil := []time.Duration{
		500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second,
		16 * time.Second, 30 * time.Second, 30 * time.Second, 30 * time.Second,
	}
	for i, want := range wantCeil {
		if got := b.Ceiling(); got != want {
			t.Fatalf("attempt %d: ceiling %v, want %v", i, got, want)
		}
		if d := b.Next(); d < 0 || d > want {
			t.Fatalf("attempt %d: delay %v outside [0, %v]", i, d, want)
		}
	}
	if b.Attempt() != len(wantCeil) {
		t.Fatalf("attempt %d, want %d", b.Attempt(), len(wantCeil))
	}
	// Far past the cap: still capped, no overflow.
	for range 200 {
		if d := b.Next(); d < 0 || d > 30*time.Second {
			t.Fatalf("delay %v after %d attempts", d, b.Attempt())
		}
	}

	// Full jitter: at a capped attempt, delays spread over the range.
	var lo, hi int
	seen := map[time.Duration]bool{}
	for range 1000 {
		d := b.Next()
		seen[d] = true
		if d < 10*time.Second {
			lo++
		}
		if d > 20*time.Second {
			hi++
		}
	}
	if len(seen) < 900 || lo < 200 || hi < 200 {
		t.Fatalf("delays not jittered: %d distinct, %d below 10 s, %d above 20 s", len(seen), lo, hi)
	}
}

func TestBackoffDefaultsAndEdges(t *testing.T) {
	var b Backoff // zero value: 500 ms base, 30 s cap, math/rand
	if got := b.Ceiling(); got != defaultBackoffBase {
		t.Fatalf("default base %v", got)
	}
	max1 := &Backoff{Rand: func() float64 { return 0.9999999999 }}
	for range 20 {
		max1.Next()
	}
	if d := max1.Next(); d < 29*time.Second || d > 30*time.Second {
		t.Fatalf("top of a capped range: %v, want ~30s", d)
	}
	zero := &Backoff{Rand: func() float64 { return 0 }}
	if d := zero.Next(); d != 0 {
		t.Fatalf("bottom of the range: %v", d)
	}
}

func TestBackoffResetsAfterHealthyPeriod(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := &Backoff{Base: time.Second, Cap: 30 * time.Second, Reset: time.Minute, Rand: seeded(2)}
		for range 6 {
			pass(b.Next()) // reconnect loop: wait, dial, fail
		}
		if b.Ceiling() != 30*time.Second {
			t.Fatalf("ceiling %v after 6 failures", b.Ceiling())
		}

		// Connected, but dropped after 10 s: still backing off.
		up := time.Now()
		pass(10 * time.Second)
		if b.Healthy(up, time.Now()) || b.Attempt() != 6 {
			t.Fatalf("a 10 s connection reset the backoff (attempt %d)", b.Attempt())
		}

		// Connected for a full minute: the next drop starts from Base.
		up = time.Now()
		pass(time.Minute)
		if !b.Healthy(up, time.Now()) {
			t.Fatal("a minute-long connection was not healthy")
		}
		if b.Attempt() != 0 || b.Ceiling() != time.Second {
			t.Fatalf("after a healthy period: attempt %d, ceiling %v", b.Attempt(), b.Ceiling())
		}
		if d := b.Next(); d > time.Second {
			t.Fatalf("first delay after reset %v > base", d)
		}
		if b.Healthy(time.Time{}, time.Now()) {
			t.Fatal("never connected counted as healthy")
		}
	})
}
