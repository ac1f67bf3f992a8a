//go:build unix

package crypto

import (
	"errors"
	"syscall"
)

const (
	// oNoFollow makes opening a symlink fail instead of opening its target.
	oNoFollow = syscall.O_NOFOLLOW
	// oNonBlock keeps opening a FIFO from waiting for a writer.
	oNonBlock = syscall.O_NONBLOCK
)

// isLinkLoop: opening with oNoFollow met a symbolic link.
func isLinkLoop(err error) bool { return errors.Is(err, syscall.ELOOP) }
