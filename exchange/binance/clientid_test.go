package binance

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The rule as venues.md states it, written independently of the policy.
var clientIDRule = regexp.MustCompile(`^[.A-Z:/a-z0-9_-]{1,36}$`)

func TestClientIDPolicyIsTheVenueRule(t *testing.T) {
	for _, id := range []string{"x-ABC.1:2/3_4-5", strings.Repeat("a", 36), "vg0abcdefghijklmnopqrstu"} {
		if !clientIDRule.MatchString(id) {
			t.Fatalf("example %q breaks the rule: fix the example", id)
		}
		if err := ClientIDPolicy.Check(id); err != nil {
			t.Errorf("Check(%q) = %v, want accepted", id, err)
		}
	}
	for _, id := range []string{"", strings.Repeat("a", 37), "spa ce", "plus+", "émoji"} {
		if clientIDRule.MatchString(id) {
			t.Fatalf("example %q passes the rule: fix the example", id)
		}
		if err := ClientIDPolicy.Check(id); err == nil || !strings.Contains(err.Error(), "newClientOrderId") {
			t.Errorf("Check(%q) = %v, want a refusal naming newClientOrderId", id, err)
		}
	}
	// Policy and rule agree on strings near the rule's edges: every
	// printable ASCII character, lengths around the limit.
	rng := rand.New(rand.NewPCG(13, 13))
	for range 20000 {
		b := make([]byte, rng.IntN(40))
		for i := range b {
			if rng.IntN(2) == 0 {
				b[i] = byte(' ' + rng.IntN(95))
			} else {
				b[i] = "azAZ09._-:/"[rng.IntN(11)]
			}
		}
		id := string(b)
		if ok := ClientIDPolicy.Check(id) == nil; ok != clientIDRule.MatchString(id) {
			t.Fatalf("Check(%q) ok=%v, the rule says %v", id, ok, !ok)
		}
	}
	seen := map[string]bool{}
	now := time.Date(2026, 12, 5, 5, 0, 0, 0, time.UTC)
	for range 10000 {
		id := ClientIDPolicy.New(now)
		if !clientIDRule.MatchString(id) || seen[id] {
			t.Fatalf("New made %q: breaks the rule or repeats", id)
		}
		seen[id] = true
	}
}
