package config

import (
	"strings"
	"testing"
)

// TestCancelOnDisconnect: off unless the account turns it on.
func TestCancelOnDisconnect(t *testing.T) {
	for _, tc := range []struct {
		line string
		want bool
	}{{"", false}, {"cancel_on_disconnect = false", false}, {"cancel_on_disconnect = true", true}} {
		c, err := Parse([]byte("[[accounts]]\nname = \"d\"\nkey = \"d\"\nvenue = \"deribit\"\nnetwork = \"testnet\"\n"+tc.line+"\n"), "c.toml", testEnv)
		if err != nil {
			t.Fatalf("%q: %v", tc.line, err)
		}
		if got := c.Accounts[0].CancelOnDisconnect; got != tc.want {
			t.Errorf("%q: cancel on disconnect %v, want %v", tc.line, got, tc.want)
		}
	}
}

// TestCancelOnDisconnectOnlyWhereTheVenueCan: a venue that cannot cancel
// the orders of a dropped stream refuses the setting, naming the key and
// its line; turned off, it may stand anywhere.
func TestCancelOnDisconnectOnlyWhereTheVenueCan(t *testing.T) {
	cfg := "[[accounts]]\nname = \"b\"\nkey = \"b\"\nvenue = \"binance\"\nnetwork = \"testnet\"\ncancel_on_disconnect = true\n"
	_, err := Parse([]byte(cfg), "c.toml", testEnv)
	if err == nil || !strings.Contains(err.Error(), "c.toml:6") || !strings.Contains(err.Error(), "accounts[1].cancel_on_disconnect") ||
		!strings.Contains(err.Error(), "cannot cancel orders") {
		t.Fatalf("want the line and key named: %v", err)
	}
	if _, err := Parse([]byte(strings.Replace(cfg, "= true", "= false", 1)), "c.toml", testEnv); err != nil {
		t.Fatalf("off: %v", err)
	}
}
