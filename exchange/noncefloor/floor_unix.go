//go:build unix

package noncefloor

import (
	"encoding/binary"
	"os"

	"golang.org/x/sys/unix"
)

// Take locks the floor file at path, raises the floor to max(want,
// floor+1) and returns that number with what releases the lock. A caller
// that must keep its number first on the wire (Kraken's single highest
// nonce) holds the lock until the request is answered; one that needs only
// uniqueness releases it at once.
func Take(path string, want uint64) (uint64, func(), error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return 0, nil, err
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		f.Close()
		return 0, nil, err
	}
	unlock := func() { f.Close() } // closing the descriptor drops the flock
	var b [8]byte
	if n, _ := f.ReadAt(b[:], 0); n == len(b) {
		if floor := binary.BigEndian.Uint64(b[:]); want <= floor {
			want = floor + 1
		}
	}
	binary.BigEndian.PutUint64(b[:], want)
	if _, err := f.WriteAt(b[:], 0); err != nil {
		unlock()
		return 0, nil, err
	}
	return want, unlock, nil
}
