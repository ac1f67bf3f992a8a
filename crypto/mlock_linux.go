//go:build linux

package crypto

import (
	"sync/atomic"

	"golang.org/x/sys/unix"
)

var mlockFailures atomic.Int64

func lockMemory(b []byte) {
	if len(b) == 0 {
		return
	}
	if err := unix.Mlock(b); err != nil {
		mlockFailures.Add(1)
	}
}

func unlockMemory(b []byte) {
	if len(b) == 0 {
		return
	}
	_ = unix.Munlock(b)
}

// MemoryLocked reports whether every secret so far was locked into RAM
// (mlock can fail under a low RLIMIT_MEMLOCK; `vigil check` says so).
func MemoryLocked() bool { return mlockFailures.Load() == 0 }
