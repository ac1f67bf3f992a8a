package store

import (
	"fmt"
	"os"
	"syscall"
)

func statIdentity(st os.FileInfo) string {
	s, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return "unknown"
	}
	return fmt.Sprintf("dev=%d ino=%d ctime=%d.%09d", s.Dev, s.Ino, s.Ctim.Sec, s.Ctim.Nsec)
}
