//go:build !unix

package audit

// lockDir is a no-op where flock is missing: one process per trail there.
func lockDir(string) (func(), error) { return func() {}, nil }
