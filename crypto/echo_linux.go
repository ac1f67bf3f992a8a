//go:build linux

package crypto

import (
	"os"

	"golang.org/x/sys/unix"
)

// echoOff clears ECHO but keeps canonical mode and signals, so line editing
// and Ctrl-C still work while a passphrase is typed.
func echoOff(f *os.File) (restore func(), err error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	var old *unix.Termios
	var ierr error
	err = rc.Control(func(fd uintptr) {
		old, ierr = unix.IoctlGetTermios(int(fd), unix.TCGETS)
		if ierr != nil {
			return
		}
		t := *old
		t.Lflag &^= unix.ECHO
		t.Lflag |= unix.ICANON | unix.ISIG
		ierr = unix.IoctlSetTermios(int(fd), unix.TCSETS, &t)
	})
	if err == nil {
		err = ierr
	}
	if err != nil {
		return nil, err
	}
	return func() {
		rc.Control(func(fd uintptr) { unix.IoctlSetTermios(int(fd), unix.TCSETS, old) })
	}, nil
}
