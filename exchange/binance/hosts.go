package binance

import "strings"

// MainnetHost reports whether host (lower case, no port, no trailing dot)
// is Binance production, where orders move real money: every binance.com
// host but Demo Mode's demo-* ones, data-api.binance.vision (production
// market data under the testnet's domain), and Binance.US, a separate
// live exchange.
func MainnetHost(host string) bool {
	switch {
	case host == "data-api.binance.vision":
		return true
	case host == "binance.com" || strings.HasSuffix(host, ".binance.com"):
		return !strings.HasPrefix(host, "demo-")
	case host == "binance.us" || strings.HasSuffix(host, ".binance.us"):
		return true
	}
	return false
}
