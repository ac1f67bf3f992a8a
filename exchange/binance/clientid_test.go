package binance

import (
	"regexp"
	"strings"
	"testing"

	"github.com/vigil-trade/vigil/exchange/venuetest"
)

// The rule as venues.md states it, written independently of the policy.
var clientIDRule = regexp.MustCompile(`^[.A-Z:/a-z0-9_-]{1,36}$`)

func TestClientIDPolicyIsTheVenueRule(t *testing.T) {
	venuetest.ClientIDRule(t, ClientIDPolicy, clientIDRule, "newClientOrderId",
		[]string{"x-ABC.1:2/3_4-5", strings.Repeat("a", 36), "vg0abcdefghijklmnopqrstu"},
		[]string{"", strings.Repeat("a", 37), "spa ce", "plus+", "émoji"})
}
