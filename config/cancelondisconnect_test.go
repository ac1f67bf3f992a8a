package config

import "testing"

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
