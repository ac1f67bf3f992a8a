package store

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// lockHolder names the process holding path's flock, read from /proc/locks
// ("1: FLOCK  ADVISORY  WRITE 4242 fd:01:1234 0 EOF"); 0 when unknown.
func lockHolder(path string) int {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return 0
	}
	suffix := ":" + strconv.FormatUint(sys.Ino, 10)
	f, err := os.Open("/proc/locks")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 || fields[1] != "FLOCK" || !strings.HasSuffix(fields[5], suffix) {
			continue
		}
		if !sameDev(fields[5], uint64(sys.Dev)) {
			continue
		}
		pid, _ := strconv.Atoi(fields[4])
		return pid
	}
	return 0
}

// sameDev compares the "major:minor:inode" field's device (hex) with st_dev.
func sameDev(field string, dev uint64) bool {
	parts := strings.Split(field, ":")
	if len(parts) != 3 {
		return false
	}
	major, err1 := strconv.ParseUint(parts[0], 16, 32)
	minor, err2 := strconv.ParseUint(parts[1], 16, 32)
	return err1 == nil && err2 == nil && uint32(major) == unix.Major(dev) && uint32(minor) == unix.Minor(dev)
}
