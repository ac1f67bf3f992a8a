//go:build race

package binance

// sync.Pool drops a share of Puts under the race detector on purpose, so
// allocation counts only hold without it.
const raceEnabled = true
