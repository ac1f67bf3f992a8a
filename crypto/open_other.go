//go:build !unix

package crypto

// Where the flags do not exist, the Lstat before opening is the only
// symlink check, and special files are refused after opening.
const (
	oNoFollow = 0
	oNonBlock = 0
)

func isLinkLoop(error) bool { return false }
