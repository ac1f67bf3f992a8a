package okx

import "strings"

// MainnetHost reports whether host (lower case, no port, no trailing dot)
// is OKX live trading whatever the client sends. Demo trading shares the
// REST hosts (www, openapi, us, eea, aws …), and the client marks demo
// requests with x-simulated-trading, which OKX refuses for a live key; so
// only the WebSocket hosts tell the two apart: ws*.okx.com is live, the
// *pap* ones (wspap, wsuspap, wseeapap) are demo.
func MainnetHost(host string) bool {
	if host != "okx.com" && !strings.HasSuffix(host, ".okx.com") {
		return false
	}
	first, _, _ := strings.Cut(host, ".")
	return strings.HasPrefix(first, "ws") && !strings.Contains(first, "pap")
}
