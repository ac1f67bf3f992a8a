//go:build !linux

package crypto

func lockMemory(b []byte)   {}
func unlockMemory(b []byte) {}

// MemoryLocked is false where vigil does not lock secret memory.
func MemoryLocked() bool { return false }
