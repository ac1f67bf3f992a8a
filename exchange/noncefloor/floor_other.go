//go:build !unix

package noncefloor

// Take is unsupported here: there is no flock.
func Take(string, uint64) (uint64, func(), error) { return 0, nil, ErrUnsupported }
