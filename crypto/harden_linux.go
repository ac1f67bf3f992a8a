//go:build linux

package crypto

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// Harden turns core dumps off, makes the process non-dumpable and checks
// that secret memory can be locked. Call it once at startup, before the
// vault is opened.
func Harden() HardenReport {
	r := HardenReport{Supported: true}
	if err := unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{Cur: 0, Max: 0}); err != nil {
		r.Errors = append(r.Errors, fmt.Sprintf("disabling core dumps: %v", err))
	} else {
		r.CoreDumpsOff = true
	}
	if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
		r.Errors = append(r.Errors, fmt.Sprintf("making the process non-dumpable: %v", err))
	} else {
		r.NonDumpable = true
	}
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_MEMLOCK, &lim); err == nil {
		r.MemlockLimit = lim.Cur
	}
	page := make([]byte, unix.Getpagesize())
	if err := unix.Mlock(page); err != nil {
		r.Errors = append(r.Errors, fmt.Sprintf("mlock not permitted (RLIMIT_MEMLOCK %d bytes): %v; secrets may reach swap", r.MemlockLimit, err))
	} else {
		r.MlockPermitted = true
		_ = unix.Munlock(page)
	}
	return r
}
