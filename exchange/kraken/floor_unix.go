//go:build unix

package kraken

import (
	"encoding/binary"
	"os"

	"golang.org/x/sys/unix"
)

// raiseFloor takes the file's lock, and returns max(want, floor+1) after
// writing it as the new floor.
func raiseFloor(path string, want uint64) (uint64, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		return 0, err
	}
	defer unix.Flock(int(f.Fd()), unix.LOCK_UN) //nolint:errcheck // closing releases it too
	var b [8]byte
	if n, _ := f.ReadAt(b[:], 0); n == len(b) {
		if floor := binary.BigEndian.Uint64(b[:]); want <= floor {
			want = floor + 1
		}
	}
	binary.BigEndian.PutUint64(b[:], want)
	if _, err := f.WriteAt(b[:], 0); err != nil {
		return 0, err
	}
	return want, nil
}
