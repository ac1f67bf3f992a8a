package bybit

import (
	"regexp"
	"strings"
	"testing"

	"github.com/vigil-trade/vigil/exchange/venuetest"
)

// The rule as venues.md states it, written independently of the policy.
var clientIDRule = regexp.MustCompile(`^[A-Za-z0-9_-]{1,36}$`)

func TestClientIDPolicyIsTheVenueRule(t *testing.T) {
	venuetest.ClientIDRule(t, ClientIDPolicy, clientIDRule, "orderLinkId",
		[]string{"my_order-1", strings.Repeat("a", 36), "vg0abcdefghijklmnopqrstu"},
		[]string{"", strings.Repeat("a", 37), "a.b", "a:b", "a/b"})
}
