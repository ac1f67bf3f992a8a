//go:build !unix

package kraken

import "errors"

func raiseFloor(string, uint64) (uint64, error) {
	return 0, errors.New("no cross-process nonce floor on this system: give each process its own Kraken key")
}
