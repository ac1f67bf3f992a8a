//go:build !unix

package hyperliquid

import "errors"

func lockFloor(string, uint64) (uint64, func(), error) {
	return 0, nil, errors.New("no cross-process nonce floor on this system: give each process its own agent wallet")
}
