//go:build unix

package audit

import (
	"os"
	"syscall"
)

// lockFile takes the trail's lock: two processes appending at once would
// fork the chain.
func lockFile(f *os.File) (func(), error) {
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		return nil, err
	}
	return func() { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }, nil
}
