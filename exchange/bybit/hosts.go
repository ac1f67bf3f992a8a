package bybit

import "strings"

// MainnetHost reports whether host (lower case, no port, no trailing dot)
// is Bybit production, where orders move real money: any host of its
// production domains except the testnet and demo-trading ones
// (api-testnet, stream-demo, …).
func MainnetHost(host string) bool {
	// The global domains and the regional exchanges (venues.md 2.3), none
	// of which has a testnet.
	domains := [...]string{
		"bybit.com", "bytick.com",
		"bybit.nl", "bybit-tr.com", "bybit.kz", "bybit.ae", "bybit.eu", "bybit.id",
		"bybitgeorgia.ge", "manepa.jp",
	}
	for _, d := range domains {
		if host == d || strings.HasSuffix(host, "."+d) {
			first, _, _ := strings.Cut(host, ".")
			return !strings.HasSuffix(first, "-testnet") && !strings.HasSuffix(first, "-demo")
		}
	}
	return false
}
