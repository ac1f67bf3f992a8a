package crypto

// HardenReport says which process protections took effect, so `vigil
// check` can warn about the ones that did not.
type HardenReport struct {
	// Supported is false on platforms where vigil does not harden.
	Supported bool
	// CoreDumpsOff: RLIMIT_CORE is 0, so a crash writes no core file.
	CoreDumpsOff bool
	// NonDumpable: other processes of the same user cannot ptrace us or read
	// /proc/<pid>/mem.
	NonDumpable bool
	// MlockPermitted: secret memory can be locked out of swap (a test lock
	// of one page succeeded).
	MlockPermitted bool
	// MemlockLimit is RLIMIT_MEMLOCK's soft limit in bytes.
	MemlockLimit uint64
	// Errors has one line per protection that failed.
	Errors []string
}

// OK reports whether every protection took effect.
func (r HardenReport) OK() bool {
	return r.Supported && r.CoreDumpsOff && r.NonDumpable && r.MlockPermitted
}
