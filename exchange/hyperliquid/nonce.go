package hyperliquid

import (
	"fmt"
	"github.com/vigil-trade/vigil/exchange/noncefloor"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Nonces issues one signer's nonces: milliseconds, strictly increasing
// across every vigil process on this machine that signs as the same
// wallet.
//
// Hyperliquid keeps the highest nonces it has seen per signer (100 in the
// gitbook's current text, 20 in an older one) and takes a new one only
// if it is unused and above the smallest kept. So, unlike Kraken's single
// highest nonce, two requests in flight at once do not refuse each other:
// no hold until the reply is needed, only uniqueness. Two processes
// stamping the same millisecond would collide (ccxt had that bug), so the
// floor file holds the highest nonce issued, taken under an exclusive flock
// for the moment it is read and written (exchange/noncefloor, shared with
// Kraken's nonces).
type Nonces struct {
	mu   sync.Mutex
	last uint64
	path string // "": this process only
}

// NewNonces returns the nonce source of signer, sharing its floor through
// a file in dir ("" shares nothing beyond this process).
func NewNonces(dir string, signer Address) (*Nonces, error) {
	n := &Nonces{}
	if dir == "" {
		return n, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("hyperliquid: nonce floor directory: %w", err)
	}
	// Per signer, as the venue counts them: two accounts one agent trades
	// share a nonce set.
	n.path = filepath.Join(dir, "hyperliquid-"+signer.String()[2:18]+".nonce")
	return n, nil
}

// Path is the floor file ("" when none).
func (n *Nonces) Path() string { return n.path }

// Next returns the nonce for a request signed at now: now's milliseconds,
// or one above the last issued here or by another process.
func (n *Nonces) Next(now time.Time) (uint64, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	want := max(uint64(max(now.UnixMilli(), 0)), n.last+1)
	if n.path != "" {
		v, unlock, err := noncefloor.Take(n.path, want)
		if err != nil {
			return 0, fmt.Errorf("hyperliquid: nonce floor %s: %w", n.path, err)
		}
		unlock()
		want = v
	}
	n.last = want
	return want, nil
}

// Above makes every later nonce exceed floor: after the venue refused one.
func (n *Nonces) Above(floor uint64) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.last = max(n.last, floor)
	if n.path != "" {
		_, unlock, err := noncefloor.Take(n.path, floor)
		if err != nil {
			return err
		}
		unlock()
	}
	return nil
}
