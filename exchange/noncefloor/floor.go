// Package noncefloor keeps one strictly increasing number per key across
// every process on a machine: the highest issued, 8 bytes big-endian in a
// file, read and raised under an exclusive flock. Venues that refuse a
// nonce at or below one already seen (Kraken per key, Hyperliquid per
// signer) take their nonces through it, so the cockpit, `vigil check` and
// `vigil order` on one key never collide. A process that dies holding the
// lock releases it with its descriptor.
package noncefloor

import "errors"

// ErrUnsupported is returned where the system has no flock.
var ErrUnsupported = errors.New("no cross-process nonce floor on this system: give each vigil process its own key")
