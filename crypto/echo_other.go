//go:build !linux

package crypto

import (
	"os"

	"golang.org/x/term"
)

// echoOff outside Linux: x/term's raw mode is the portable way to stop echo.
// Ctrl-C then arrives as a byte, not a signal.
func echoOff(f *os.File) (restore func(), err error) {
	st, err := term.MakeRaw(int(f.Fd()))
	if err != nil {
		return nil, err
	}
	return func() { term.Restore(int(f.Fd()), st) }, nil
}
