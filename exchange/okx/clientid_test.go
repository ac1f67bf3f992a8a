package okx

import (
	"regexp"
	"strings"
	"testing"

	"github.com/vigil-trade/vigil/exchange/venuetest"
)

// The rule as venues.md states it, written independently of the policy.
var clientIDRule = regexp.MustCompile(`^[A-Za-z0-9]{1,32}$`)

func TestClientIDPolicyIsTheVenueRule(t *testing.T) {
	venuetest.ClientIDRule(t, ClientIDPolicy, clientIDRule, "clOrdId",
		[]string{"ABCdef123", strings.Repeat("a", 32), "vg0abcdefghijklmnopqrstu"},
		[]string{"", strings.Repeat("a", 33), "has-dash", "x_y", "0x12-"})
}
