package kraken

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"github.com/vigil-trade/vigil/exchange/noncefloor"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Nonces issues one key's nonces, and keeps them arriving in order.
//
// Kraken refuses a nonce at or below the highest it has seen for the key,
// so two requests in flight at once can refuse each other: the one with
// the lower nonce may arrive second. A nonce is therefore taken under a
// hold that lasts until its request has been answered (Release, called by
// the transport when the reply's headers arrive or the send fails): one
// signed request per key at a time, from this process and, through the
// floor file, from every vigil process on this machine (the cockpit,
// `vigil check` and `vigil order` on one key at once).
//
// The floor file holds the highest nonce issued, as 8 bytes, under an
// exclusive flock held as long as the hold. A process that dies holding
// it releases the lock with its descriptor.
type Nonces struct {
	mu   sync.Mutex // the hold, in this process
	last uint64
	path string // "": this process only

	held    *hold
	heldMu  sync.Mutex
	Timeout time.Duration // a hold nobody released ends after this (default 30 s)
}

type hold struct {
	once    sync.Once
	release func()
	timer   *time.Timer
}

// NewNonces returns the nonce source of keyID, sharing its floor and hold
// through a file in dir ("" shares nothing beyond this process).
func NewNonces(dir, keyID string) (*Nonces, error) {
	n := &Nonces{Timeout: 30 * time.Second}
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

// Take holds the key and returns the nonce for a request stamped at
// stamp: above every nonce issued before. The hold lasts until Release.
func (n *Nonces) Take(stamp time.Time) (uint64, error) {
	n.mu.Lock()
	want := max(uint64(max(stamp.UnixMilli(), 0)), n.last+1)
	unlock := func() {}
	if n.path != "" {
		v, un, err := noncefloor.Take(n.path, want)
		if err != nil {
			n.mu.Unlock()
			return 0, fmt.Errorf("kraken: nonce floor %s: %w", n.path, err)
		}
		want, unlock = v, un
	}
	n.last = want
	h := &hold{release: func() { unlock(); n.mu.Unlock() }}
	h.timer = time.AfterFunc(n.Timeout, func() { h.end() })
	n.heldMu.Lock()
	n.held = h
	n.heldMu.Unlock()
	return want, nil
}

func (h *hold) end() {
	h.once.Do(func() {
		h.timer.Stop()
		h.release()
	})
}

// Release ends the current hold: its request has arrived or failed.
func (n *Nonces) Release() {
	n.heldMu.Lock()
	h := n.held
	n.held = nil
	n.heldMu.Unlock()
	if h != nil {
		h.end()
	}
}

// Next takes a nonce and releases the hold at once: for a request that
// is answered before the next is signed (tests, tools).
func (n *Nonces) Next(stamp time.Time) (uint64, error) {
	v, err := n.Take(stamp)
	if err == nil {
		n.Release()
	}
	return v, err
}

// Above makes every later nonce exceed floor: after Kraken refused one,
// with the key's current nonce read back (GetApiKeyInfo).
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

// releasing is the transport under the client: a signed request's reply
// headers (or its failure) end the nonce hold its signature took.
type releasing struct {
	next   http.RoundTripper
	nonces *Nonces
}

func (rt releasing) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Header.Get(HeaderSign) == "" {
		return rt.next.RoundTrip(r)
	}
	defer rt.nonces.Release()
	return rt.next.RoundTrip(r)
}
