package kraken

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Nonces issues one key's nonces: milliseconds of the venue's clock
// estimate, but always above every nonce issued before for the key, by
// this process or, through the floor file, by any other vigil process on
// this machine (the cockpit, `vigil check` and `vigil order` on one key at
// once). Kraken refuses a nonce at or below one it has seen for the key.
//
// The floor file holds the highest nonce issued, as 8 bytes; it is read
// and raised under an exclusive flock, held only for that, so a nonce is
// taken and recorded by one process at a time. A process that dies holding
// it releases the lock with its descriptor.
type Nonces struct {
	mu   sync.Mutex
	last uint64
	path string // "": this process only
}

// NewNonces returns the nonce source of keyID, sharing its floor through a
// file in dir ("" shares nothing beyond this process).
func NewNonces(dir, keyID string) (*Nonces, error) {
	n := &Nonces{}
	if dir == "" {
		return n, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("kraken: nonce floor directory: %w", err)
	}
	// The key id is not secret, but a file name is not where to show it.
	sum := sha256.Sum256([]byte(keyID))
	n.path = filepath.Join(dir, "kraken-"+hex.EncodeToString(sum[:8])+".nonce")
	return n, nil
}

// Path is the floor file ("" when none).
func (n *Nonces) Path() string { return n.path }

// Next is the nonce for a request stamped at stamp.
func (n *Nonces) Next(stamp time.Time) (uint64, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	want := max(uint64(max(stamp.UnixMilli(), 0)), n.last+1)
	if n.path != "" {
		v, err := raiseFloor(n.path, want)
		if err != nil {
			return 0, fmt.Errorf("kraken: nonce floor %s: %w", n.path, err)
		}
		want = v
	}
	n.last = want
	return want, nil
}

// Above makes every later nonce exceed floor: after Kraken refused one,
// with the key's current nonce read back (GetApiKeyInfo).
func (n *Nonces) Above(floor uint64) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.last = max(n.last, floor)
	if n.path != "" {
		if _, err := raiseFloor(n.path, floor); err != nil {
			return err
		}
	}
	return nil
}

// DefaultNonceDir is where the floors live when the caller names no
// directory: the user's state directory, shared by every vigil process
// of this user whatever config each was started with.
func DefaultNonceDir() string {
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "vigil", "nonces")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "state", "vigil", "nonces")
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("vigil-%d", os.Getuid()), "nonces")
}
