//go:build unix

package noncefloor_test

import (
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/vigil-trade/vigil/exchange/noncefloor"
)

// TestTakeNeverRepeats: many takers of one file, all asking for the same
// number (a frozen clock), get distinct, rising numbers; a later take
// asking for less gets more than any issued.
func TestTakeNeverRepeats(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k.nonce")
	var (
		mu   sync.Mutex
		seen = map[uint64]bool{}
		wg   sync.WaitGroup
	)
	for range 4 {
		wg.Go(func() {
			last := uint64(0)
			for range 100 {
				v, unlock, err := noncefloor.Take(path, 1000)
				if err != nil {
					t.Error(err)
					return
				}
				unlock()
				if v <= last {
					t.Errorf("%d after %d", v, last)
				}
				last = v
				mu.Lock()
				if seen[v] {
					t.Errorf("%d issued twice", v)
				}
				seen[v] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if v, unlock, err := noncefloor.Take(path, 5); err != nil || v != 1400 {
		t.Fatalf("after 400 takes from 1000: %d %v, want 1400", v, err)
	} else {
		unlock()
	}
	if v, unlock, _ := noncefloor.Take(path, 9999); v != 9999 {
		t.Fatalf("a number above the floor is taken as asked: %d", v)
	} else {
		unlock()
	}
}

// TestHeldLockWaits: while one taker holds the lock, another process's
// take waits for it (flock is per open file, so a second descriptor in
// this process stands for another process).
func TestHeldLockWaits(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k.nonce")
	v, unlock, err := noncefloor.Take(path, 10)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan uint64)
	go func() {
		w, un, err := noncefloor.Take(path, 10)
		if err != nil {
			t.Error(err)
		}
		un()
		got <- w
	}()
	// Give the other taker time to reach the lock; were the lock not
	// exclusive it would have its number by then.
	time.Sleep(50 * time.Millisecond)
	select {
	case w := <-got:
		t.Fatalf("took %d while %d was held", w, v)
	default:
	}
	unlock()
	if w := <-got; w != v+1 {
		t.Fatalf("after the hold: %d, want %d", w, v+1)
	}
}
