package config

import (
	"strings"
	"testing"
)

// TestRateTierAndHostlessNetwork: rate_tier takes only the venue's tiers,
// a venue without tiers refuses it, and a network with no public host
// wants rest_url.
func TestRateTierAndHostlessNetwork(t *testing.T) {
	for _, tc := range []struct{ account, want string }{
		{`venue = "kraken"` + "\nnetwork = \"mainnet\"\nrate_tier = \"whale\"", `"whale" is not a Kraken Spot tier (allowed: intermediate, starter, pro)`},
		{`venue = "bybit"` + "\nnetwork = \"mainnet\"\nrate_tier = \"pro\"", "Bybit counts no rate tier"},
		{`venue = "kraken"` + "\nnetwork = \"testnet\"", "Kraken Spot testnet has no public host"},
		{`venue = "kraken"` + "\nnetwork = \"mainnet\"\nrate_tier = \"Pro\"", ""},
		{`venue = "kraken"` + "\nnetwork = \"testnet\"\nrest_url = \"http://127.0.0.1:8080\"", ""},
	} {
		_, err := Parse([]byte("[[accounts]]\nname = \"k\"\nkey = \"k\"\n"+tc.account+"\n"), "c.toml", testEnv)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.account, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: %v, want %q", tc.account, err, tc.want)
		}
	}
}
